"""Reads of the review desk: a claim's assignment, comments and checklist; the comments naming a user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from claims.models import ChecklistItem, Claim, ClaimAssignment, ClaimCheck, ClaimComment, CommentMention
from claims.roles import Role

ASSIGNMENT_HISTORY = 5  # assignments the claim page lists


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    item: ChecklistItem
    checked: bool
    by: User | None  # who ticked or unticked it last; None: nobody yet
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Desk:
    assignee: User | None
    assignments: list[ClaimAssignment]  # newest first, at most ASSIGNMENT_HISTORY
    comments: list[ClaimComment]  # oldest first
    checklist: list[ChecklistRow]

    @property
    def checked(self) -> int:
        return sum(1 for row in self.checklist if row.checked)


def reviewers() -> QuerySet[User]:
    """Active users who can review: the people a claim can be assigned to."""
    roles = [Role.REVIEWER.value, Role.ADMIN.value]
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def claim_desk(*, claim: Claim) -> Desk:
    """The claim's assignee and recent assignments, its comments and its checklist (four queries)."""
    assignments = list(
        ClaimAssignment.objects.filter(claim=claim)
        .select_related("assignee", "assigned_by")
        .order_by("-created_at", "-id")[:ASSIGNMENT_HISTORY]
    )
    comments = list(ClaimComment.objects.filter(claim=claim).select_related("author").order_by("created_at", "id"))
    return Desk(
        assignee=assignments[0].assignee if assignments else None,
        assignments=assignments,
        comments=comments,
        checklist=claim_checklist(claim=claim),
    )


def claim_checklist(*, claim: Claim) -> list[ChecklistRow]:
    """The newsroom's active steps in order, each with its latest tick for this claim (two queries)."""
    items = list(ChecklistItem.objects.filter(active=True).order_by("position", "id"))
    if not items:
        return []
    # A claim's ticks are few: read them all, oldest first, and keep each step's last (SQLite has no DISTINCT ON).
    latest: dict[int, ClaimCheck] = {}
    for tick in (
        ClaimCheck.objects.filter(claim=claim, item__in=items).select_related("user").order_by("created_at", "id")
    ):
        latest[tick.item_id] = tick
    rows = []
    for item in items:
        check = latest.get(item.pk)
        rows.append(
            ChecklistRow(
                item=item,
                checked=check.checked if check is not None else False,
                by=check.user if check is not None else None,
                at=check.created_at if check is not None else None,
            )
        )
    return rows


def mentions_of(*, user: User, limit: int = 50) -> list[ClaimComment]:
    """The latest comments that name ``user``, newest first, with their claim and author."""
    return list(
        ClaimComment.objects.filter(mentions__user=user).select_related("author", "claim").order_by("-id")[:limit]
    )


def mention_count(*, user: User) -> int:
    return CommentMention.objects.filter(user=user).count()
