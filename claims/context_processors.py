from __future__ import annotations

from django.http import HttpRequest

from claims.roles import can_admin, can_review, role_of


def roles(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {"user_role": role_of(user), "can_review": can_review(user), "can_admin": can_admin(user)}
