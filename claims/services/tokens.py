"""API tokens: knox tokens with a scope, created and revoked."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from knox.models import AuthToken
from knox.settings import CONSTANTS

from claims.models import (
    TokenGrant,
    TokenScope,
)
from claims.roles import can_review


def token_create(
    *, user: User, scope: str = TokenScope.READ, expiry: timedelta | None = None, label: str = ""
) -> tuple[AuthToken, str]:
    """A knox token (stored hashed) with its scope; returns the row and the token, shown once."""
    if scope not in TokenScope.values:
        raise ValidationError({"scope": f"Choose one of: {', '.join(TokenScope.values)}."})
    if scope == TokenScope.REVIEW and not can_review(user):
        raise PermissionDenied("Only reviewers and admins can hold a token with the review scope.")
    with transaction.atomic():
        instance, token = AuthToken.objects.create(user=user, expiry=expiry)
        TokenGrant.objects.create(token=instance, scope=scope, label=label.strip()[:100])
    return instance, token


def token_scope(token: AuthToken) -> str:
    grant = TokenGrant.objects.filter(token=token).values_list("scope", flat=True).first()
    return grant or TokenScope.READ


def tokens_revoke(*, user: User, token_key: str | None = None) -> int:
    """Revoke one of the user's tokens (by its first characters) or, with no key, all of them."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key[: CONSTANTS.TOKEN_KEY_LENGTH])
    count = tokens.count()
    tokens.delete()
    return count
