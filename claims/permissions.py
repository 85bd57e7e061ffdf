"""DRF permissions that mirror the roles the web views enforce, plus API token scopes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

from claims.roles import can_admin, can_review, can_view

if TYPE_CHECKING:
    # Type-only: importing rest_framework.views here is circular, because DRF loads
    # this module (DEFAULT_PERMISSION_CLASSES) while rest_framework.views is importing.
    from rest_framework.request import Request
    from rest_framework.views import APIView


def token_allows_writes(request: Request) -> bool:
    """A knox token writes only with the ``review`` scope; session (browser) logins are not scoped."""
    # Imported here because of Django's load order: DRF imports this module from its settings,
    # before the app registry is ready, and these modules define or import models.
    from knox.models import AuthToken

    from claims.models import TokenScope
    from claims.services.tokens import token_scope

    if not isinstance(request.auth, AuthToken):
        return True
    return token_scope(request.auth) == TokenScope.REVIEW


class CanView(BasePermission):
    """Any role may read; writes need the reviewer role and, with a token, the review scope."""

    message = "Reads need any role; writes need the reviewer role and a token with the review scope."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return can_view(request.user)
        return can_review(request.user) and token_allows_writes(request)


class CanManageWebhooks(BasePermission):
    """Webhooks (their URLs and delivery logs) are for reviewers and admins, reads included."""

    message = "Webhooks need the reviewer or admin role (and, to change them, a token with the review scope)."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not can_review(request.user):
            return False
        return request.method in SAFE_METHODS or token_allows_writes(request)


class CanRecompute(BasePermission):
    """A corpus-wide recompute is for admins (with a token: the review scope)."""

    message = "Recomputing every link and group needs the admin role and, with a token, the review scope."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_admin(request.user) and token_allows_writes(request)
