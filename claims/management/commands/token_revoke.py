"""python manage.py token_revoke USERNAME (--all | --key PREFIX) — revoke API tokens.

``--key`` takes the first characters of a token (at least the 15 knox keeps in clear,
as shown in the admin); ``--all`` revokes every token of the user.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from claims.services import tokens as token_services


class Command(BaseCommand):
    help = "Revoke one API token of a user (by its first characters) or all of them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--all", action="store_true", help="Revoke every token of the user")
        parser.add_argument("--key", default=None, help="The token's first characters (15 or more)")

    def handle(self, *args: Any, **options: Any) -> None:
        key: str | None = options["key"]
        if options["all"] == (key is not None):
            raise CommandError("give exactly one of --all or --key")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user called {options['username']!r}")
        count = token_services.tokens_revoke(user=user, token_key=key)
        if key is not None and count == 0:
            raise CommandError(f"{user.username} has no token starting with {key!r}")
        self.stdout.write(f"revoked {count} token(s) of {user.username}")
