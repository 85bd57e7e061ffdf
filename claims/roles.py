"""Roles: viewer reads, reviewer also decides, admin also manages users and tokens.

A role is membership of the Django group of the same name; roles nest, and a
superuser is an admin.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Admin"


AnyUser = User | AnonymousUser
_RANK = {Role.VIEWER: 1, Role.REVIEWER: 2, Role.ADMIN: 3}


def role_of(user: AnyUser) -> Role | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    cached = getattr(user, "_workbench_role", None)
    if cached is not None:
        return cached or None
    names = set(user.groups.values_list("name", flat=True))
    held = [role for role in Role if role.value in names]
    best = max(held, key=lambda r: _RANK[r]) if held else None
    # Cached on the user object: templates ask for the role several times per request.
    user._workbench_role = best or ""  # type: ignore[attr-defined]
    return best


def has_role(user: AnyUser, needed: Role) -> bool:
    role = role_of(user)
    return role is not None and _RANK[role] >= _RANK[needed]


def can_view(user: AnyUser) -> bool:
    return has_role(user, Role.VIEWER)


def can_review(user: AnyUser) -> bool:
    return has_role(user, Role.REVIEWER)


def can_admin(user: AnyUser) -> bool:
    return has_role(user, Role.ADMIN)
