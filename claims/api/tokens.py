"""REST API v1 tokens: log in for an API token, or revoke the one in use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.common import errors, validated
from claims.api.parsers import JSONParser
from claims.api.serializers import TokenIssuedSerializer, TokenLoginSerializer
from claims.api.throttles import LoginRateThrottle
from claims.backends import client_address
from claims.services import logins as login_services
from claims.services import tokens as token_services


class TokenView(APIView):
    """Log in for a token (POST, throttled per address) or revoke the token in use (DELETE)."""

    parser_classes = [JSONParser]

    def _is_login(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and request.method == "POST"

    def get_permissions(self) -> list[Any]:
        # Anyone may try to log in; any logged-in token holder (viewers too) may revoke their token.
        return [AllowAny()] if self._is_login() else [IsAuthenticated()]

    def get_authenticators(self) -> list[Any]:
        # A login carries credentials in its body; no session, so no CSRF check either.
        return [] if self._is_login() else super().get_authenticators()

    def get_authenticate_header(self, request: Request) -> str:
        # A failed login is a 401 that names the scheme to use next, not a 403.
        return "Token"

    def get_throttles(self) -> list[Any]:
        return [LoginRateThrottle()] if self._is_login() else super().get_throttles()

    @extend_schema(
        summary="Exchange a username and password for an API token",
        description=(
            "The token is shown once and stored hashed. `scope` read (default) only reads; review also "
            "writes (reviewers and admins only). It expires after `expiry_hours` or API_TOKEN_TTL_DAYS "
            "(90 days by default), whichever is sooner, and dies when the user's password changes. "
            "Throttled per client address, and refused (429 with Retry-After) while the username or "
            "address is locked out after too many wrong passwords."
        ),
        request=TokenLoginSerializer,
        responses={201: TokenIssuedSerializer, **errors(400, 401, 403, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated(TokenLoginSerializer(data=request.data))
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if not isinstance(user, User) or not user.is_active:
            # The same lockout as the web login (the backend counts and refuses; this says so).
            wait = login_services.login_lockout_remaining(
                username=data["username"], address=client_address(request._request)
            )
            if wait:
                raise Throttled(wait=wait, detail=login_services.lockout_message(wait))
            raise AuthenticationFailed("Wrong username or password.")
        hours = data.get("expiry_hours")
        instance, token = token_services.token_create(
            user=user,
            scope=data["scope"],
            expiry=token_services.token_expiry(timedelta(hours=hours) if hours else None),
            label=data["client"],
        )
        body = {"token": token, "scope": data["scope"], "expiry": instance.expiry}
        return Response(TokenIssuedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke the token this request was made with",
        request=None,
        responses={204: None, **errors(400, 401, 403, 429)},
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise ValidationError({"Authorization": ["Only a token can revoke itself; send it as Authorization."]})
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
