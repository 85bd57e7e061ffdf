"""Matching in the database: vectors and band rows, links both ways, reviewers' decisions kept, duplicate groups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from claims.matching import grouping
from claims.matching.linking import METHOD_IDS
from claims.matching.semantic import SimHashSketch
from claims.models import (
    ClaimVector,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupMember,
    Job,
    LinkStrength,
    MatchKey,
    Stance,
)
from claims.services import edits as edit_services
from claims.services import indexing as indexing_services
from claims.services import linking as linking_services
from claims.services import matching as matching_services
from claims.services import regrouping as regrouping_services
from claims.services import reviews as review_services
from claims.services.groups import group_split
from sources.models import Article
from tests.claims.helpers import HANIYEH, MACHINE, all_claim_ids, ingest_copy, machine_links, seed_claim

pytestmark = pytest.mark.django_db


def test_it_links_hamas_refusal_to_supporting_sentences_of_two_other_articles(seed_corpus: Job) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    hamas = seed_claim("000", "Hamas refused to send a delegation")

    links = Evidence.objects.filter(claim=hamas, method__in=MACHINE, stance=Stance.SUPPORTS, withdrawn_at__isnull=True)

    other_articles = {e.sentence.article_id for e in links}
    assert len(other_articles) >= 2
    assert hamas.article_id not in other_articles
    link = links.first()
    assert link is not None
    assert link.via_claim is not None
    assert link.via_claim.article_id == link.sentence.article_id
    assert link.details["threshold"]["name"] in ("upper", "lower")
    assert "cosine" in link.details["signals"]


def test_a_plan_written_after_one_of_its_claims_was_deleted_links_only_the_live_claims(
    seed_corpus: Job, reviewer: User
) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    plan = linking_services.claims_link_plan(claim_ids=[hamas.pk])
    partners = {row.via_claim_id for row in plan.scored.rows if row.claim_id == hamas.pk}
    assert len(partners) >= 2
    gone, *kept = sorted(partners)

    edit_services.claim_delete(claim_id=gone, user=reviewer, reason="extracted twice")
    linking_services.claims_link_apply(plan=plan)

    live = Evidence.objects.filter(method__in=MACHINE, withdrawn_at__isnull=True)
    assert not live.filter(claim=hamas, via_claim_id=gone).exists()
    assert not live.filter(claim_id=gone).exists()
    assert set(live.filter(claim=hamas).values_list("via_claim_id", flat=True)) == set(kept)


def test_every_link_is_stored_in_both_directions_with_the_other_claims_span(seed_corpus: Job) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())

    links = list(Evidence.objects.filter(method__in=MACHINE).select_related("via_claim"))

    assert links
    keys = {(e.claim_id, e.via_claim_id) for e in links}
    for link in links:
        assert (link.via_claim_id, link.claim_id) in keys
        assert link.via_claim is not None
        span = link.via_claim.spans.filter(sentence_id=link.sentence_id).order_by("start").first()
        assert span is not None
        assert link.start <= span.start < span.end <= link.end


def test_each_link_keeps_the_details_of_its_own_pair(seed_corpus: Job) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())

    links = list(Evidence.objects.filter(method__in=MACHINE))

    assert len({link.score for link in links}) > 10
    for link in links:
        pair = link.details["pair"]
        assert {pair["a"], pair["b"]} == {link.claim_id, link.via_claim_id}
        assert link.details["score"] == link.score
        assert link.details["method"] == link.method


def test_the_conflicting_death_tolls_are_linked_as_contradicting_figures(seed_corpus: Job) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    tolls = [
        seed_claim("004", "8,005 Palestinians"),
        seed_claim("001", "37,945 Palestinians"),
        seed_claim("002", "more than 30,000"),
        seed_claim("003", "nearly 40,000"),
    ]

    for claim in tolls:
        figures = Evidence.objects.filter(claim=claim, method=EvidenceMethod.FIGURE, withdrawn_at__isnull=True)
        assert figures.count() >= 2, claim.text
        assert set(figures.values_list("stance", flat=True)) == {Stance.CONTRADICTS}
    forty = Evidence.objects.filter(
        method=EvidenceMethod.FIGURE, claim__in=tolls, sentence__text__icontains="over 40,000"
    )
    assert forty.exists()
    # The seed articles carry no dates: 8,005 may be an earlier count of the same toll, so a reviewer decides.
    undated = Evidence.objects.get(claim=tolls[1], via_claim=tolls[0], method=EvidenceMethod.FIGURE)
    assert undated.strength == LinkStrength.SUGGESTED
    assert undated.details["signals"]["quantities"]["status"] == "conflict"
    assert undated.details["signals"]["quantities"]["undated"] is True


def test_a_death_toll_that_grew_between_publications_is_an_update_not_a_contradiction(seed_corpus: Job) -> None:
    early, late = seed_claim("004", "8,005 Palestinians"), seed_claim("001", "37,945 Palestinians")
    Article.objects.filter(pk=early.article_id).update(published_at=datetime(2023, 10, 20, tzinfo=UTC))
    Article.objects.filter(pk=late.article_id).update(published_at=datetime(2024, 6, 24, tzinfo=UTC))

    matching_services.claims_match(claim_ids=all_claim_ids())

    between = Evidence.objects.filter(claim=late, via_claim=early, withdrawn_at__isnull=True)
    assert not between.filter(stance=Stance.CONTRADICTS).exists()
    assert Evidence.objects.filter(claim=late, method=EvidenceMethod.FIGURE, withdrawn_at__isnull=True).exists(), (
        "the other undated tolls still conflict with it"
    )


def test_the_thursday_and_sunday_phone_calls_are_neither_linked_nor_grouped(seed_corpus: Job) -> None:
    ingest_copy("002", "Wire A")
    ingest_copy("004", "Wire B")
    matching_services.claims_match(claim_ids=all_claim_ids())
    thursday = seed_claim("002", "telephone conversation on Thursday")
    sunday = seed_claim("004", "telephone conversation on Sunday")

    thursday_group = GroupMember.objects.get(claim=thursday).group_id
    sunday_group = GroupMember.objects.get(claim=sunday).group_id

    assert thursday_group != sunday_group
    assert not Evidence.objects.filter(claim=thursday, via_claim=sunday).exists()
    copy = GroupMember.objects.filter(group_id=thursday_group).exclude(claim=thursday).get().claim
    assert copy.article.source_name == "copy-of-002-Wire A.txt"


def test_running_it_twice_leaves_identical_links(seed_corpus: Job) -> None:
    ingest_copy("000", "Wire A")
    matching_services.claims_match(claim_ids=all_claim_ids())
    first = machine_links()
    groups = list(GroupMember.objects.order_by("claim_id").values_list("claim_id", "group_id"))

    outcome = matching_services.claims_match(claim_ids=all_claim_ids())

    assert machine_links() == first
    assert list(GroupMember.objects.order_by("claim_id").values_list("claim_id", "group_id")) == groups
    assert outcome.embedded == 0
    assert outcome.links.withdrawn == 0


def test_vectors_and_band_rows_are_stored_once_and_remade_after_a_reviewer_edit(
    seed_corpus: Job, reviewer: User
) -> None:
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    matching_services.claims_match(claim_ids=all_claim_ids())
    assert ClaimVector.objects.count() == len(all_claim_ids())
    before = set(MatchKey.objects.filter(claim=hamas).values_list("method", "band", "key"))
    assert {m for m, _, _ in before} >= {METHOD_IDS["lexical"], METHOD_IDS["semantic"]}

    edit_services.claim_edit(claim_id=hamas.pk, text="Qatar hosted the ceasefire talks in Doha", user=reviewer)
    outcome = matching_services.claims_match(claim_ids=[hamas.pk])

    assert outcome.embedded == 1
    vector = ClaimVector.objects.get(claim=hamas)
    assert vector.text_hash == indexing_services.text_hash("Qatar hosted the ceasefire talks in Doha")
    assert set(MatchKey.objects.filter(claim=hamas).values_list("method", "band", "key")) != before
    # Links of the old wording that are no longer found are hidden, not deleted.
    old = Evidence.objects.filter(claim=hamas, method__in=MACHINE, via_claim__text__icontains="refused to participate")
    assert old.exists()
    assert all(e.withdrawn_at is not None for e in old)


def test_every_band_row_carries_its_claims_sketch_and_rows_without_one_are_remade(seed_corpus: Job) -> None:
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    indexing_services.claims_index(claim_ids=all_claim_ids())
    vector = indexing_services._stored_vectors([hamas])[hamas.pk]
    expected = tuple(SimHashSketch().words(vector[None, :])[0].tolist())
    assert set(MatchKey.objects.filter(claim=hamas).values_list("sketch_hi", "sketch_lo")) == {expected}
    rows = set(MatchKey.objects.filter(claim=hamas).values_list("method", "band", "key"))
    MatchKey.objects.filter(claim=hamas).update(sketch_hi=None, sketch_lo=None)  # as stored before sketches

    indexing_services.claims_index(claim_ids=[hamas.pk])

    assert set(MatchKey.objects.filter(claim=hamas).values_list("sketch_hi", "sketch_lo")) == {expected}
    assert set(MatchKey.objects.filter(claim=hamas).values_list("method", "band", "key")) == rows
    assert not MatchKey.objects.filter(sketch_hi__isnull=True).exists()


def test_a_confirmed_or_rejected_link_survives_a_recompute_unchanged(seed_corpus: Job, reviewer: User) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    confirmed, rejected = Evidence.objects.filter(claim=hamas, method__in=MACHINE).order_by("id")[:2]
    review_services.evidence_decide(
        evidence_id=confirmed.pk, reviewer=reviewer, decision=EvidenceDecisionChoice.CONFIRMED
    )
    review_services.evidence_decide(
        evidence_id=rejected.pk, reviewer=reviewer, decision=EvidenceDecisionChoice.REJECTED
    )
    decided = machine_links()
    decided_rows = [r for r in decided if r[0] in (confirmed.pk, rejected.pk)]

    # The reviewer's edit makes the machine no longer find either link.
    edit_services.claim_edit(claim_id=hamas.pk, text="Qatar hosted the ceasefire talks in Doha", user=reviewer)
    matching_services.claims_match(claim_ids=all_claim_ids())

    assert [r for r in machine_links() if r[0] in (confirmed.pk, rejected.pk)] == decided_rows


def test_an_origin_or_manual_link_on_the_same_span_is_never_overwritten(seed_corpus: Job, reviewer: User) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    link = Evidence.objects.filter(method=EvidenceMethod.SEMANTIC).order_by("id").first()
    assert link is not None
    key = {"claim_id": link.claim_id, "sentence_id": link.sentence_id, "start": link.start, "end": link.end}
    Evidence.objects.filter(pk=link.pk).delete()
    manual = review_services.evidence_add_manual(**key, stance=Stance.CONTRADICTS, user=reviewer, note="read it myself")

    matching_services.claims_match(claim_ids=all_claim_ids())

    manual.refresh_from_db()
    assert (manual.method, manual.stance, manual.score) == (EvidenceMethod.MANUAL, Stance.CONTRADICTS, 1.0)
    assert manual.details["reason"] == "linked by a reviewer"


def test_a_withdrawn_link_found_again_is_shown_again(seed_corpus: Job) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    link = Evidence.objects.filter(method=EvidenceMethod.SEMANTIC).order_by("id").first()
    assert link is not None
    Evidence.objects.filter(pk=link.pk).update(withdrawn_at=datetime(2024, 1, 1, tzinfo=UTC))

    matching_services.claims_match(claim_ids=[link.claim_id])

    link.refresh_from_db()
    assert link.withdrawn_at is None


def test_copies_form_groups_with_the_earliest_report_as_canonical(seed_corpus: Job) -> None:
    Article.objects.filter(source_name__contains="000_").update(published_at=datetime(2024, 8, 1, tzinfo=UTC))
    copy = ingest_copy("000", "Wire A")
    matching_services.claims_match(claim_ids=all_claim_ids())
    haniyeh = seed_claim("000", HANIYEH)

    member = GroupMember.objects.select_related("group").get(claim=haniyeh)

    assert not member.pinned
    wire = set(GroupMember.objects.filter(group=member.group).values_list("claim__article_id", flat=True))
    assert wire == {haniyeh.article_id, copy.pk}
    assert member.group.canonical_id == haniyeh.pk


def test_a_reviewer_split_survives_a_recompute(seed_corpus: Job, reviewer: User) -> None:
    ingest_copy("000", "Wire A")
    ingest_copy("000", "Wire B")
    matching_services.claims_match(claim_ids=all_claim_ids())
    haniyeh = seed_claim("000", HANIYEH)
    group = GroupMember.objects.get(claim=haniyeh).group
    members = list(GroupMember.objects.filter(group=group).values_list("claim_id", flat=True))
    assert len(members) == 3
    split_out = next(m for m in members if m != haniyeh.pk)

    new = group_split(group_id=group.pk, claim_ids=[split_out], user=reviewer, note="different meeting")
    matching_services.claims_match(claim_ids=all_claim_ids())
    regrouping_services.groups_update(claim_ids=None)

    assert not new.members.exists()  # one claim alone was dissolved by the split, and no recompute regroups it
    assert not GroupMember.objects.filter(claim_id=split_out).exists()
    assert GroupMember.objects.get(claim=haniyeh).group_id == group.pk
    # The third copy is linked to both sides: it bridges nothing, and stays with the group it was pinned in.
    third = next(m for m in members if m not in (haniyeh.pk, split_out))
    assert GroupMember.objects.get(claim_id=third).group_id == group.pk


def test_an_unpinned_claim_linked_to_two_split_groups_joins_neither(seed_corpus: Job, reviewer: User) -> None:
    ingest_copy("000", "Wire A")
    matching_services.claims_match(claim_ids=all_claim_ids())
    haniyeh = seed_claim("000", HANIYEH)
    group = GroupMember.objects.get(claim=haniyeh).group
    other = GroupMember.objects.filter(group=group).exclude(claim=haniyeh).get().claim_id
    new = group_split(group_id=group.pk, claim_ids=[other], user=reviewer)

    third = ingest_copy("000", "Wire C")
    matching_services.claims_match(claim_ids=list(third.claims.values_list("pk", flat=True)))

    third_haniyeh = third.claims.get(text__icontains=HANIYEH)
    # A split of a pair dissolved both sides; the copy linked to both must not chain them back together.
    together = GroupMember.objects.filter(claim_id__in=[haniyeh.pk, other, third_haniyeh.pk])
    groups = list(together.values_list("group_id", flat=True))
    assert len(groups) == len(set(groups))
    assert not {group.pk, new.pk} & set(groups)


def test_grouping_keeps_pinned_claims_and_never_bridges_two_reviewer_groups() -> None:
    # Claims 1-2 pinned in group 10, 3 pinned in group 20; 4 links to both sides, 5-6 only to 1.
    members = {1: (10, True), 2: (10, True), 3: (20, True), 7: (30, False)}
    edges = {(1, 3), (1, 4), (3, 4), (1, 5), (5, 6), (7, 8)}

    plan = grouping.plan_groups({1, 2, 3, 4, 5, 6, 7, 8}, edges, members)

    assert 1 not in plan.target
    assert 3 not in plan.target
    assert plan.target[5] == plan.target[6] == 10
    assert plan.target[4] is None  # alone, and linked to two reviewer groups: joins neither
    assert plan.target[7] == plan.target[8] == 30  # an existing machine group keeps its id
    assert not plan.new_groups
