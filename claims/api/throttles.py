"""Rate limits: writes per user, logins per client address. A refused request gets 429
with ``Retry-After`` (seconds), in the API's error shape. Counters live in the default cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class WriteRateThrottle(SimpleRateThrottle):
    """Every non-GET request of one user (or, before login, one address) counts."""

    scope = "write"

    def get_rate(self) -> str | None:
        return str(settings.API_WRITE_RATE)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # Read the rate per request, so a settings change (tests, reload) applies at once.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        ident = str(request.user.pk) if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginRateThrottle(SimpleRateThrottle):
    """Token logins (username and password) per client address."""

    scope = "login"

    def get_rate(self) -> str | None:
        return str(settings.API_LOGIN_RATE)

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
