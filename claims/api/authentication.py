"""API authentication: knox tokens that die when their user's password changes."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework.exceptions import AuthenticationFailed

from claims.services import tokens as token_services

PASSWORD_CHANGED = "This token was issued before the account's password last changed; log in again for a new one."


class TokenAuthentication(KnoxTokenAuthentication):
    """Checked on every request, so no password-change path (web, admin, ``changepassword``,
    a script calling ``set_password``) needs to remember to revoke tokens."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        """knox's own lookup (expired tokens cleaned up and skipped, the digest compared in constant time),
        with the token's grant joined: its scope and password stamp cost no query of their own."""
        key = token.decode("utf-8")
        candidates = AuthToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related(
            "user", "grant"
        )
        for auth_token in candidates:
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(key)
            except (TypeError, binascii.Error):
                raise AuthenticationFailed(_("Invalid token.")) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(_("Invalid token."))

    def validate_user(self, auth_token: AuthToken) -> tuple[Any, AuthToken]:
        user, token = super().validate_user(auth_token)
        if not token_services.token_is_current(token):
            raise AuthenticationFailed(PASSWORD_CHANGED)
        return user, token


class TokenScheme(KnoxTokenScheme):  # type: ignore[no-untyped-call]  # drf-spectacular registers subclasses untyped
    """The OpenAPI schema documents these tokens as knox's (``Authorization: Token …``)."""

    target_class = "claims.api.authentication.TokenAuthentication"
