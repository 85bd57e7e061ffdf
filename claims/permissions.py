"""DRF permissions that mirror the roles the web views enforce."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

from claims.roles import can_review, can_view

if TYPE_CHECKING:
    # Type-only: importing rest_framework.views here is circular, because DRF loads
    # this module (DEFAULT_PERMISSION_CLASSES) while rest_framework.views is importing.
    from rest_framework.request import Request
    from rest_framework.views import APIView


class CanView(BasePermission):
    """Any role may read; writes need the reviewer role."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return can_view(request.user)
        return can_review(request.user)
