"""python manage.py db_app_role [--role workbench_app] [--password-env VAR] — the application's database role.

The web, worker and beat processes should connect as a role that reads and writes rows and
nothing more: it owns no table, so it cannot ALTER, DROP or disable a trigger, and it holds no
TRUNCATE. Migrations keep running as the owner of the tables. Run this as a superuser (or the
owner with CREATEROLE) after ``migrate``; it is safe to run again, and tables of later
migrations are granted to the role as the owner creates them (default privileges).
PostgreSQL only. See docs/deploy-accounts.md.
"""

from __future__ import annotations

import os
import re
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Row privileges only: no TRUNCATE, REFERENCES or TRIGGER, and ownership (ALTER, DROP) stays with the owner.
ROW_PRIVILEGES = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
ROLE_OPTIONS = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")


class Command(BaseCommand):
    help = "Create or update the least-privilege role the application connects as (PostgreSQL)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--role", default="workbench_app", help="Role name (default: workbench_app)")
        parser.add_argument(
            "--password-env",
            default=None,
            metavar="VAR",
            help="Set the role's password from this environment variable (never from the command line)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Django database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        role: str = options["role"]
        if not ROLE_NAME.match(role):
            raise CommandError(f"{role!r} is not a plain role name (lower-case letters, digits, underscores)")
        password = self._password(options["password_env"])
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("db_app_role is for PostgreSQL; the SQLite demo store has no roles")
        with transaction.atomic(using=options["database"]), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), current_schema(), "
                "(SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename = 'django_migrations')"
            )
            database, schema, owner = cursor.fetchone()
            if owner is None:
                raise CommandError("no django_migrations table here: run `manage.py migrate` (as the owner) first")
            if role == owner:
                raise CommandError(f"{role} owns the tables; the application's role must be another one")
            cursor.execute("SELECT rolsuper, pg_has_role(%s, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                           [role, owner, role])  # fmt: skip
            found = cursor.fetchone()
            if found is not None and (found[0] or found[1]):
                raise CommandError(f"{role} is a superuser or a member of {owner}; choose a role of its own")
            for statement in self._statements(role, owner, database, schema, password, exists=found is not None):
                cursor.execute(statement.as_string(connection.connection))
        self.stdout.write(
            f"{role}: reads and writes the rows of every table in {database}.{schema} (django_migrations: read "
            f"only), owns none, no TRUNCATE; tables {owner} creates later are granted too.\n"
            f"Connect the application as it: DATABASE_URL=postgres://{role}:…@host:port/{database}; "
            f"run migrate as {owner}."
        )

    def _password(self, variable: str | None) -> str | None:
        if variable is None:
            return None
        value = os.environ.get(variable, "")
        if not value:
            raise CommandError(f"--password-env {variable}: that environment variable is empty or not set")
        return value

    def _statements(
        self, role: str, owner: str, database: str, schema: str, password: str | None, *, exists: bool
    ) -> list[sql.Composed]:
        ident = {"role": sql.Identifier(role), "owner": sql.Identifier(owner), "schema": sql.Identifier(schema)}
        verb = sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE")
        defaults = sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema}").format(**ident)
        secret = sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password is not None else sql.SQL("")
        return [
            sql.SQL("{} {role} {}{}").format(verb, ROLE_OPTIONS, secret, **ident),
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {role}").format(sql.Identifier(database), **ident),
            sql.SQL("GRANT USAGE ON SCHEMA {schema} TO {role}").format(**ident),
            # Take back anything a hand-made grant gave, then give exactly the row privileges.
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}").format(**ident),
            sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA {schema} TO {role}").format(ROW_PRIVILEGES, **ident),
            sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {schema}.django_migrations FROM {role}").format(**ident),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}").format(**ident),
            # Tables and sequences the owner creates in later migrations get the same grants.
            sql.SQL("{} GRANT {} ON TABLES TO {role}").format(defaults, ROW_PRIVILEGES, **ident),
            sql.SQL("{} GRANT USAGE, SELECT ON SEQUENCES TO {role}").format(defaults, **ident),
        ]
