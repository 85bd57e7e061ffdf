"""Reviewers' edits of claims: add, reword, split, delete and restore, each an append-only revision."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims.extraction import drafting, worthiness
from claims.models import (
    Claim,
    ClaimEntity,
    ClaimKind,
    ClaimOrigin,
    ClaimRevision,
    ClaimSpan,
    ClaimStatus,
    Evidence,
    EvidenceMethod,
    RevisionAction,
)
from claims.roles import can_review
from claims.services import extraction as extraction_services
from claims.services import reviews as review_services
from sources.models import Article, Sentence

MAX_CLAIM_CHARS = 2000


MAX_SPLIT_PARTS = 20


def _claim_for_edit(claim_id: int, user: User, expected_version: int | None) -> Claim:
    if not can_review(user):
        raise PermissionDenied("Only reviewers can add, edit, split or delete claims.")
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if expected_version is not None and claim.version != expected_version:
        raise review_services.StaleVersion(
            claim, claim.reviews.order_by("-created_at", "-id").select_related("reviewer").first()
        )
    return claim


def _clean_claim_text(text: str) -> str:
    cleaned = worthiness.normalise_claim_text(text)
    if not cleaned:
        raise ValidationError({"text": "A claim needs wording."})
    if len(cleaned) > MAX_CLAIM_CHARS:
        raise ValidationError(
            {"text": f"A claim is at most {MAX_CLAIM_CHARS:,} characters; this one has {len(cleaned):,}."}
        )
    return cleaned


def _copy_provenance(source: Claim, target: Claim) -> None:
    """A claim made from another keeps where it came from: its spans and its origin evidence."""
    ClaimSpan.objects.bulk_create(
        [ClaimSpan(claim=target, sentence_id=s.sentence_id, start=s.start, end=s.end) for s in source.spans.all()],
        ignore_conflicts=True,
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                claim=target,
                sentence_id=e.sentence_id,
                start=e.start,
                end=e.end,
                stance=e.stance,
                method=e.method,
                score=e.score,
                decision=e.decision,
                details={**e.details, "copied_from_claim": source.pk},
            )
            for e in source.evidence.filter(method=EvidenceMethod.ORIGIN)
        ],
        ignore_conflicts=True,
    )


def _facts(wording: str, article: Article, known_entities: list[Any]) -> drafting.Facts:
    return drafting.facts_of_wording(wording, article.publication.anchor, known_entities)


def _store_entities(claim: Claim, facts: drafting.Facts) -> None:
    """The claim's name rows follow its wording: search and the entity keys read them."""
    ClaimEntity.objects.filter(claim=claim).exclude(key__in=[e["key"] for e in facts.entities]).delete()
    ClaimEntity.objects.bulk_create(
        [ClaimEntity(claim=claim, key=str(e["key"])[:200], name=str(e["name"])[:300]) for e in facts.entities],
        ignore_conflicts=True,
    )


def _reviewer_claim(
    *, article_id: int, wording: str, facts: drafting.Facts, origin: str, user: User, **extra: Any
) -> Claim:
    """A claim in a reviewer's words (added or split off): extraction never rewrites it (its key is its own)."""
    return Claim.objects.create(
        article_id=article_id,
        text=wording,
        quantities=facts.quantities,
        dates=facts.dates,
        entities=facts.entities,
        origin=origin,
        kind=ClaimKind.MANUAL,
        extractor="manual",
        key=f"{origin}:{uuid.uuid4().hex}",
        created_by=user,
        **{"worthiness": 1.0, **extra},
    )


@transaction.atomic
def claim_add(*, sentence_id: int, text: str, user: User, start: int | None = None, end: int | None = None) -> Claim:
    """A reviewer's own claim on a sentence span (the whole sentence unless a span is given)."""
    if not can_review(user):
        raise PermissionDenied("Only reviewers can add claims.")
    sentence = Sentence.objects.select_related("article").get(pk=sentence_id)
    start = sentence.start if start is None else start
    end = sentence.end if end is None else end
    if not sentence.start <= start < end <= sentence.end:
        raise ValidationError({"span": f"The span must lie within the sentence ({sentence.start}-{sentence.end})."})
    wording = _clean_claim_text(text)
    neighbours = Claim.objects.filter(spans__sentence=sentence).values_list("entities", flat=True)
    facts = _facts(wording, sentence.article, [e for entities in neighbours for e in entities])
    claim = _reviewer_claim(
        article_id=sentence.article_id, wording=wording, facts=facts, origin=ClaimOrigin.MANUAL, user=user
    )
    ClaimSpan.objects.create(claim=claim, sentence=sentence, start=start, end=end)
    _store_entities(claim, facts)
    reason = "the span the reviewer took the claim from"
    extraction_services.origin_evidence(claim=claim, sentence=sentence, start=start, end=end, reason=reason).save()
    ClaimRevision.objects.create(claim=claim, action=RevisionAction.CREATED, text_after=wording, user=user)
    return claim


