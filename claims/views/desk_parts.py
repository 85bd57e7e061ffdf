"""What the claim page's review desk shows (claims/_claim_desk.html): kept apart from the claim views so
the desk's own views can render a claim page with a form that failed, without an import cycle."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from claims.desk_forms import AssignForm, CommentForm
from claims.models import Claim
from claims.roles import can_review
from claims.selectors import desk as desk_selectors


def desk_context(
    request: HttpRequest,
    claim: Claim,
    *,
    assign_form: AssignForm | None = None,
    comment_form: CommentForm | None = None,
) -> dict[str, Any]:
    """The desk of a claim; a reviewer also gets its forms (a bound one keeps a failed submission)."""
    desk = desk_selectors.claim_desk(claim=claim)
    writable = can_review(request.user) and claim.deleted_at is None
    current = {"current": desk.assignee.pk} if desk.assignee is not None else {}
    return {
        "desk": desk,
        "desk_writable": writable,
        "assign_form": (assign_form or AssignForm(initial={**current, "assignee": desk.assignee}))
        if writable
        else None,
        "comment_form": (comment_form or CommentForm()) if writable else None,
    }
