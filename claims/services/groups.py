"""Reviewer writes on duplicate groups: merge, split, canonical wording.

Every action pins the claims it moves, so a recompute never undoes it, and is
recorded as an append-only ``GroupDecision``. Writers pass the group version they
saw; a stale one raises ``GroupChanged`` (optimistic concurrency, as for claims)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q

from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupAction,
    GroupDecision,
    GroupMember,
    Stance,
)
from claims.roles import can_review


class GroupChanged(Exception):
    """The group changed since the caller read it."""

    def __init__(self, group: DuplicateGroup) -> None:
        self.group = group
        super().__init__(
            f"This duplicate group changed (now version {group.version}) after you opened it; "
            "reload to see the current state."
        )


def _check_reviewer(user: User) -> None:
    if not can_review(user):
        raise PermissionDenied("Only reviewers can merge, split or relabel duplicate groups.")


def _locked_group(group_id: int, expected_version: int | None) -> DuplicateGroup:
    group = DuplicateGroup.objects.select_for_update().get(pk=group_id)
    if expected_version is not None and group.version != expected_version:
        raise GroupChanged(group)
    return group


def _live_claims(claim_ids: Iterable[int]) -> list[Claim]:
    ids = sorted(set(claim_ids))
    claims = list(Claim.objects.select_for_update().filter(pk__in=ids, deleted_at__isnull=True).order_by("pk"))
    missing = set(ids) - {c.pk for c in claims}
    if missing:
        raise ValidationError({"claims": f"No such live claim: {', '.join(map(str, sorted(missing)))}."})
    return claims


def _bump(group: DuplicateGroup) -> DuplicateGroup:
    DuplicateGroup.objects.filter(pk=group.pk).update(version=F("version") + 1)
    group.refresh_from_db()
    return group


def _place(claims: list[Claim], group: DuplicateGroup, user: User, *, dissolve_left: bool = True) -> list[int]:
    """Move claims into a group, pinned; groups left empty are emptied, never deleted (history points at them).

    A group the move leaves with one live claim is dissolved (see ``groups_dissolve_single``)."""
    ids = [c.pk for c in claims]
    left = set(GroupMember.objects.filter(claim_id__in=ids).exclude(group=group).values_list("group_id", flat=True))
    GroupMember.objects.filter(claim_id__in=ids).update(group=group, pinned=True)
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, claim_id=pk, pinned=True) for pk in ids], ignore_conflicts=True
    )
    for other in DuplicateGroup.objects.filter(pk__in=left):
        _repair_canonical(other)
    if dissolve_left:
        groups_dissolve_single(group_ids=left, user=user, note=f"The other claims moved to group {group.pk}.")
    return ids


def _live_members(group_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = GroupMember.objects.filter(group_id__in=list(group_ids), claim__deleted_at__isnull=True)
    for group_id, claim_id in rows.order_by("claim_id").values_list("group_id", "claim_id"):
        out.setdefault(group_id, []).append(claim_id)
    return out


def groups_dissolve_single(*, group_ids: Iterable[int] | None, user: User | None, note: str) -> list[int]:
    """Dissolve the groups (all when ``group_ids`` is None) that have exactly one live claim left.

    One claim is not a duplicate group: its member rows go (deleted claims' too, which only stayed
    hidden), so the claim is ungrouped and off the Groups list, and a DISSOLVE decision records it,
    in the reviewer's name or, from a regrouping or the cleanup command, the machine's (``user``
    None). The group row stays, emptied: decisions point at it, as for a group merged away. Runs
    inside the caller's transaction; a group already dissolved has no members, so a rerun does nothing.
    """
    with_members = GroupMember.objects.all()
    if group_ids is not None:
        with_members = with_members.filter(group_id__in=list(group_ids))
    candidates = set(with_members.values_list("group_id", flat=True).distinct())
    single = {g: ids for g, ids in _live_members(candidates).items() if len(ids) == 1}
    if not single:
        return []
    GroupMember.objects.filter(group_id__in=single).delete()
    DuplicateGroup.objects.filter(pk__in=single).update(version=F("version") + 1)
    GroupDecision.objects.bulk_create(
        [
            GroupDecision(group_id=g, action=GroupAction.DISSOLVE, claims=ids, reviewer=user, note=note)
            for g, ids in sorted(single.items())
        ]
    )
    return sorted(single)


def _repair_canonical(group: DuplicateGroup) -> None:
    """A group whose canonical claim moved out takes its oldest remaining member instead."""
    live = group.members.filter(claim__deleted_at__isnull=True)
    if live.filter(claim_id=group.canonical_id).exists():
        return
    first = live.order_by("claim_id").values_list("claim_id", flat=True).first()
    if first is not None:
        DuplicateGroup.objects.filter(pk=group.pk).update(
            canonical_id=first, canonical_by=None, version=F("version") + 1
        )
    else:
        DuplicateGroup.objects.filter(pk=group.pk).update(version=F("version") + 1)


@transaction.atomic
def group_create(*, claim_ids: list[int], user: User, note: str = "") -> DuplicateGroup:
    """A reviewer says these claims state one fact; they form a new group, pinned."""
    _check_reviewer(user)
    claims = _live_claims(claim_ids)
    if len(claims) < 2:
        raise ValidationError({"claims": "A group needs at least two claims."})
    group = DuplicateGroup.objects.create(canonical=claims[0])
    _place(claims, group, user)
    GroupDecision.objects.create(
        group=group, action=GroupAction.MERGE, claims=[c.pk for c in claims], reviewer=user, note=note
    )
    return group


@transaction.atomic
def group_merge(
    *,
    group_id: int,
    user: User,
    claim_ids: list[int] | None = None,
    other_group_ids: list[int] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> DuplicateGroup:
    """Move claims, and every member of other groups, into this group; all of them pinned."""
    _check_reviewer(user)
    group = _locked_group(group_id, expected_version)
    others = [g for g in (other_group_ids or []) if g != group.pk]
    # Deleted claims stay where they were (hidden); only live ones move.
    from_groups = list(
        GroupMember.objects.filter(group_id__in=others, claim__deleted_at__isnull=True).values_list(
            "claim_id", flat=True
        )
    )
    claims = _live_claims([*(claim_ids or []), *from_groups])
    if not claims:
        raise ValidationError({"claims": "Name claims or groups to merge into this one."})
    moved = _place(claims, group, user)
    for other in others:
        GroupDecision.objects.create(
            group=group, action=GroupAction.MERGE, claims=moved, other_group_id=other, reviewer=user, note=note
        )
    if not others:
        GroupDecision.objects.create(group=group, action=GroupAction.MERGE, claims=moved, reviewer=user, note=note)
    return _bump(group)


@transaction.atomic
def group_split(
    *, group_id: int, claim_ids: list[int], user: User, note: str = "", expected_version: int | None = None
) -> DuplicateGroup:
    """Take claims out of a group into a new group of their own (a different fact); returns the new group.

    A side left with one claim is dissolved (that claim ungrouped): the returned group may be empty."""
    _check_reviewer(user)
    group = _locked_group(group_id, expected_version)
    claims = _live_claims(claim_ids)
    members = set(group.members.filter(claim__deleted_at__isnull=True).values_list("claim_id", flat=True))
    strangers = [c.pk for c in claims if c.pk not in members]
    if strangers:
        raise ValidationError({"claims": f"Not in this group: {', '.join(map(str, strangers))}."})
    if not claims or len(claims) >= len(members):
        raise ValidationError({"claims": "Split out some, not all, of the group's claims."})
    new = DuplicateGroup.objects.create(canonical=claims[0])
    moved = _place(claims, new, user, dissolve_left=False)  # the split dissolves after recording itself
    GroupMember.objects.filter(group=group).update(pinned=True)  # what stays was judged to stay
    GroupDecision.objects.create(
        group=group, action=GroupAction.SPLIT, claims=moved, other_group=new, reviewer=user, note=note
    )
    GroupDecision.objects.create(
        group=new, action=GroupAction.SPLIT, claims=moved, other_group=group, reviewer=user, note=note
    )
    _reject_links_between(moved, sorted(members - set(moved)), user, group)
    _repair_canonical(group)
    _bump(group)
    # A side of one claim is not a group: it is dissolved and that claim is ungrouped.
    groups_dissolve_single(group_ids=[group.pk, new.pk], user=user, note="One claim left after the split.")
    new.refresh_from_db()
    return new


# Links the matcher makes; a reviewer's own (manual, origin) links are their decision and stay.
_MACHINE = (EvidenceMethod.LEXICAL, EvidenceMethod.SEMANTIC, EvidenceMethod.FIGURE)


def _reject_links_between(moved: list[int], stayed: list[int], user: User, group: DuplicateGroup) -> int:
    """The splitting reviewer judged the two sides different facts: their pending supporting links say otherwise.

    They are rejected in that reviewer's name, with a note naming the split, so the screens stop
    counting them and a later match cannot bring them back (the matcher never touches decided
    rows). Confirmed links stay: that was a reviewer's decision too.
    """
    between = Evidence.objects.filter(
        Q(claim_id__in=moved, via_claim_id__in=stayed) | Q(claim_id__in=stayed, via_claim_id__in=moved),
        method__in=_MACHINE,
        stance=Stance.SUPPORTS,
        decision=EvidenceDecisionChoice.PENDING,
    )
    ids = list(between.select_for_update().values_list("pk", flat=True))
    note = f"Split out of duplicate group {group.pk}: a different fact."
    EvidenceDecision.objects.bulk_create(
        [
            EvidenceDecision(evidence_id=pk, decision=EvidenceDecisionChoice.REJECTED, reviewer=user, note=note)
            for pk in ids
        ]
    )
    Evidence.objects.filter(pk__in=ids).update(decision=EvidenceDecisionChoice.REJECTED)
    touched = set(Evidence.objects.filter(pk__in=ids).values_list("claim_id", flat=True))
    Claim.objects.filter(pk__in=touched).update(version=F("version") + 1)
    return len(ids)


@transaction.atomic
def group_set_canonical(
    *, group_id: int, claim_id: int, user: User, expected_version: int | None = None
) -> DuplicateGroup:
    """A reviewer picks the wording that stands for the group; recomputes keep it."""
    _check_reviewer(user)
    group = _locked_group(group_id, expected_version)
    if not group.members.filter(claim_id=claim_id, claim__deleted_at__isnull=True).exists():
        raise ValidationError({"claim": "The canonical wording must be one of the group's live claims."})
    DuplicateGroup.objects.filter(pk=group.pk).update(canonical_id=claim_id, canonical_by=user)
    GroupDecision.objects.create(group=group, action=GroupAction.CANONICAL, claims=[claim_id], reviewer=user)
    return _bump(group)