@transaction.atomic
def claim_edit(*, claim_id: int, text: str, user: User, expected_version: int | None = None, note: str = "") -> Claim:
    """Reword a claim; it keeps its spans, evidence and reviews, and extraction never rewrites it."""
    claim = _claim_for_edit(claim_id, user, expected_version)
    wording = _clean_claim_text(text)
    if wording == claim.text:
        return claim
    ClaimRevision.objects.create(
        claim=claim, action=RevisionAction.EDITED, text_before=claim.text, text_after=wording, note=note, user=user
    )
    now = timezone.now()
    facts = _facts(wording, claim.article, claim.entities)
    # A verdict was given on the old wording: the new one goes back to the queue (the verdict stays in history).
    Claim.objects.filter(pk=claim.pk).update(
        text=wording,
        quantities=facts.quantities,
        dates=facts.dates,
        entities=facts.entities,
        edited_by=user,
        edited_at=now,
        status=ClaimStatus.UNREVIEWED,
        version=F("version") + 1,
    )
    _store_entities(claim, facts)
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_split(*, claim_id: int, texts: list[str], user: User, expected_version: int | None = None) -> list[Claim]:
    """Replace a claim by two or more narrower ones that keep its spans; the original stays, hidden."""
    claim = _claim_for_edit(claim_id, user, expected_version)
    if claim.deleted_at is not None:
        raise ValidationError({"claim": "This claim is deleted; restore it before splitting."})
    if len([t for t in texts if t.strip()]) > MAX_SPLIT_PARTS:
        raise ValidationError({"texts": f"Split into at most {MAX_SPLIT_PARTS} claims at once."})
    wordings = [_clean_claim_text(t) for t in texts if worthiness.normalise_claim_text(t)]
    if len(wordings) < 2:
        raise ValidationError({"texts": "Give at least two claims to split into."})
    parts = []
    for wording in wordings:
        facts = _facts(wording, claim.article, claim.entities)
        part = _reviewer_claim(
            article_id=claim.article_id,
            wording=wording,
            facts=facts,
            origin=ClaimOrigin.SPLIT,
            user=user,
            attribution=claim.attribution,
            worthiness=claim.worthiness,
            split_from=claim,
        )
        _copy_provenance(claim, part)
        _store_entities(part, facts)
        ClaimRevision.objects.create(
            claim=part,
            action=RevisionAction.CREATED,
            text_after=wording,
            note=f"split from claim {claim.pk}",
            user=user,
        )
        parts.append(part)
    ClaimRevision.objects.create(
        claim=claim,
        action=RevisionAction.SPLIT,
        text_before=claim.text,
        note="split into claims " + ", ".join(str(p.pk) for p in parts),
        user=user,
    )
    Claim.objects.filter(pk=claim.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    return parts


@transaction.atomic
def claim_delete(*, claim_id: int, user: User, reason: str, expected_version: int | None = None) -> Claim:
    """Hide a claim from lists and the queue. Its reviews and evidence stay, and it can be restored."""
    claim = _claim_for_edit(claim_id, user, expected_version)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the claim should go."})
    if claim.deleted_at is None:
        ClaimRevision.objects.create(
            claim=claim, action=RevisionAction.DELETED, text_before=claim.text, note=reason.strip(), user=user
        )
        Claim.objects.filter(pk=claim.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_restore(*, claim_id: int, user: User) -> Claim:
    claim = _claim_for_edit(claim_id, user, None)
    if claim.deleted_at is not None:
        ClaimRevision.objects.create(claim=claim, action=RevisionAction.RESTORED, text_after=claim.text, user=user)
        Claim.objects.filter(pk=claim.pk).update(deleted_at=None, version=F("version") + 1)
    claim.refresh_from_db()
    return claim
