"""Evidence decisions: reviewers confirm or reject links, the link stays, and decisions are append-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims.models import (
    Claim,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    Stance,
)
from claims.services.reviews import StaleVersion, evidence_decide
from sources.models import Sentence, SentenceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggested(seed_corpus: object) -> Evidence:
    """A pending link from one seed claim to a body sentence of another article, as a matcher would add."""
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    sentence = Sentence.objects.filter(kind=SentenceKind.BODY).exclude(article=claim.article).order_by("id").first()
    assert sentence is not None
    return Evidence.objects.create(
        claim=claim,
        sentence=sentence,
        start=sentence.start,
        end=sentence.end,
        stance=Stance.CONTRADICTS,
        method=EvidenceMethod.MANUAL,
        score=0.5,
    )


def test_a_reviewer_confirms_a_suggested_link(suggested: Evidence, reviewer: User) -> None:
    version = suggested.claim.version

    record = evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision="confirmed", note="  Same figure. ")

    assert (record.evidence_id, record.decision, record.reviewer, record.note) == (
        suggested.pk,
        EvidenceDecisionChoice.CONFIRMED,
        reviewer,
        "Same figure.",
    )
    assert Evidence.objects.get(pk=suggested.pk).decision == EvidenceDecisionChoice.CONFIRMED
    assert Claim.objects.get(pk=suggested.claim_id).version == version + 1


def test_a_rejected_link_is_kept_with_its_decision(suggested: Evidence, reviewer: User) -> None:
    evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision="rejected")

    kept = Evidence.objects.get(pk=suggested.pk)
    assert kept.decision == EvidenceDecisionChoice.REJECTED
    assert (kept.claim_id, kept.sentence_id, kept.stance) == (
        suggested.claim_id,
        suggested.sentence_id,
        Stance.CONTRADICTS,
    )


def test_every_decision_is_a_new_row_and_the_link_shows_the_latest(
    suggested: Evidence, reviewer: User, second_reviewer: User
) -> None:
    evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision="rejected")
    evidence_decide(evidence_id=suggested.pk, reviewer=second_reviewer, decision="confirmed")

    history = list(suggested.decisions.order_by("created_at", "id").values_list("reviewer__username", "decision"))
    assert history == [("rita-reviewer", "rejected"), ("ravi-reviewer", "confirmed")]
    assert Evidence.objects.get(pk=suggested.pk).decision == EvidenceDecisionChoice.CONFIRMED


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_only_reviewers_may_decide_on_evidence(suggested: Evidence, who: str, request: pytest.FixtureRequest) -> None:
    user: User = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        evidence_decide(evidence_id=suggested.pk, reviewer=user, decision="rejected")

    assert not EvidenceDecision.objects.exists()
    assert Evidence.objects.get(pk=suggested.pk).decision == EvidenceDecisionChoice.PENDING


@pytest.mark.parametrize("decision", ["pending", "maybe", ""])
def test_a_decision_must_be_confirmed_or_rejected(suggested: Evidence, reviewer: User, decision: str) -> None:
    with pytest.raises(ValidationError) as raised:
        evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision=decision)

    assert "decision" in raised.value.message_dict
    assert not EvidenceDecision.objects.exists()


def test_a_link_with_decisions_cannot_be_deleted(suggested: Evidence, reviewer: User) -> None:
    evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision="rejected")

    with pytest.raises(ProtectedError), transaction.atomic():
        suggested.delete()

    assert Evidence.objects.filter(pk=suggested.pk).exists()


# --- what the database refuses, whatever the code above it does ---------------


@pytest.fixture
def decision(suggested: Evidence, reviewer: User) -> EvidenceDecision:
    return evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision="confirmed", note="Same figure.")


def test_the_database_refuses_updating_an_evidence_decision(decision: EvidenceDecision) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        EvidenceDecision.objects.filter(pk=decision.pk).update(decision=EvidenceDecisionChoice.REJECTED)
    decision.note = "Rewritten after the fact."
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        decision.save()

    assert EvidenceDecision.objects.get(pk=decision.pk).note == "Same figure."


def test_the_database_refuses_deleting_an_evidence_decision(decision: EvidenceDecision) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        decision.delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        EvidenceDecision.objects.all().delete()

    assert EvidenceDecision.objects.filter(pk=decision.pk).exists()


def test_a_decision_on_a_stale_claim_version_is_refused_and_the_colleagues_decision_stands(
    suggested: Evidence, reviewer: User, second_reviewer: User
) -> None:
    seen = Claim.objects.get(pk=suggested.claim_id).version
    evidence_decide(evidence_id=suggested.pk, reviewer=second_reviewer, decision="rejected", expected_version=seen)

    with pytest.raises(StaleVersion, match="rejected an evidence link"):
        evidence_decide(evidence_id=suggested.pk, reviewer=reviewer, decision="confirmed", expected_version=seen)

    suggested.refresh_from_db()
    assert suggested.decision == EvidenceDecisionChoice.REJECTED
    assert suggested.decisions.count() == 1
