from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from workbench.dbtriggers import append_only, install

ROLES = ("viewer", "reviewer", "admin")


def roles_create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    group = apps.get_model("auth", "Group")
    for name in ROLES:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(*install(append_only("claims_review"), append_only("claims_evidencedecision"))),
        migrations.RunPython(roles_create, migrations.RunPython.noop),
    ]
