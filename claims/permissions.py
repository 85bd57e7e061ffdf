"""DRF permissions that mirror the roles the web views enforce."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from claims.roles import can_review, can_view


class CanView(BasePermission):
    """Any role may read; writes need the reviewer role."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return can_view(request.user)
        return can_review(request.user)
