"""Semantic band rows move from 32 random-hyperplane bands of 12 bits to 24 cross-polytope bands.

The old rows would never meet the new ones, so they are dropped. ``claims_index`` gives every
claim with a stored vector its new rows from that vector (no re-embedding) when the claim is
next matched; ``python manage.py match --recompute`` does it for the whole corpus at once.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SEMANTIC = 2  # claims.matching.linking.METHOD_IDS["semantic"], frozen here


def drop_semantic_rows(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("claims", "MatchKey").objects.filter(method=SEMANTIC).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_matching_indexes")]

    operations = [migrations.RunPython(drop_semantic_rows, migrations.RunPython.noop, elidable=True)]
