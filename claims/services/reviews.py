"""Reviewers' decisions: verdicts, evidence confirmations and rejections, evidence linked by hand."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    Rating,
    Review,
    Stance,
    Verdict,
)
from claims.roles import can_review
from claims.selectors.hand_links import w3c_selectors
from claims.services import webhook_outbox
from sources.models import Sentence


class StaleVersion(Exception):
    """The claim changed since the caller read it; the message says what changed."""

    def __init__(self, claim: Claim, latest: Review | None, decision: EvidenceDecision | None = None) -> None:
        self.claim = claim
        self.latest = latest
        # An evidence decision also bumps the version; name whoever changed the claim last.
        if decision is not None and (latest is None or decision.created_at > latest.created_at):
            who = f" by {decision.reviewer} ({decision.get_decision_display().lower()} an evidence link)"
        elif latest is not None:
            who = f" by {latest.reviewer} ({latest.get_verdict_display().lower()})"
        else:
            who = ""
        super().__init__(f"This claim was changed{who} after you opened it; reload to see the current state.")


def _check_writable(claim: Claim, expected_version: int | None) -> None:
    """Refuse a write on a hidden claim, or one based on a version the caller did not see last."""
    if claim.deleted_at is not None:
        raise ValidationError({"claim": "This claim is deleted (or was split); restore it or use its parts."})
    if expected_version is not None and claim.version != expected_version:
        raise StaleVersion(
            claim,
            claim.reviews.order_by("-created_at", "-id").select_related("reviewer").first(),
            EvidenceDecision.objects.filter(evidence__claim=claim)
            .order_by("-created_at", "-id")
            .select_related("reviewer")
            .first(),
        )


@transaction.atomic
def review_record(
    *,
    claim_id: int,
    reviewer: User,
    rationale: str,
    verdict: str = "",
    rating: str = "",
    expected_version: int | None = None,
) -> Review:
    """Append a verdict and make it the claim's status.

    ``rating`` is the slug of an active rating of the newsroom's scale; its summary is the verdict
    (a ``verdict`` given beside it must agree). A verdict alone, as before the scale, records no rating.
    With ``expected_version`` the write succeeds only if nobody changed the claim
    since the caller read it; otherwise ``StaleVersion`` says who did.
    """
    if not can_review(reviewer):
        raise PermissionDenied("Only reviewers can record verdicts.")
    chosen = _rating(rating, verdict) if rating else None
    verdict = chosen.summary if chosen is not None else verdict
    # Unproven says neither way; only a rating of the scale can say it.
    if verdict not in (Verdict.CORROBORATED, Verdict.CONTESTED) and chosen is None:
        raise ValidationError({"verdict": "Choose a rating (or a verdict: corroborated or contested)."})
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": "A rationale is required: say why."})
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    _check_writable(claim, expected_version)
    review = Review.objects.create(claim=claim, reviewer=reviewer, verdict=verdict, rating=chosen, rationale=rationale)
    Claim.objects.filter(pk=claim.pk).update(status=verdict, version=F("version") + 1)
    webhook_outbox.webhook_review_recorded(review=review, claim_version=claim.version + 1)
    _carry_to_group(review)
    return review


def _rating(slug: str, verdict: str) -> Rating:
    """The active rating with this slug; a verdict given beside it must be the rating's summary."""
    chosen = Rating.objects.filter(slug=slug, active=True).first()
    if chosen is None:
        offered = ", ".join(Rating.objects.filter(active=True).values_list("slug", flat=True))
        raise ValidationError({"rating": f"Unknown rating {slug!r}; choose one of: {offered}."})
    if verdict and verdict != chosen.summary:
        raise ValidationError(
            {"verdict": f"The rating {chosen.label!r} is {chosen.summary}, not {verdict}; send one or make them agree."}
        )
    return chosen


def _carry_to_group(review: Review) -> list[Review]:
    """A verdict on a group's canonical claim is the group's: members without a verdict of their own take it.

    Each carried verdict is a review row of its own (``via_group`` set, the reviewer and rationale
    of the group's verdict), so every member's history says where its status came from.
    """
    group = DuplicateGroup.objects.filter(canonical_id=review.claim_id).first()
    if group is None:
        return []
    own = Review.objects.filter(claim_id=OuterRef("pk"), via_group__isnull=True)
    members = list(
        Claim.objects.select_for_update()
        .filter(group_member__group=group, deleted_at__isnull=True)
        .exclude(pk=review.claim_id)
        .exclude(Exists(own))
        .order_by("pk")
    )
    rationale = f"Verdict of duplicate group {group.pk} (canonical claim {review.claim_id}): {review.rationale}"
    carried = []
    for member in members:
        row = Review.objects.create(
            claim=member,
            reviewer=review.reviewer,
            verdict=review.verdict,
            rating=review.rating,
            rationale=rationale,
            via_group=group,
        )
        Claim.objects.filter(pk=member.pk).update(status=review.verdict, version=F("version") + 1)
        webhook_outbox.webhook_review_recorded(review=row, claim_version=member.version + 1)
        carried.append(row)
    return carried


