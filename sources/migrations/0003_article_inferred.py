from importlib import import_module

from django.db import migrations, models

from workbench.dbtriggers import install

# SQLite adds this column by rebuilding sources_article, which its triggers (migration 0002) name:
# they are dropped for the rebuild and installed again after it.
_TRIGGERS = import_module("sources.migrations.0002_sentence_text_trigger").SENTENCE_MATCHES_BODY
_create, _drop = install(_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("sources", "0002_sentence_text_trigger")]

    operations = [
        migrations.RunPython(_drop, _create),
        migrations.AddField(model_name="article", name="inferred", field=models.JSONField(blank=True, default=dict)),
        migrations.RunPython(_create, _drop),
    ]
