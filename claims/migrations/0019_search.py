"""Full-text indexes of claim and sentence wording for search (PostgreSQL only).

Search narrows every word of a query to the texts holding it at the start of a word through these
GIN indexes (``claims.selectors.search``), instead of reading every claim and sentence. The expression
is the one Django writes for ``SearchVector("text", config="simple")``, so the planner matches it. The
'simple' configuration keeps words as written (no stemming, no stop words): "refus:*" finds "refused".
SQLite, the demo's store, has no such index: search reads its few thousand rows.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEXES = {
    "claim_text_search": "claims_claim",
    "sentence_text_search": "sources_sentence",
}


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            "USING gin (to_tsvector('simple'::regconfig, COALESCE(text, ''::text)))"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0017_review_desk"),
        ("sources", "0002_sentence_text_trigger"),
    ]

    operations = [migrations.RunPython(create, drop)]
