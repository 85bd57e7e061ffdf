"""Duplicate groups by hand: merge, split and canonical wording pin claims, keep history and refuse stale writes."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

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
    Job,
    Stance,
)
from claims.selectors.groups import group_figures, group_for_claim, group_history, group_members, groups_with_members
from claims.services import edits as edit_services
from claims.services.groups import GroupChanged, group_create, group_merge, group_set_canonical, group_split
from claims.services.regrouping import groups_update
from claims.services.reviews import evidence_decide
from tests.claims.helpers import claims_from_different_articles, death_toll_claims, link_as_matcher

pytestmark = pytest.mark.django_db


def test_a_reviewer_groups_claims_and_each_is_pinned(reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)

    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer, note="same meeting")

    assert set(group.members.values_list("claim_id", flat=True)) == {a.pk, b.pk, c.pk}
    assert all(group.members.values_list("pinned", flat=True))
    assert group.canonical_id == a.pk
    assert group_for_claim(claim=b) == group
    decision = GroupDecision.objects.get(group=group)
    assert (decision.action, decision.reviewer, decision.note) == (GroupAction.MERGE, reviewer, "same meeting")


def test_a_viewer_cannot_group_claims(viewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)

    with pytest.raises(PermissionDenied):
        group_create(claim_ids=[a.pk, b.pk], user=viewer)

    assert not DuplicateGroup.objects.exists() or not GroupMember.objects.filter(claim__in=[a, b], pinned=True)


def test_it_refuses_a_group_of_one_or_of_unknown_claims(reviewer: User, seed_corpus: Job) -> None:
    (a,) = claims_from_different_articles(1)

    with pytest.raises(ValidationError, match="at least two"):
        group_create(claim_ids=[a.pk], user=reviewer)
    with pytest.raises(ValidationError, match="No such live claim: 999999"):
        group_create(claim_ids=[a.pk, 999999], user=reviewer)


def test_merging_another_group_moves_all_its_claims_and_leaves_it_empty(reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d = claims_from_different_articles(4)
    first = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    second = group_create(claim_ids=[c.pk, d.pk], user=reviewer)

    merged = group_merge(group_id=first.pk, other_group_ids=[second.pk], user=reviewer, expected_version=first.version)

    assert set(merged.members.values_list("claim_id", flat=True)) == {a.pk, b.pk, c.pk, d.pk}
    assert merged.version == first.version + 1
    assert not second.members.exists()
    assert GroupDecision.objects.filter(group=first, action=GroupAction.MERGE, other_group=second).exists()


def test_a_merge_with_a_stale_version_is_refused_and_changes_nothing(reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    group_set_canonical(group_id=group.pk, claim_id=b.pk, user=reviewer)  # someone else moved first

    with pytest.raises(GroupChanged, match="changed"):
        group_merge(group_id=group.pk, claim_ids=[c.pk], user=reviewer, expected_version=group.version)

    assert not GroupMember.objects.filter(claim=c, group=group).exists()


def test_splitting_moves_claims_to_a_new_group_and_both_sides_remember_it(reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d = claims_from_different_articles(4)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk, d.pk], user=reviewer)

    new = group_split(group_id=group.pk, claim_ids=[a.pk, b.pk], user=reviewer, note="a different day")

    assert set(new.members.values_list("claim_id", flat=True)) == {a.pk, b.pk}
    assert set(group.members.values_list("claim_id", flat=True)) == {c.pk, d.pk}
    group.refresh_from_db()
    assert group.canonical_id == c.pk  # the canonical claim left; the oldest remaining member stands in
    assert [d.action for d in group_history(group=group)] == [GroupAction.SPLIT, GroupAction.SPLIT, GroupAction.MERGE]


def test_a_split_that_leaves_one_claim_on_a_side_dissolves_that_side_and_records_it(
    reviewer: User, seed_corpus: Job
) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer)

    new = group_split(group_id=group.pk, claim_ids=[a.pk], user=reviewer, note="a different day")

    assert not new.members.exists()
    assert group_for_claim(claim=a) is None  # ungrouped, not a group of one
    assert set(group.members.values_list("claim_id", flat=True)) == {b.pk, c.pk}
    group.refresh_from_db()
    assert group.canonical_id == b.pk  # the canonical claim left; the oldest remaining member stands in
    dissolved = GroupDecision.objects.get(group=new, action=GroupAction.DISSOLVE)
    assert (dissolved.claims, dissolved.reviewer) == ([a.pk], reviewer)
    assert [d.action for d in group_history(group=new)][:2] == [GroupAction.DISSOLVE, GroupAction.SPLIT]
    assert new.pk not in set(groups_with_members().values_list("pk", flat=True))


def test_splitting_a_pair_dissolves_both_sides(reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    new = group_split(group_id=group.pk, claim_ids=[b.pk], user=reviewer)

    assert not GroupMember.objects.filter(claim__in=[a, b]).exists()
    assert sorted(
        GroupDecision.objects.filter(action=GroupAction.DISSOLVE).values_list("group_id", "claims")
    ) == sorted([(group.pk, [a.pk]), (new.pk, [b.pk])])
    listed = set(groups_with_members().values_list("pk", flat=True))
    assert group.pk not in listed
    assert new.pk not in listed


def test_a_merge_that_takes_all_but_one_claim_of_another_group_dissolves_it(reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d = claims_from_different_articles(4)
    first = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    second = group_create(claim_ids=[c.pk, d.pk], user=reviewer)

    group_merge(group_id=first.pk, claim_ids=[c.pk], user=reviewer)

    assert set(first.members.values_list("claim_id", flat=True)) == {a.pk, b.pk, c.pk}
    assert group_for_claim(claim=d) is None
    note = GroupDecision.objects.get(group=second, action=GroupAction.DISSOLVE).note
    assert note == f"The other claims moved to group {first.pk}."


def test_a_regrouping_never_leaves_a_group_of_one_and_records_the_dissolution_as_the_matcher(
    reviewer: User, seed_corpus: Job
) -> None:
    pinned, loose, other = claims_from_different_articles(3)
    group = DuplicateGroup.objects.create(canonical=pinned)
    GroupMember.objects.create(group=group, claim=pinned, pinned=True)
    GroupMember.objects.create(group=group, claim=loose, pinned=False)  # no link holds it here any more

    groups_update(claim_ids=[pinned.pk, loose.pk, other.pk])

    assert not GroupMember.objects.filter(claim__in=[pinned, loose]).exists()
    record = GroupDecision.objects.get(group=group)
    assert (record.action, record.claims, record.reviewer) == (GroupAction.DISSOLVE, [pinned.pk], None)


def test_the_cleanup_command_dissolves_stored_one_claim_groups_once(reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d, e = claims_from_different_articles(5)
    healthy = group_create(claim_ids=[d.pk, e.pk], user=reviewer)
    with_deleted = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    edit_services.claim_delete(claim_id=a.pk, user=reviewer, reason="not a claim")  # one live claim, b
    alone = DuplicateGroup.objects.create(canonical=c)  # as a split made before the rule left it
    GroupMember.objects.create(group=alone, claim=c, pinned=True)
    out = io.StringIO()

    call_command("groups_dissolve_single", stdout=out)
    call_command("groups_dissolve_single", stdout=out)

    assert not GroupMember.objects.filter(group__in=[with_deleted, alone]).exists()
    assert set(healthy.members.values_list("claim_id", flat=True)) == {d.pk, e.pk}
    dissolved = GroupDecision.objects.filter(action=GroupAction.DISSOLVE)
    assert sorted(dissolved.values_list("group_id", "claims")) == sorted(
        [(with_deleted.pk, [b.pk]), (alone.pk, [c.pk])]
    )
    assert not dissolved.filter(reviewer__isnull=False).exists()  # the machine's, not a reviewer's
    assert out.getvalue().splitlines() == [
        f"2 one-claim group(s) dissolved: {', '.join(map(str, sorted([with_deleted.pk, alone.pk])))}",
        "0 one-claim group(s) dissolved",
    ]


def test_only_a_dissolution_may_be_recorded_without_a_reviewer(reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    with pytest.raises(IntegrityError), transaction.atomic():
        GroupDecision.objects.create(group=group, action=GroupAction.MERGE, claims=[a.pk], reviewer=None)


def test_a_split_rejects_the_pending_supporting_links_between_the_two_sides_and_keeps_the_rest(
    reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer)
    across = link_as_matcher(a, b, stance=Stance.SUPPORTS, method=EvidenceMethod.SEMANTIC, score=0.9)
    back = link_as_matcher(b, a, stance=Stance.SUPPORTS, method=EvidenceMethod.SEMANTIC, score=0.9)
    confirmed = link_as_matcher(a, c, stance=Stance.SUPPORTS, method=EvidenceMethod.SEMANTIC, score=0.7)
    evidence_decide(evidence_id=confirmed.pk, reviewer=second_reviewer, decision="confirmed")
    figure = link_as_matcher(c, a, stance=Stance.CONTRADICTS, method=EvidenceMethod.FIGURE, score=0.8)
    staying = link_as_matcher(b, c, stance=Stance.SUPPORTS, method=EvidenceMethod.SEMANTIC, score=0.9)

    group_split(group_id=group.pk, claim_ids=[a.pk], user=reviewer)

    decisions = dict(Evidence.objects.values_list("pk", "decision"))
    assert decisions[across.pk] == decisions[back.pk] == EvidenceDecisionChoice.REJECTED
    assert decisions[confirmed.pk] == EvidenceDecisionChoice.CONFIRMED
    assert decisions[figure.pk] == decisions[staying.pk] == EvidenceDecisionChoice.PENDING
    record = EvidenceDecision.objects.get(evidence=across)
    assert (record.reviewer, record.note) == (reviewer, f"Split out of duplicate group {group.pk}: a different fact.")


def test_it_refuses_to_split_out_every_claim_or_a_stranger(reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    with pytest.raises(ValidationError, match="some, not all"):
        group_split(group_id=group.pk, claim_ids=[a.pk, b.pk], user=reviewer)
    with pytest.raises(ValidationError, match="Not in this group"):
        group_split(group_id=group.pk, claim_ids=[c.pk], user=reviewer)


def test_the_canonical_wording_must_be_a_member_and_records_who_picked_it(reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    with pytest.raises(ValidationError, match="one of the group's live claims"):
        group_set_canonical(group_id=group.pk, claim_id=c.pk, user=reviewer)
    picked = group_set_canonical(group_id=group.pk, claim_id=b.pk, user=reviewer)

    assert (picked.canonical_id, picked.canonical_by) == (b.pk, reviewer)


def test_group_decisions_cannot_be_rewritten(reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    decision = GroupDecision.objects.get(group=group)

    with pytest.raises(IntegrityError), transaction.atomic():
        GroupDecision.objects.filter(pk=decision.pk).update(note="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupDecision.objects.filter(pk=decision.pk).delete()


def test_conflicting_death_tolls_are_shown_side_by_side_in_publication_order(reviewer: User, seed_corpus: Job) -> None:
    tolls = death_toll_claims()
    assert len(tolls) >= 3  # the seeds report several different death tolls
    group = group_create(claim_ids=[c.pk for c in tolls], user=reviewer)

    rows = group_members(group=group)
    figures = group_figures(rows=rows)

    assert len({f.value for f in figures["killed"]}) == len(tolls)
    dated = [f.published_at for f in figures["killed"] if f.published_at is not None]
    assert dated == sorted(dated)
    assert {f.claim_id for f in figures["killed"]} == {c.pk for c in tolls}


def test_a_group_whose_figures_agree_lists_no_conflict(reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    Claim.objects.filter(pk__in=[a.pk, b.pk]).update(
        quantities=[{"event": "killed", "value": 40000, "text": "40,000 killed"}]
    )

    assert group_figures(rows=group_members(group=group)) == {}


def test_the_groups_list_leaves_out_emptied_groups(reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d = claims_from_different_articles(4)
    kept = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    emptied = group_create(claim_ids=[c.pk, d.pk], user=reviewer)
    group_merge(group_id=kept.pk, other_group_ids=[emptied.pk], user=reviewer)

    listed = set(groups_with_members().values_list("pk", flat=True))

    assert kept.pk in listed
    assert emptied.pk not in listed


def test_a_deleted_member_neither_blocks_a_merge_nor_counts_in_a_split(reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d = claims_from_different_articles(4)
    kept = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    other = group_create(claim_ids=[c.pk, d.pk], user=reviewer)
    edit_services.claim_delete(claim_id=d.pk, user=reviewer, reason="duplicate of c")

    merged = group_merge(group_id=kept.pk, other_group_ids=[other.pk], user=reviewer)

    assert set(merged.members.values_list("claim_id", flat=True)) == {a.pk, b.pk, c.pk}
    with pytest.raises(ValidationError, match="some, not all"):
        group_split(group_id=other.pk, claim_ids=[], user=reviewer)


def test_a_deleted_claim_is_never_picked_as_the_canonical_wording(reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer)
    edit_services.claim_delete(claim_id=b.pk, user=reviewer, reason="not a claim")

    with pytest.raises(ValidationError, match="live claims"):
        group_set_canonical(group_id=group.pk, claim_id=b.pk, user=reviewer)
    group_split(group_id=group.pk, claim_ids=[a.pk], user=reviewer)  # the canonical claim leaves

    group.refresh_from_db()
    assert group.canonical_id == c.pk
