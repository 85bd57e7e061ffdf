"""Phase 3 of matching: turn automatic supporting links into duplicate groups, keeping reviewers' pins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from claims.matching import grouping
from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupMember,
    LinkStrength,
    Stance,
)
from claims.services import groups as group_services

_LATEST = datetime.max.replace(tzinfo=UTC)  # unknown publication times sort last
GROUPING_METHODS = (EvidenceMethod.LEXICAL, EvidenceMethod.SEMANTIC)


@dataclass(frozen=True, slots=True)
class GroupOutcome:
    claims_seen: int
    groups_created: int
    groups_changed: int
    members_moved: int
    members_removed: int


def _grouping_links() -> Any:
    return (
        Evidence.objects.filter(
            strength=LinkStrength.AUTO,
            stance=Stance.SUPPORTS,
            method__in=GROUPING_METHODS,
            withdrawn_at__isnull=True,
            via_claim__isnull=False,
            claim__deleted_at__isnull=True,
            via_claim__deleted_at__isnull=True,
        )
        .exclude(decision=EvidenceDecisionChoice.REJECTED)
        .values_list("claim_id", "via_claim_id")
    )


def _vetoed(nodes: set[int] | None) -> set[tuple[int, int]]:
    """Pairs a reviewer rejected in either direction never join a group."""
    rows = Evidence.objects.filter(decision=EvidenceDecisionChoice.REJECTED, via_claim__isnull=False)
    if nodes is not None:
        rows = rows.filter(Q(claim_id__in=nodes) | Q(via_claim_id__in=nodes))
    return {(min(a, b), max(a, b)) for a, b in rows.values_list("claim_id", "via_claim_id")}


def _component(seeds: set[int]) -> tuple[set[int], set[tuple[int, int]]]:
    """Claims reachable from the seeds by grouping links or shared groups, and the links among them."""
    nodes: set[int] = set()
    edges: set[tuple[int, int]] = set()
    frontier = set(seeds)
    while frontier:
        nodes |= frontier
        groups = GroupMember.objects.filter(claim_id__in=frontier).values("group_id")
        mates = set(GroupMember.objects.filter(group_id__in=groups).values_list("claim_id", flat=True))
        links = set(_grouping_links().filter(Q(claim_id__in=frontier) | Q(via_claim_id__in=frontier)))
        edges |= {(min(a, b), max(a, b)) for a, b in links}
        frontier = ({x for pair in links for x in pair} | mates) - nodes
    return nodes, edges


def _everything() -> tuple[set[int], set[tuple[int, int]]]:
    edges = {(min(a, b), max(a, b)) for a, b in _grouping_links()}
    nodes = {x for pair in edges for x in pair} | set(GroupMember.objects.values_list("claim_id", flat=True))
    return nodes, edges


def _lock_groups() -> None:
    # One regrouping at a time; reviewers' group writes lock group rows, which we lock next.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('claims.groups_update'))")


def _refresh_canonicals(group_ids: set[int]) -> None:
    """Bump changed groups; each takes its earliest-published member (then shortest, then lowest id) as canonical.

    A reviewer's pick (``canonical_by``) stays while that claim is still a member.
    """
    members: dict[int, list[tuple[bool, datetime, int, int]]] = {}
    rows = GroupMember.objects.filter(group_id__in=group_ids).values_list(
        "group_id", "claim_id", "claim__article__published_at", "claim__text"
    )
    for group_id, claim_id, published, text in rows.iterator(chunk_size=5000):
        members.setdefault(group_id, []).append((published is None, published or _LATEST, len(text), claim_id))
    groups = list(DuplicateGroup.objects.filter(pk__in=group_ids).order_by("pk"))
    for group in groups:
        ranked = sorted(members.get(group.pk, []))
        reviewer_pick = group.canonical_by_id is not None and group.canonical_id in {r[3] for r in ranked}
        if ranked and not reviewer_pick and group.canonical_id != ranked[0][3]:
            group.canonical_id, group.canonical_by_id = ranked[0][3], None
        group.version += 1  # the rows are locked (or new): no lost update
    DuplicateGroup.objects.bulk_update(groups, ["canonical", "canonical_by", "version"], batch_size=1000)


def _apply(plan: grouping.Plan, members: dict[int, tuple[int, bool]], nodes_seen: int) -> GroupOutcome:
    temps = list(plan.new_groups)
    made = DuplicateGroup.objects.bulk_create([DuplicateGroup(canonical_id=plan.new_groups[t][0]) for t in temps])
    created = {t: g.pk for t, g in zip(temps, made, strict=True)}
    changed: set[int] = set(created.values())
    target_of: dict[int, int] = {}
    removed: list[int] = []
    for claim, target in plan.target.items():
        group = created.get(target, target) if target is not None else None
        current = members.get(claim)
        if current is not None and current[0] == group:
            continue
        if current is not None:
            changed.add(current[0])
        if group is None:
            if current is not None:
                removed.append(claim)
        else:
            target_of[claim] = group
            changed.add(group)
    GroupMember.objects.filter(claim_id__in=removed, pinned=False).delete()
    moving = list(GroupMember.objects.filter(claim_id__in=target_of, pinned=False))
    for member in moving:
        member.group_id = target_of[member.claim_id]
    GroupMember.objects.bulk_update(moving, ["group"], batch_size=1000)
    GroupMember.objects.bulk_create(
        [GroupMember(group_id=g, claim_id=c) for c, g in target_of.items()], ignore_conflicts=True, batch_size=1000
    )
    _refresh_canonicals(changed)
    # A group the plan left with one live claim (its mates moved, were unlinked or deleted) is no group.
    group_services.groups_dissolve_single(
        group_ids=changed, user=None, note="One claim left after the matcher regrouped its claims."
    )
    return GroupOutcome(nodes_seen, len(created), len(changed), len(target_of), len(removed))


def _keep_vetoed_pairs_apart(
    plan: grouping.Plan, members: dict[int, tuple[int, bool]], vetoed: set[tuple[int, int]]
) -> None:
    """A planned group that would hold a pair a reviewer told apart is not formed: its loose claims stay out.

    The plan drops vetoed links but can still chain the two claims through a third one linked to
    both. Pinned claims used to stop that; a split side of one claim is dissolved (ungrouped, not
    pinned), so the chain is cut here instead, conservatively.
    """
    planned: dict[int, set[int]] = {}
    for claim, target in plan.target.items():
        if target is not None:
            planned.setdefault(target, set()).add(claim)
    for claim, (group, pinned) in members.items():
        if pinned and group in planned:
            planned[group].add(claim)
    for claims in planned.values():
        if any(a in claims and b in claims for a, b in vetoed):
            for claim in claims:
                if claim in plan.target:
                    plan.target[claim] = None


@transaction.atomic
def groups_update(*, claim_ids: Iterable[int] | None = None) -> GroupOutcome:
    """Regroup the components touching ``claim_ids`` (all claims when None) from auto supporting links."""
    _lock_groups()
    if claim_ids is None:
        nodes, edges = _everything()
    else:
        nodes, edges = _component(set(claim_ids))
    vetoed = _vetoed(None if claim_ids is None else nodes)
    edges -= vetoed
    touched = GroupMember.objects.filter(claim_id__in=nodes).values("group_id")
    list(DuplicateGroup.objects.select_for_update().filter(pk__in=touched).order_by("pk").values_list("pk"))
    members = {
        c: (g, p)
        for c, g, p in GroupMember.objects.filter(claim_id__in=nodes).values_list("claim_id", "group_id", "pinned")
    }
    live = set(Claim.objects.filter(pk__in=nodes, deleted_at__isnull=True).values_list("pk", flat=True))
    plan = grouping.plan_groups(live, {e for e in edges if e[0] in live and e[1] in live}, members)
    _keep_vetoed_pairs_apart(plan, members, vetoed)
    # Deleted claims leave the groups a machine put them in.
    for claim in nodes - live:
        if claim in members and not members[claim][1]:
            plan.target[claim] = None
    return _apply(plan, members, len(nodes))
