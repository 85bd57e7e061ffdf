"""API authentication: knox tokens that die when their user's password changes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed

from claims.services import tokens as token_services

PASSWORD_CHANGED = "This token was issued before the account's password last changed; log in again for a new one."


class TokenAuthentication(KnoxTokenAuthentication):
    """Checked on every request, so no password-change path (web, admin, ``changepassword``,
    a script calling ``set_password``) needs to remember to revoke tokens."""

    def validate_user(self, auth_token: AuthToken) -> tuple[Any, AuthToken]:
        user, token = super().validate_user(auth_token)
        if not token_services.token_is_current(token):
            raise AuthenticationFailed(PASSWORD_CHANGED)
        return user, token


class TokenScheme(KnoxTokenScheme):  # type: ignore[no-untyped-call]  # drf-spectacular registers subclasses untyped
    """The OpenAPI schema documents these tokens as knox's (``Authorization: Token …``)."""

    target_class = "claims.api.authentication.TokenAuthentication"
