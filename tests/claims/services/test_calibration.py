"""Recalibration from reviewers' decisions: enough decided suggestions replace the shipped calibration."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims.matching import calibration
from claims.models import Claim, Evidence, EvidenceMethod, ScorerCalibration, Stance
from claims.selectors.calibration import calibration_current, calibration_decided_pairs, calibrations_current
from claims.services.calibration import calibration_fit_from_reviews
from claims.services.reviews import evidence_decide
from sources.models import Sentence, SentenceKind

pytestmark = pytest.mark.django_db


def suggest_and_decide(reviewer: User, count: int, *, start: int = 0, support: bool = False) -> None:
    """``count`` machine suggestions on one claim, decided as a reviewer would: high logits confirmed."""
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    sentences = list(Sentence.objects.filter(kind=SentenceKind.BODY).exclude(article=claim.article).order_by("id"))
    for n in range(start, start + count):
        right = n % 2 == 0
        logit = (2.0 if right else -1.0) + (n % 7) * 0.3
        evidence = Evidence.objects.create(
            claim=claim,
            sentence=sentences[n],
            start=sentences[n].start,
            end=sentences[n].end,
            stance=Stance.SUPPORTS,
            method=EvidenceMethod.SEMANTIC,
            score=0.5,
            details={"pair": {"a": claim.pk, "b": 10_000 + n}, "signals": signals(logit, support)},
        )
        evidence_decide(evidence_id=evidence.pk, reviewer=reviewer, decision="confirmed" if right else "rejected")


def signals(logit: float, support: bool) -> dict[str, float]:
    """A suggestion's stored signals; with ``support``, as a scorer with a support head stores them."""
    return {"pair_logit": logit, "cosine": 0.7, **({"support_logit": 0.8 * logit - 0.2} if support else {})}


def test_with_too_few_decisions_the_shipped_calibration_stays(seed_corpus: object, reviewer: User) -> None:
    suggest_and_decide(reviewer, 10)

    outcome = calibration_fit_from_reviews()

    assert outcome.calibration is None
    assert outcome.reason.startswith("10 decided suggestions (5 confirmed, 5 rejected)")
    assert calibration_current() == calibration.shipped()


def test_without_a_calibration_of_its_own_an_installation_decides_suggestions_by_the_support_head() -> None:
    links, support = calibrations_current()

    assert links == calibration.shipped()
    assert support == calibration.shipped_support()
    assert support is not None


def test_a_calibration_fitted_on_reviewers_decisions_decides_suggestions_itself(
    seed_corpus: object, reviewer: User
) -> None:
    suggest_and_decide(reviewer, 60)
    calibration_fit_from_reviews(minimum=50, minimum_each=20)

    links, support = calibrations_current()

    assert links is not None
    assert links.source == "reviewers' decisions on 60 suggestions"
    assert support is None


def test_enough_decisions_make_a_calibration_of_their_own_the_active_one(seed_corpus: object, reviewer: User) -> None:
    suggest_and_decide(reviewer, 60)

    outcome = calibration_fit_from_reviews(minimum=50, minimum_each=20)

    assert outcome.calibration is not None
    assert (outcome.decided, outcome.confirmed) == (60, 30)
    current = calibration_current()
    assert current is not None
    assert current.source == "reviewers' decisions on 60 suggestions"
    assert current.probability(calibration.feature_vector({"pair_logit": 3.0})) > current.probability(
        calibration.feature_vector({"pair_logit": -1.0})
    )
    assert outcome.calibration.validation["pairs"] == 60


def test_decisions_on_pairs_the_support_head_read_are_fitted_over_its_logit_too(
    seed_corpus: object, reviewer: User
) -> None:
    suggest_and_decide(reviewer, 60, support=True)

    outcome = calibration_fit_from_reviews(minimum=50, minimum_each=20)

    assert outcome.calibration is not None
    current = calibration_current()
    assert current is not None
    assert current.features == (*calibration.FEATURES, "support_logit")


def test_a_second_recalibration_replaces_the_first_and_keeps_it_on_record(seed_corpus: object, reviewer: User) -> None:
    suggest_and_decide(reviewer, 60)
    first = calibration_fit_from_reviews(minimum=50, minimum_each=20).calibration
    suggest_and_decide(reviewer, 20, start=60)

    second = calibration_fit_from_reviews(minimum=50, minimum_each=20).calibration

    assert first is not None
    assert second is not None
    assert list(ScorerCalibration.objects.filter(active=True)) == [second]
    assert ScorerCalibration.objects.count() == 2


def test_a_pair_counts_once_and_a_rejection_of_either_row_makes_it_wrong(seed_corpus: object, reviewer: User) -> None:
    suggest_and_decide(reviewer, 2)
    first = Evidence.objects.filter(details__pair__b=10_000).get()
    assert first is not None
    other_claim = Claim.objects.exclude(article=first.claim.article).order_by("id").first()
    assert other_claim is not None
    twin = Evidence.objects.create(
        claim=other_claim,
        sentence=first.claim.spans.first().sentence,  # type: ignore[union-attr]
        start=0,
        end=5,
        stance=Stance.SUPPORTS,
        method=EvidenceMethod.SEMANTIC,
        score=0.5,
        details=first.details,
    )
    evidence_decide(evidence_id=twin.pk, reviewer=reviewer, decision="rejected")

    pairs = calibration_decided_pairs()

    assert len(pairs) == 2
    assert sorted(right for _, right in pairs) == [False, False]


def test_the_command_says_why_it_did_not_recalibrate(seed_corpus: object, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("calibrate_scorer")

    assert "not recalibrated: 0 decided suggestions" in capsys.readouterr().out
