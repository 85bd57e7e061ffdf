"""Link by hand, decide in bulk: evidence from a reader selection, and several links decided at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import (
    Claim,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    Stance,
)
from claims.selectors.corroboration import claim_corroboration
from claims.services.hand_links import evidence_link_selection
from claims.services.reviews import ORIGIN_NOT_REJECTABLE, StaleVersion, evidence_decide, evidence_decide_many
from sources.models import Article, Sentence, SentenceKind
from tests.claims.helpers import suggestions

pytestmark = pytest.mark.django_db

HAMAS = "Hamas refused to send a delegation"


def hamas() -> Claim:
    return Claim.objects.get(text__contains=HAMAS)


def other_body_sentences(claim: Claim, count: int) -> list[Sentence]:
    """``count`` consecutive body sentences of one article other than the claim's."""
    for article in Article.objects.exclude(pk=claim.article_id).order_by("id"):
        body = list(article.sentences.filter(kind=SentenceKind.BODY).order_by("position"))
        for n in range(len(body) - count + 1):
            run = body[n : n + count]
            if run[-1].position - run[0].position == count - 1:
                return run
    raise AssertionError("the seed corpus has no such article")


# --- link by hand -----------------------------------------------------------------------------


def test_a_selection_in_one_sentence_is_a_confirmed_hand_link_with_its_w3c_selectors(
    seed_corpus: object, reviewer: User
) -> None:
    claim = hamas()
    (sentence,) = other_body_sentences(claim, 1)
    body = sentence.article.body
    # The reviewer's selection starts and ends on blanks: the link holds the words alone.
    start, end = sentence.start + 4, sentence.start + 30
    before = claim_corroboration(claim=claim)
    version = claim.version

    (link,) = evidence_link_selection(
        claim_id=claim.pk,
        article_id=sentence.article_id,
        start=start,
        end=end,
        stance=Stance.SUPPORTS,
        user=reviewer,
        note="Says the same refusal.",
    )

    exact = body[start:end].strip()
    assert body[link.start : link.end] == exact
    assert (link.method, link.decision, link.stance, link.sentence_id) == (
        EvidenceMethod.MANUAL,
        EvidenceDecisionChoice.CONFIRMED,
        Stance.SUPPORTS,
        sentence.pk,
    )
    quote, position = link.details["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": exact,
        "prefix": body[max(0, link.start - 32) : link.start],
        "suffix": body[link.end : link.end + 32],
    }
    assert position == {"type": "TextPositionSelector", "start": link.start, "end": link.end}
    record = EvidenceDecision.objects.get(evidence=link)
    assert (record.reviewer, record.note) == (reviewer, "Says the same refusal.")
    assert Claim.objects.get(pk=claim.pk).version == version + 1
    # Confirmed by a reviewer, so it counts: the other article's outlet now supports the claim.
    after = claim_corroboration(claim=claim)
    assert link.pk in {r.evidence_id for r in after.reports}
    assert after.supporting_outlets >= before.supporting_outlets


def test_a_selection_across_sentences_becomes_one_link_per_sentence_each_clipped_to_it(
    seed_corpus: object, reviewer: User
) -> None:
    claim = hamas()
    first, second = other_body_sentences(claim, 2)
    start, end = first.end - 12, second.start + 15

    links = evidence_link_selection(
        claim_id=claim.pk,
        article_id=first.article_id,
        start=start,
        end=end,
        stance=Stance.CONTRADICTS,
        user=reviewer,
        note="Both halves deny it.",
    )

    body = first.article.body
    assert [(e.sentence_id, body[e.start : e.end]) for e in links] == [
        (first.pk, body[start : first.end].strip()),
        (second.pk, body[second.start : end].strip()),
    ]
    assert {e.stance for e in links} == {Stance.CONTRADICTS}


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("beyond", "within the article"),
        ("blank", "holds no text"),
        ("too_long", "select at most 5"),
    ],
)
def test_a_selection_that_is_no_evidence_is_refused_and_nothing_is_written(
    seed_corpus: object, reviewer: User, where: str, message: str
) -> None:
    claim = hamas()
    sentences = other_body_sentences(claim, 6)
    article = sentences[0].article
    spans = {
        "beyond": (len(article.body) - 5, len(article.body) + 10),
        # The blank between two sentences belongs to neither.
        "blank": (sentences[0].end, sentences[1].start),
        "too_long": (sentences[0].start, sentences[5].end),
    }
    start, end = spans[where]
    assert start < end
    count = Evidence.objects.count()

    with pytest.raises(ValidationError, match=message):
        evidence_link_selection(
            claim_id=claim.pk, article_id=article.pk, start=start, end=end, stance="supports", user=reviewer, note="x"
        )

    assert Evidence.objects.count() == count


