"""Who may open a page or post a form, and the small helpers every posting view shares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme

from claims.roles import AnyUser, can_review, can_view

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

NO_ROLE = "Your account has no role in the workbench yet. Ask an admin to make you a viewer or reviewer."
REVIEWERS_ONLY = "Only reviewers can do this. Ask an admin if you need the reviewer role."


def role_required(check: Callable[[AnyUser], bool], message: str) -> Callable[[View[P]], View[P]]:
    """Log in first, then 403 (with ``message``) unless ``check`` passes for the user."""

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


viewer_required = role_required(can_view, NO_ROLE)


def reviewer_required(view: View[P]) -> View[P]:
    """Log in first, then 403 unless the user reviews; the message says whether any role is missing or just this one."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not can_review(request.user):
            raise PermissionDenied(NO_ROLE if not can_view(request.user) else REVIEWERS_ONLY)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def reviewer_of(request: HttpRequest) -> User:
    """The signed-in reviewer posting a form; 403 for anyone else, whatever the page showed."""
    user = request.user
    if not isinstance(user, User) or not can_review(user):
        raise PermissionDenied(REVIEWERS_ONLY)
    return user


def safe_next(request: HttpRequest) -> str:
    """Where a form posted from the queue goes back to; empty unless it is a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def add_form_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: under the field it names, else above the form."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def with_version(request: HttpRequest, version: int) -> QueryDict:
    """The reviewer's input again, now carrying the current version: sending it once more is a deliberate choice."""
    data = request.POST.copy()
    data["version"] = str(version)
    return data
