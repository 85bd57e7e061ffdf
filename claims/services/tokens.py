"""API tokens: knox tokens with a scope, created and revoked."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings

from claims.models import (
    TokenGrant,
    TokenScope,
)
from claims.roles import can_review


def password_stamp(user: AbstractBaseUser) -> str:
    """Changes whenever the user's password does, however it is changed: every ``set_password``
    draws a new salt, so even the same password set again gives a new hash, and a new stamp.
    (A hasher upgrade that rehashes a password at sign-in changes it too.)"""
    return hashlib.sha256(f"workbench-token-stamp:{user.password}".encode()).hexdigest()


def token_expiry(asked: timedelta | None = None) -> timedelta | None:
    """A client may ask for a shorter life than API_TOKEN_TTL_DAYS (REST_KNOX TOKEN_TTL), never a longer one."""
    ttl: timedelta | None = knox_settings.TOKEN_TTL
    if asked is None or ttl is None:
        return asked or ttl
    return min(asked, ttl)


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
        TokenGrant.objects.create(
            token=instance, scope=scope, label=label.strip()[:100], password_stamp=password_stamp(user)
        )
    return instance, token


def _grant(token: AuthToken) -> TokenGrant | None:
    # The reverse one-to-one is cached on the token: authentication and the scope check share one query.
    try:
        return token.grant
    except TokenGrant.DoesNotExist:
        return None


def token_is_current(token: AuthToken) -> bool:
    """The token was issued under its user's current password (and through token_create)."""
    grant = _grant(token)
    return grant is not None and grant.password_stamp == password_stamp(token.user)


def token_scope(token: AuthToken) -> str:
    grant = _grant(token)
    return grant.scope if grant is not None else TokenScope.READ


def tokens_revoke(*, user: User, token_key: str | None = None) -> int:
    """Revoke one of the user's tokens (by its first characters) or, with no key, all of them."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key[: CONSTANTS.TOKEN_KEY_LENGTH])
    count = tokens.count()
    tokens.delete()
    return count
