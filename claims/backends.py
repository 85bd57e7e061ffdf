"""The authentication backend: Django's ModelBackend behind the sign-in lockout.

Every password check goes through ``django.contrib.auth.authenticate`` and so through
here: the web login, the admin login and the API token login alike. A locked username or
address is refused before its password is looked at; each wrong password is counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from claims.services import logins as login_services

if TYPE_CHECKING:
    from rest_framework.request import Request


def client_address(request: HttpRequest | None) -> str:
    """The client's address as the API throttles see it: REMOTE_ADDR, or with TRUSTED_PROXIES
    (REST_FRAMEWORK NUM_PROXIES) the X-Forwarded-For entry the nearest trusted proxy added."""
    if request is None:
        return ""
    # get_ident reads only request.META, which a Django request has as well as a DRF one.
    return str(BaseThrottle().get_ident(cast("Request", request)) or "")


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if not isinstance(name, str) or password is None:
            return None
        address = client_address(request)
        if login_services.login_lockout_remaining(username=name, address=address):
            # PermissionDenied stops authenticate() from trying any later backend.
            raise PermissionDenied("locked out")
        user = super().authenticate(request, username=name, password=password)
        if user is None:
            login_services.login_failure_record(username=name, address=address)
        else:
            login_services.login_success_record(username=name, address=address)
        return user
