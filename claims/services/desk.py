"""The review desk's writes: assigning a claim, commenting on it, ticking its checklist.

Each appends a row (the database refuses to change or delete them); a claim's current assignee is
also cached in ClaimAssignee in the same transaction, as a claim's status caches its latest verdict.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from claims.models import (
    ChecklistItem,
    Claim,
    ClaimAssignee,
    ClaimAssignment,
    ClaimCheck,
    ClaimComment,
    CommentMention,
)
from claims.roles import can_review, can_view
from sources.text.mentions import mentioned_usernames

COMMENT_MAX_CHARS = 5000


class AssignmentChanged(Exception):
    """Someone else assigned the claim since the caller read it; nothing was written."""

    def __init__(self, current: User | None) -> None:
        self.current = current
        now = f"to {current.get_username()}" if current is not None else "to nobody"
        super().__init__(f"Someone assigned this claim {now} after you opened it; nothing was changed.")


def _live_claim_for_update(claim_id: int) -> Claim:
    # The row lock orders concurrent desk writes on one claim (and the assignee cache with them).
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if claim.deleted_at is not None:
        raise ValidationError({"claim": "This claim is deleted; restore it first."})
    return claim


def _check_reviewer(user: User) -> None:
    if not can_review(user):
        raise PermissionDenied("Only reviewers can work on the review desk.")


@transaction.atomic
def claim_assign(
    *, claim_id: int, assignee: User | None, by: User, expected_assignee_id: int | None = None, check: bool = False
) -> ClaimAssignment | None:
    """Assign the claim to ``assignee`` (a reviewer) or, with None, to nobody; None when it already was.

    With ``check`` the write succeeds only if the claim's assignee is still ``expected_assignee_id``
    (None: nobody), so two reviewers assigning at once never silently overwrite each other.
    """
    _check_reviewer(by)
    if assignee is not None and not can_review(assignee):
        raise ValidationError({"assignee": f"{assignee.get_username()} is not a reviewer."})
    claim = _live_claim_for_update(claim_id)
    held = ClaimAssignee.objects.select_related("user").filter(claim=claim).first()
    current = held.user if held is not None else None
    if check and (current.pk if current else None) != expected_assignee_id:
        raise AssignmentChanged(current)
    if (current.pk if current else None) == (assignee.pk if assignee else None):
        return None
    event = ClaimAssignment.objects.create(claim=claim, assignee=assignee, assigned_by=by)
    if assignee is None:
        ClaimAssignee.objects.filter(claim=claim).delete()
    else:
        ClaimAssignee.objects.update_or_create(
            claim=claim, defaults={"user": assignee, "assigned_at": event.created_at}
        )
    return event


@transaction.atomic
def comment_add(*, claim_id: int, author: User, body: str) -> ClaimComment:
    """Append a comment; each ``@username`` naming a user who can read the claim becomes a mention."""
    _check_reviewer(author)
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationError({"body": f"Keep a comment under {COMMENT_MAX_CHARS} characters ({len(body)} now)."})
    claim = _live_claim_for_update(claim_id)
    comment = ClaimComment.objects.create(claim=claim, author=author, body=body)
    names = mentioned_usernames(body)
    if names:
        named = User.objects.filter(username__in=names, is_active=True).order_by("pk")
        CommentMention.objects.bulk_create(
            [CommentMention(comment=comment, user=user) for user in named if can_view(user)]
        )
    return comment


@transaction.atomic
def check_set(*, claim_id: int, item_id: int, checked: bool, user: User) -> ClaimCheck | None:
    """Tick (or untick) a checklist step for the claim; None when it already stood so."""
    _check_reviewer(user)
    item = ChecklistItem.objects.filter(pk=item_id, active=True).first()
    if item is None:
        raise ValidationError({"item": "This checklist step does not exist or was retired."})
    claim = _live_claim_for_update(claim_id)
    latest = ClaimCheck.objects.filter(claim=claim, item=item).order_by("-created_at", "-id").first()
    if (latest.checked if latest is not None else False) == checked:
        return None
    return ClaimCheck.objects.create(claim=claim, item=item, checked=checked, user=user)
