"""Reviews: who may record a verdict, what it needs, and why history cannot be rewritten."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from claims.models import (
    Claim,
    ClaimStatus,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    Review,
    Verdict,
)
from claims.selectors.review_queue import QueueFilters, queue_claims
from claims.services import reviews as review_services
from claims.services.groups import group_create, group_merge
from claims.services.reviews import StaleVersion, review_record
from tests.claims.helpers import claims_from_different_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(seed_corpus: object) -> Claim:
    found = Claim.objects.order_by("id").first()
    assert found is not None
    return found


def record(claim: Claim, reviewer: User, verdict: str = Verdict.CORROBORATED, **kwargs: object) -> Review:
    rationale = str(kwargs.pop("rationale", "Matches the ministry statement of the same day."))
    return review_record(claim_id=claim.pk, reviewer=reviewer, verdict=verdict, rationale=rationale, **kwargs)  # type: ignore[arg-type]


def reload(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


def test_a_reviewer_records_a_verdict_that_becomes_the_claim_status(claim: Claim, reviewer: User) -> None:
    review = record(claim, reviewer, Verdict.CONTESTED, rationale="  Other outlets give a lower figure.  ")

    assert (review.claim_id, review.reviewer, review.verdict) == (claim.pk, reviewer, Verdict.CONTESTED)
    assert review.rationale == "Other outlets give a lower figure."
    assert reload(claim).status == ClaimStatus.CONTESTED
    assert reload(claim).version == claim.version + 1


def test_an_admin_may_review_because_roles_nest(claim: Claim, admin_user: User) -> None:
    record(claim, admin_user)

    assert reload(claim).status == ClaimStatus.CORROBORATED


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_only_reviewers_may_record_a_verdict(claim: Claim, who: str, request: pytest.FixtureRequest) -> None:
    user: User = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        record(claim, user)

    assert not Review.objects.exists()
    assert reload(claim).status == ClaimStatus.UNREVIEWED


@pytest.mark.parametrize("rationale", ["", "   ", "\n\t"])
def test_a_verdict_needs_a_rationale(claim: Claim, reviewer: User, rationale: str) -> None:
    with pytest.raises(ValidationError) as raised:
        record(claim, reviewer, rationale=rationale)

    assert "rationale" in raised.value.message_dict
    assert not Review.objects.exists()


@pytest.mark.parametrize("verdict", ["unreviewed", "true", "", "CORROBORATED"])
def test_a_verdict_must_be_corroborated_or_contested(claim: Claim, reviewer: User, verdict: str) -> None:
    with pytest.raises(ValidationError) as raised:
        record(claim, reviewer, verdict)

    assert "verdict" in raised.value.message_dict
    assert reload(claim).status == ClaimStatus.UNREVIEWED


def test_the_status_follows_the_latest_of_several_reviews(claim: Claim, reviewer: User, second_reviewer: User) -> None:
    record(claim, reviewer, Verdict.CORROBORATED)
    record(claim, second_reviewer, Verdict.CONTESTED)
    assert reload(claim).status == ClaimStatus.CONTESTED

    record(claim, reviewer, Verdict.CORROBORATED, rationale="The ministry confirmed the figure later.")

    assert reload(claim).status == ClaimStatus.CORROBORATED
    assert list(claim.reviews.order_by("created_at", "id").values_list("verdict", flat=True)) == [
        Verdict.CORROBORATED,
        Verdict.CONTESTED,
        Verdict.CORROBORATED,
    ]
    assert reload(claim).version == claim.version + 3


def test_a_verdict_on_the_version_read_succeeds(claim: Claim, reviewer: User) -> None:
    record(claim, reviewer, expected_version=claim.version)

    assert reload(claim).status == ClaimStatus.CORROBORATED


def test_a_verdict_on_an_outdated_version_is_refused_naming_who_changed_it(
    claim: Claim, reviewer: User, second_reviewer: User
) -> None:
    seen = claim.version
    first = record(claim, second_reviewer, Verdict.CORROBORATED, expected_version=seen)

    with pytest.raises(StaleVersion) as raised:
        record(claim, reviewer, Verdict.CONTESTED, rationale="I disagree.", expected_version=seen)

    assert "ravi-reviewer (corroborated)" in str(raised.value)
    assert raised.value.latest == first
    assert raised.value.claim.version == seen + 1
    assert reload(claim).status == ClaimStatus.CORROBORATED
    assert list(Review.objects.values_list("reviewer__username", flat=True)) == ["ravi-reviewer"]


def test_a_verdict_after_an_evidence_decision_names_the_decider(
    claim: Claim, reviewer: User, second_reviewer: User
) -> None:
    seen = claim.version
    record(claim, reviewer, Verdict.CORROBORATED, expected_version=seen)
    review_services.evidence_decide(evidence_id=claim.evidence.get().pk, reviewer=second_reviewer, decision="confirmed")

    with pytest.raises(StaleVersion, match=r"changed by ravi-reviewer \(confirmed an evidence link\)"):
        record(claim, reviewer, Verdict.CONTESTED, expected_version=seen + 1)


# --- what the database refuses, whatever the code above it does ---------------


@pytest.fixture
def review(claim: Claim, reviewer: User) -> Review:
    return record(claim, reviewer)


def test_the_database_refuses_updating_a_review(review: Review) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(verdict=Verdict.CONTESTED)
    review.rationale = "Rewritten after the fact."
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        review.save()

    assert Review.objects.get(pk=review.pk).verdict == Verdict.CORROBORATED


def test_the_database_refuses_deleting_a_review(review: Review) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        review.delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Review.objects.all().delete()

    assert Review.objects.filter(pk=review.pk).exists()


def test_the_database_refuses_a_review_without_rationale_or_with_an_unknown_verdict(
    claim: Claim, reviewer: User
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(claim=claim, reviewer=reviewer, verdict=Verdict.CONTESTED, rationale="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(claim=claim, reviewer=reviewer, verdict="maybe", rationale="Unsure.")

    assert not Review.objects.exists()


def test_a_verdict_on_a_groups_canonical_claim_carries_to_members_without_one(
    seed_corpus: object, reviewer: User, second_reviewer: User
) -> None:
    canonical, member, decided = claims_from_different_articles(3)
    group = group_create(claim_ids=[canonical.pk, member.pk, decided.pk], user=reviewer)
    record(decided, second_reviewer, Verdict.CONTESTED, rationale="A different day's figure.")

    record(canonical, reviewer, Verdict.CORROBORATED, rationale="Three outlets quote the ministry.")

    assert reload(member).status == ClaimStatus.CORROBORATED
    carried = Review.objects.get(claim=member)
    assert (carried.via_group, carried.reviewer) == (group, reviewer)
    assert carried.rationale == (
        f"Verdict of duplicate group {group.pk} (canonical claim {canonical.pk}): Three outlets quote the ministry."
    )
    assert reload(decided).status == ClaimStatus.CONTESTED  # its own verdict stands


def test_a_later_group_verdict_replaces_a_carried_one_but_never_a_members_own(
    seed_corpus: object, reviewer: User
) -> None:
    canonical, member, own = claims_from_different_articles(3)
    group_create(claim_ids=[canonical.pk, member.pk, own.pk], user=reviewer)
    record(canonical, reviewer, Verdict.CORROBORATED)
    record(own, reviewer, Verdict.CORROBORATED, rationale="Checked this report myself.")

    record(canonical, reviewer, Verdict.CONTESTED, rationale="The ministry revised it.")

    assert reload(member).status == ClaimStatus.CONTESTED
    assert reload(own).status == ClaimStatus.CORROBORATED
    assert Review.objects.filter(claim=member).count() == 2


def test_the_queue_skips_a_claim_whose_group_is_decided(seed_corpus: object, reviewer: User) -> None:
    canonical, member, latecomer = claims_from_different_articles(3)
    group = group_create(claim_ids=[canonical.pk, member.pk], user=reviewer)
    record(canonical, reviewer, Verdict.CORROBORATED)
    group_merge(group_id=group.pk, claim_ids=[latecomer.pk], user=reviewer)  # joins after the verdict

    offered = set(queue_claims(filters=QueueFilters()).values_list("pk", flat=True))

    assert reload(latecomer).status == ClaimStatus.UNREVIEWED
    assert latecomer.pk not in offered
    assert not {canonical.pk, member.pk} & offered


def test_the_sentence_a_claim_was_extracted_from_cannot_be_rejected(claim: Claim, reviewer: User) -> None:
    origin = claim.evidence.get(method=EvidenceMethod.ORIGIN)
    assert origin.decision == EvidenceDecisionChoice.CONFIRMED

    with pytest.raises(ValidationError, match="extracted from"):
        review_services.evidence_decide(evidence_id=origin.pk, reviewer=reviewer, decision="rejected")

    origin.refresh_from_db()
    assert origin.decision == EvidenceDecisionChoice.CONFIRMED
    assert not EvidenceDecision.objects.exists()