def test_a_hand_link_needs_a_rationale_and_a_reviewer(seed_corpus: object, reviewer: User, viewer: User) -> None:
    claim = hamas()
    (sentence,) = other_body_sentences(claim, 1)
    span = {"claim_id": claim.pk, "article_id": sentence.article_id, "start": sentence.start, "end": sentence.end}

    with pytest.raises(ValidationError, match="rationale is required"):
        evidence_link_selection(**span, stance="supports", user=reviewer, note="  ")
    with pytest.raises(PermissionDenied):
        evidence_link_selection(**span, stance="supports", user=viewer, note="Same.")
    assert not Evidence.objects.filter(claim=claim, sentence=sentence, method=EvidenceMethod.MANUAL).exists()


def test_linking_several_sentences_is_all_or_nothing(seed_corpus: object, reviewer: User) -> None:
    claim = hamas()
    first, second = other_body_sentences(claim, 2)
    evidence_link_selection(
        claim_id=claim.pk,
        article_id=second.article_id,
        start=second.start,
        end=second.end,
        stance="supports",
        user=reviewer,
        note="Same.",
    )
    count = Evidence.objects.count()

    with pytest.raises(ValidationError, match="already linked"):
        evidence_link_selection(
            claim_id=claim.pk,
            article_id=first.article_id,
            start=first.start,
            end=second.end,
            stance="supports",
            user=reviewer,
            note="Both.",
        )

    assert Evidence.objects.count() == count  # the first sentence's link was not kept either


# --- decide in bulk ---------------------------------------------------------------------------


def test_several_suggestions_are_confirmed_with_one_rationale_each_with_its_own_decision(
    seed_corpus: object, reviewer: User
) -> None:
    claim = hamas()
    links = suggestions(claim, 3)
    version = Claim.objects.get(pk=claim.pk).version

    records = evidence_decide_many(
        claim_id=claim.pk,
        evidence_ids=[e.pk for e in links],
        reviewer=reviewer,
        decision="confirmed",
        note=" All three report the refusal. ",
        expected_version=version,
    )

    assert [(r.evidence_id, r.decision, r.note) for r in records] == [
        (e.pk, EvidenceDecisionChoice.CONFIRMED, "All three report the refusal.") for e in links
    ]
    assert set(Evidence.objects.filter(pk__in=[e.pk for e in links]).values_list("decision", flat=True)) == {
        EvidenceDecisionChoice.CONFIRMED
    }
    assert Claim.objects.get(pk=claim.pk).version == version + 3


def test_a_colleagues_decision_in_between_refuses_the_whole_batch(
    seed_corpus: object, reviewer: User, second_reviewer: User
) -> None:
    claim = hamas()
    links = suggestions(claim, 3)
    seen = Claim.objects.get(pk=claim.pk).version
    evidence_decide(evidence_id=links[0].pk, reviewer=second_reviewer, decision="rejected", note="Off topic.")

    with pytest.raises(StaleVersion, match=f"by {second_reviewer.username}"):
        evidence_decide_many(
            claim_id=claim.pk,
            evidence_ids=[e.pk for e in links],
            reviewer=reviewer,
            decision="confirmed",
            note="All report it.",
            expected_version=seen,
        )

    assert list(
        Evidence.objects.filter(pk__in=[e.pk for e in links]).order_by("pk").values_list("decision", flat=True)
    ) == [
        EvidenceDecisionChoice.REJECTED,
        EvidenceDecisionChoice.PENDING,
        EvidenceDecisionChoice.PENDING,
    ]
    assert not EvidenceDecision.objects.filter(reviewer=reviewer).exists()


def test_a_batch_that_rejects_the_claims_own_source_or_names_another_claims_link_is_refused(
    seed_corpus: object, reviewer: User
) -> None:
    claim = hamas()
    (link,) = suggestions(claim, 1)
    origin = Evidence.objects.get(claim=claim, method=EvidenceMethod.ORIGIN)
    elsewhere = Evidence.objects.exclude(claim=claim).order_by("id").first()
    assert elsewhere is not None
    version = Claim.objects.get(pk=claim.pk).version

    def reject(ids: list[int]) -> None:
        evidence_decide_many(
            claim_id=claim.pk,
            evidence_ids=ids,
            reviewer=reviewer,
            decision="rejected",
            note="No.",
            expected_version=version,
        )

    with pytest.raises(ValidationError) as refused:
        reject([link.pk, origin.pk])
    assert refused.value.message_dict["evidence"] == [ORIGIN_NOT_REJECTABLE]
    with pytest.raises(ValidationError, match=f"Not evidence of claim {claim.pk}: {elsewhere.pk}"):
        reject([link.pk, elsewhere.pk])
    with pytest.raises(ValidationError, match="at least one"):
        reject([])
    assert Evidence.objects.get(pk=link.pk).decision == EvidenceDecisionChoice.PENDING
    assert Claim.objects.get(pk=claim.pk).version == version
