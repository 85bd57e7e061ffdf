"""Database triggers for invariants that a CHECK constraint cannot express.

Each trigger exists in a PostgreSQL and a SQLite dialect; migrations install
the one matching the connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


@dataclass(frozen=True)
class Trigger:
    postgresql: str
    postgresql_drop: str
    sqlite: str
    sqlite_drop: str


def _run(schema_editor: BaseDatabaseSchemaEditor, sql: str) -> None:
    for statement in sql.split(";;"):
        if statement.strip():
            schema_editor.execute(statement)


MigrationFn = Callable[[StateApps, BaseDatabaseSchemaEditor], None]


def install(*triggers: Trigger) -> tuple[MigrationFn, MigrationFn]:
    """forwards/backwards functions for RunPython that apply the connection's dialect."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        for trigger in triggers:
            _run(schema_editor, trigger.postgresql if vendor == "postgresql" else trigger.sqlite)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        for trigger in triggers:
            _run(schema_editor, trigger.postgresql_drop if vendor == "postgresql" else trigger.sqlite_drop)

    return forwards, backwards


def append_only(table: str) -> Trigger:
    """Refuse UPDATE and DELETE of a table's rows: history is appended, never rewritten.

    On SQLite (the single-user demo store) only UPDATE is refused, because
    Django's flush empties tables with DELETE, which PostgreSQL does with TRUNCATE.
    """
    fn = f"{table}_append_only"
    return Trigger(
        postgresql=f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{table} rows are append-only' USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;;
CREATE TRIGGER {fn} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()
""",
        postgresql_drop=f"DROP TRIGGER IF EXISTS {fn} ON {table};; DROP FUNCTION IF EXISTS {fn}()",
        sqlite=f"""
CREATE TRIGGER {fn} BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END
""",
        sqlite_drop=f"DROP TRIGGER IF EXISTS {fn}",
    )


# A deliberate wipe as the table owner (the test suite's flush, a `manage.py flush` on a scratch
# database) sets this first: PGOPTIONS='-c workbench.allow_truncate=on'. The application's own role
# holds no TRUNCATE privilege at all (manage.py db_app_role).
ALLOW_TRUNCATE_SETTING = "workbench.allow_truncate"


def truncate_refused(table: str) -> Trigger:
    """Refuse TRUNCATE of an append-only table: the row triggers of ``append_only`` never see it.

    PostgreSQL only; SQLite has no TRUNCATE (its DELETE without WHERE is a row delete).
    """
    fn = f"{table}_no_truncate"
    return Trigger(
        postgresql=f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('{ALLOW_TRUNCATE_SETTING}', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '{table} rows are append-only: TRUNCATE is refused' USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;;
CREATE TRIGGER {fn} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()
""",
        postgresql_drop=f"DROP TRIGGER IF EXISTS {fn} ON {table};; DROP FUNCTION IF EXISTS {fn}()",
        sqlite="",
        sqlite_drop="",
    )
