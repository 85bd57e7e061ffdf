"""Reads of duplicate groups: members with where and when they appeared, figures side by side, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupDecision,
    GroupMember,
    Stance,
)


def conflicting_figures_exists() -> Exists:
    """Annotation: the claim has a live, unrejected link to a sentence stating the same quantity differently."""
    return Exists(
        Evidence.objects.filter(
            claim=OuterRef("pk"), method=EvidenceMethod.FIGURE, stance=Stance.CONTRADICTS, withdrawn_at__isnull=True
        ).exclude(decision=EvidenceDecisionChoice.REJECTED)
    )


def claims_with_conflicting_figures(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.filter(conflicting_figures_exists())


def group_get(*, group_id: int) -> DuplicateGroup:
    return DuplicateGroup.objects.select_related("canonical", "canonical_by").get(pk=group_id)


def group_for_claim(*, claim: Claim) -> DuplicateGroup | None:
    member = GroupMember.objects.select_related("group", "group__canonical").filter(claim=claim).first()
    return None if member is None else member.group


@dataclass(frozen=True, slots=True)
class GroupMemberRow:
    claim: Claim
    outlet: str
    article_title: str
    published_at: datetime | None
    pinned: bool
    canonical: bool
    quantities: list[dict[str, Any]]


def group_members(*, group: DuplicateGroup) -> list[GroupMemberRow]:
    """Live members, earliest publication first (unknown times last), in one query."""
    members = (
        GroupMember.objects.filter(group=group, claim__deleted_at__isnull=True)
        .select_related("claim__article__outlet")
        .order_by("claim__article__published_at", "claim_id")
    )
    rows = [
        GroupMemberRow(
            claim=m.claim,
            outlet=m.claim.article.outlet.name if m.claim.article.outlet else "",
            article_title=m.claim.article.title,
            published_at=m.claim.article.published_at,
            pinned=m.pinned,
            canonical=m.claim_id == group.canonical_id,
            quantities=[q for q in m.claim.quantities if isinstance(q, dict)],
        )
        for m in members
    ]
    return [r for r in rows if r.published_at is not None] + [r for r in rows if r.published_at is None]


@dataclass(frozen=True, slots=True)
class FigureRow:
    event: str
    text: str
    value: float
    claim_id: int
    outlet: str
    published_at: datetime | None


def group_figures(*, rows: list[GroupMemberRow]) -> dict[str, list[FigureRow]]:
    """Per counted event (killed, injured, …), every figure the members state, in publication order.

    An event with more than one distinct value is a conflict or an update over time: the
    reviewer tells which from the dates.
    """
    out: dict[str, list[FigureRow]] = {}
    for row in rows:
        for q in row.quantities:
            if not q.get("event") or q.get("value") is None:
                continue
            out.setdefault(str(q["event"]), []).append(
                FigureRow(
                    str(q["event"]),
                    str(q.get("text", q["value"])),
                    float(q["value"]),
                    row.claim.pk,
                    row.outlet,
                    row.published_at,
                )
            )
    return {event: figures for event, figures in sorted(out.items()) if len({f.value for f in figures}) > 1}


def group_history(*, group: DuplicateGroup) -> QuerySet[GroupDecision]:
    return (
        GroupDecision.objects.filter(Q(group=group) | Q(other_group=group))
        .select_related("reviewer")
        .order_by("-created_at", "-id")
    )


def groups_list(*, conflicting: bool | None = None) -> QuerySet[DuplicateGroup]:
    # Exists, not a join with DISTINCT: the join repeats each group per member and sorts every wide row.
    has_members = Exists(GroupMember.objects.filter(group=OuterRef("pk")))
    groups = DuplicateGroup.objects.filter(has_members).select_related("canonical")
    if conflicting is not None:
        has = Exists(
            Evidence.objects.filter(
                claim__group_member__group=OuterRef("pk"),
                method=EvidenceMethod.FIGURE,
                stance=Stance.CONTRADICTS,
                withdrawn_at__isnull=True,
            ).exclude(decision=EvidenceDecisionChoice.REJECTED)
        )
        groups = groups.filter(has) if conflicting else groups.exclude(has)
    return groups.order_by("-id")