@transaction.atomic
def evidence_decide(
    *, evidence_id: int, reviewer: User, decision: str, note: str = "", expected_version: int | None = None
) -> EvidenceDecision:
    """Confirm or reject an evidence link; the link itself is kept either way.

    ``expected_version`` is the claim's version the reviewer saw: a colleague's decision
    in between raises ``StaleVersion`` instead of being silently reversed.
    """
    if not can_review(reviewer):
        raise PermissionDenied("Only reviewers can confirm or reject evidence.")
    if decision not in (EvidenceDecisionChoice.CONFIRMED, EvidenceDecisionChoice.REJECTED):
        raise ValidationError({"decision": "Choose confirmed or rejected."})
    evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
    if evidence.method == EvidenceMethod.ORIGIN and decision == EvidenceDecisionChoice.REJECTED:
        # A stray key once rejected a claim's own source, which then read "0 outlets support it".
        raise ValidationError({"decision": ORIGIN_NOT_REJECTABLE})
    _check_writable(Claim.objects.select_for_update().get(pk=evidence.claim_id), expected_version)
    record = EvidenceDecision.objects.create(evidence=evidence, decision=decision, reviewer=reviewer, note=note.strip())
    Evidence.objects.filter(pk=evidence.pk).update(decision=decision)
    Claim.objects.filter(pk=evidence.claim_id).update(version=F("version") + 1)
    return record


ORIGIN_NOT_REJECTABLE = (
    "This is the sentence the claim was extracted from, not evidence to weigh; "
    "edit or delete the claim if it misreads its source."
)

MAX_DECIDED_AT_ONCE = 200


@transaction.atomic
def evidence_decide_many(
    *,
    claim_id: int,
    evidence_ids: list[int],
    reviewer: User,
    decision: str,
    note: str,
    expected_version: int | None,
) -> list[EvidenceDecision]:
    """Confirm or reject several links of one claim with one rationale: all of them, or none.

    ``expected_version`` is the claim's version the reviewer saw; any change since (a colleague's
    decision or verdict) raises ``StaleVersion`` and nothing is written. Each link gets its own
    append-only decision, as if decided one by one.
    """
    if not can_review(reviewer):
        raise PermissionDenied("Only reviewers can confirm or reject evidence.")
    if decision not in (EvidenceDecisionChoice.CONFIRMED, EvidenceDecisionChoice.REJECTED):
        raise ValidationError({"decision": "Choose confirmed or rejected."})
    ids = list(dict.fromkeys(evidence_ids))
    if not ids:
        raise ValidationError({"evidence": "Select at least one link to decide."})
    if len(ids) > MAX_DECIDED_AT_ONCE:
        raise ValidationError({"evidence": f"Decide at most {MAX_DECIDED_AT_ONCE} links at once."})
    if not note.strip():
        raise ValidationError({"note": "A rationale is required: say why."})
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    _check_writable(claim, expected_version)
    links = {e.pk: e for e in Evidence.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    foreign = [pk for pk in ids if pk not in links or links[pk].claim_id != claim.pk]
    if foreign:
        raise ValidationError({"evidence": f"Not evidence of claim {claim.pk}: {', '.join(map(str, foreign))}."})
    if decision == EvidenceDecisionChoice.REJECTED and any(links[pk].method == EvidenceMethod.ORIGIN for pk in ids):
        raise ValidationError({"evidence": ORIGIN_NOT_REJECTABLE})
    # The claim is locked and its version checked: each decision then bumps the version it leaves.
    return [
        evidence_decide(
            evidence_id=pk, reviewer=reviewer, decision=decision, note=note, expected_version=claim.version + n
        )
        for n, pk in enumerate(ids)
    ]


@transaction.atomic
def evidence_add_manual(
    *, claim_id: int, sentence_id: int, start: int, end: int, stance: str, user: User, note: str = ""
) -> Evidence:
    """A reviewer links a span of a sentence to a claim as evidence, confirmed by them at once."""
    if not can_review(user):
        raise PermissionDenied("Only reviewers can add evidence.")
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Choose one of: {', '.join(Stance.values)}."})
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    _check_writable(claim, None)
    sentence = Sentence.objects.select_related("article").get(pk=sentence_id)
    if not sentence.start <= start < end <= sentence.end:
        raise ValidationError({"span": f"The span must lie within the sentence ({sentence.start}-{sentence.end})."})
    if Evidence.objects.filter(claim=claim, sentence=sentence, start=start, end=end).exists():
        raise ValidationError({"span": "This span is already linked to the claim."})
    evidence = Evidence.objects.create(
        claim=claim,
        sentence=sentence,
        start=start,
        end=end,
        stance=stance,
        method=EvidenceMethod.MANUAL,
        score=1.0,
        decision=EvidenceDecisionChoice.CONFIRMED,
        # The W3C selectors as linked, so the annotation still anchors if the article is ever re-read.
        details={
            "reason": "linked by a reviewer",
            "user": user.username,
            "selector": w3c_selectors(sentence.article.body, start, end),
        },
    )
    EvidenceDecision.objects.create(
        evidence=evidence, decision=EvidenceDecisionChoice.CONFIRMED, reviewer=user, note=note.strip()
    )
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    return evidence
