"""Reads of duplicate groups: members with where and when they appeared, figures side by side, history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Lower, NullIf

from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupAction,
    GroupDecision,
    GroupMember,
    Review,
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


def groups_with_members(*, conflicting: bool | None = None) -> QuerySet[DuplicateGroup]:
    """Groups that have members, newest first; optionally only those whose members report conflicting figures."""
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


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: DuplicateGroup
    members: int
    outlets: int
    conflicting: bool
    unknown_source: int = 0  # live members whose article names no outlet and has no web address


# An article's host as sources.text.prepare.domain_of words it: lower case, no "www.".
_HOST_PATTERN = r"^https?://(?:www\.)?([^/:?#@]+)"


def _url_host() -> Func:
    """The article's web host, or NULL when its address is not http(s) (a file name, blank)."""
    return Func(
        Lower(F("claim__article__url")),
        Value(_HOST_PATTERN),
        function="substring",
        template="%(function)s(%(expressions)s)",
        arg_joiner=" from ",
        output_field=CharField(),
    )


def outlet_key() -> Coalesce:
    """What one outlet is, for counting distinct outlets across a group's members' articles.

    Chosen rule: an article's outlet counts by the outlet's domain when it has one (outlet domains
    are unique), else by the outlet row; an article with no outlet counts by its own web address's
    host, so it merges with the outlet at that domain; an article with neither (a sample file) is
    not counted at all, and is reported apart as an unknown source. NULL keys are what Count skips.
    """
    return Coalesce(
        NullIf(F("claim__article__outlet__domain"), Value("")),
        # Concat would turn a NULL outlet into "outlet #": only an article with an outlet gets this key.
        Case(
            When(
                claim__article__outlet__isnull=False,
                then=Concat(Value("outlet #"), Cast(F("claim__article__outlet_id"), CharField())),
            )
        ),
        _url_host(),
        output_field=CharField(),
    )


def group_rows(groups: Iterable[DuplicateGroup]) -> list[GroupRow]:
    """A page of groups with live member and outlet counts and whether figures conflict (two queries)."""
    groups = list(groups)
    ids = [g.pk for g in groups]
    counts = {
        row["group_id"]: row
        for row in GroupMember.objects.filter(group_id__in=ids, claim__deleted_at__isnull=True)
        .annotate(outlet_key=outlet_key())
        .values("group_id")
        .annotate(
            n=Count("pk"),
            outlets=Count("outlet_key", distinct=True),
            unknown=Count("pk", filter=Q(outlet_key__isnull=True)),
        )
    }
    conflicting = set(
        Claim.objects.filter(group_member__group_id__in=ids)
        .filter(conflicting_figures_exists())
        .values_list("group_member__group_id", flat=True)
    )
    return [
        GroupRow(
            g,
            counts.get(g.pk, {}).get("n", 0),
            counts.get(g.pk, {}).get("outlets", 0),
            g.pk in conflicting,
            counts.get(g.pk, {}).get("unknown", 0),
        )
        for g in groups
    ]


def groups_missing(*, group_ids: Iterable[int]) -> list[int]:
    """Which of these group numbers do not exist (a merge names them by hand)."""
    wanted = set(group_ids)
    return sorted(wanted - set(DuplicateGroup.objects.filter(pk__in=wanted).values_list("pk", flat=True)))


@dataclass(frozen=True, slots=True)
class GroupHistoryRow:
    decision: GroupDecision
    title: str  # a word or two for the history badge
    label: str
    other_group_id: int | None  # the group the sentence links to, if any


def group_history_rows(*, group: DuplicateGroup, decisions: Iterable[GroupDecision]) -> list[GroupHistoryRow]:
    """Decisions worded from this group's side. A split is recorded on both groups; each page shows its own copy."""
    rows = []
    for d in decisions:
        mine = d.group_id == group.pk
        if d.action == GroupAction.SPLIT and not mine:
            continue
        if d.action == GroupAction.SPLIT:
            # The new group is created by the split, so it has the larger number.
            out = (d.other_group_id or 0) > group.pk
            label = "Moved claims out to group" if out else "Split off from group"
            rows.append(GroupHistoryRow(d, "Split", label, d.other_group_id))
        elif d.action == GroupAction.MERGE and not mine:
            rows.append(GroupHistoryRow(d, "Merged away", "Merged into group", d.group_id))
        elif d.action == GroupAction.MERGE:
            label = "Merged in group" if d.other_group_id else "Added claims"
            rows.append(GroupHistoryRow(d, "Merged" if d.other_group_id else "Grouped", label, d.other_group_id))
        elif d.action == GroupAction.DISSOLVE:
            rows.append(GroupHistoryRow(d, "Dissolved", "One claim left, so no longer a group; ungrouped", None))
        else:
            rows.append(GroupHistoryRow(d, "Canonical wording", "Chose the canonical wording", None))
    return rows


def members_without_own_verdict(*, group: DuplicateGroup, rows: list[GroupMemberRow]) -> int:
    """Live members, the canonical claim aside, that have no verdict of their own (one query).

    A verdict on the canonical claim is carried to exactly these (claims.services.reviews._carry_to_group);
    a member's own verdict, even an earlier one, is never overwritten.
    """
    others = [r.claim.pk for r in rows if not r.canonical]
    if not others:
        return 0
    own = set(Review.objects.filter(claim_id__in=others, via_group__isnull=True).values_list("claim_id", flat=True))
    return len(set(others) - own)
