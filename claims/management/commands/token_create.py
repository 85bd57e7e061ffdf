"""python manage.py token_create USERNAME [--expiry-hours N] [--scope read|review] — issue an API token.

The token is printed once, alone on stdout (so ``TOKEN=$(… token_create ana)``
works); knox stores only its hash, so it cannot be shown again. Send it as
``Authorization: Token <token>``. The scope ``read`` (default) only reads; ``review``
also writes, and only for users whose role may (reviewer, admin).
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from knox.settings import knox_settings

from claims.models import TokenScope
from claims.roles import can_review, role_of
from claims.services import tokens as token_services


class Command(BaseCommand):
    help = "Create an API token for a user and print it once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--expiry-hours",
            type=int,
            default=None,
            help="Hours until the token expires (default: API_TOKEN_TTL_DAYS, 90 days; 0 there means never)",
        )
        parser.add_argument(
            "--scope", choices=TokenScope.values, default=TokenScope.READ, help="read (default) or review (writes)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        hours: int | None = options["expiry_hours"]
        if hours is not None and hours <= 0:
            raise CommandError("--expiry-hours must be a positive number of hours")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user called {username!r}")
        if not user.is_active:
            raise CommandError(f"{username} is inactive; a token for them would be refused")
        scope: str = options["scope"]
        if scope == TokenScope.REVIEW and not can_review(user):
            raise CommandError(f"{username} is not a reviewer or admin, so cannot hold a token with the review scope")
        expiry = timedelta(hours=hours) if hours is not None else knox_settings.TOKEN_TTL
        instance, token = token_services.token_create(user=user, scope=scope, expiry=expiry)
        role = role_of(user)
        expires = f"expires {instance.expiry:%Y-%m-%d %H:%M} UTC" if instance.expiry else "never expires"
        self.stderr.write(
            f"Token for {username} (role: {role.value if role else 'none'}; scope: {scope}; {expires}). "
            "It is shown only this once: store it now."
        )
        if role is None:
            self.stderr.write(self.style.WARNING(f"{username} holds no role, so every API request will get 403."))
        self.stdout.write(token)
