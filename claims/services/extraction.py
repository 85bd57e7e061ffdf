"""Store an article's drafted claims: sentence assessments, claims, spans, entities, origin evidence."""

from __future__ import annotations

from django.db import transaction

from claims.extraction import drafting, worthiness
from claims.models import (
    Claim,
    ClaimEntity,
    ClaimOrigin,
    ClaimSpan,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    SentenceAssessment,
    Stance,
)
from sources.models import Article, Sentence


def _assessments(sentences: list[Sentence], results: list[drafting.SentenceResult]) -> list[SentenceAssessment]:
    return [
        SentenceAssessment(
            sentence=sentence,
            worthy=result.worthiness.worthy,
            score=result.worthiness.score,
            reason=result.worthiness.reason,
            extractor=drafting.EXTRACTOR,
        )
        for sentence, result in zip(sentences, results, strict=True)
    ]


def _extracted_claim(article: Article, key: str, draft: drafting.ClaimDraft, worthiness: float) -> Claim:
    return Claim(
        article=article,
        text=draft.text,
        origin=ClaimOrigin.EXTRACTED,
        kind=draft.kind,
        attribution=draft.attribution,
        quantities=draft.quantities,
        dates=draft.dates,
        entities=draft.entities,
        extractor=drafting.EXTRACTOR,
        key=key,
        worthiness=worthiness,
    )


@transaction.atomic
def claims_extract_for_article(*, article: Article) -> int:
    """Assess every sentence and upsert its atomic claims with spans, entities and origin evidence.

    Safe to re-run: claims are upserted on their natural key and their wording is never
    rewritten, so a reviewer's edit, split or deletion survives re-extraction. What the
    extractor reads beside the wording (attribution, figures, dates, names) is refreshed on
    claims no reviewer has edited: re-extracting is how stored claims get a better reading.
    """
    sentences = list(Sentence.objects.filter(article=article).order_by("position"))
    inputs = [drafting.SentenceInput(s.text, s.kind, s.paragraph) for s in sentences]
    results = drafting.draft_article(inputs, article.publication.anchor)
    SentenceAssessment.objects.bulk_create(
        _assessments(sentences, results),
        update_conflicts=True,
        unique_fields=["sentence"],
        update_fields=["worthy", "score", "reason", "extractor"],
    )
    keyed: dict[str, tuple[Sentence, drafting.ClaimDraft, float]] = {}
    for sentence, result in zip(sentences, results, strict=True):
        for draft in result.claims:
            start = sentence.start + min(a for a, _ in draft.spans)
            end = sentence.start + max(b for _, b in draft.spans)
            key = worthiness.claim_key(sentence.pk, start, end, draft.text, drafting.EXTRACTOR)
            keyed[key] = (sentence, draft, result.worthiness.score)
    Claim.objects.bulk_create(
        [_extracted_claim(article, key, d, score) for key, (_, d, score) in keyed.items()], ignore_conflicts=True
    )
    claims = {c.key: c for c in Claim.objects.filter(key__in=keyed)}
    _refresh_facts(claims, {key: draft for key, (_, draft, _) in keyed.items()})
    spans: list[ClaimSpan] = []
    evidence: list[Evidence] = []
    entities: list[ClaimEntity] = []
    for key, (sentence, draft, _) in keyed.items():
        claim = claims[key]
        spans.extend(
            ClaimSpan(claim=claim, sentence=sentence, start=sentence.start + a, end=sentence.start + b)
            for a, b in draft.spans
        )
        # The origin link runs from the first to the last of the claim's spans.
        start = sentence.start + min(a for a, _ in draft.spans)
        end = sentence.start + max(b for _, b in draft.spans)
        reason = "the sentence the claim was extracted from"
        evidence.append(origin_evidence(claim=claim, sentence=sentence, start=start, end=end, reason=reason))
        names = {e["key"]: e["name"] for e in draft.entities if e.get("key")}
        entities.extend(ClaimEntity(claim=claim, key=k[:200], name=n[:300]) for k, n in names.items())
    ClaimSpan.objects.bulk_create(spans, ignore_conflicts=True)
    Evidence.objects.bulk_create(evidence, ignore_conflicts=True)
    # A name read anew ("Al-Aqsa", once "Al - Aqsa") replaces the stored spelling under its key.
    ClaimEntity.objects.bulk_create(
        entities, update_conflicts=True, unique_fields=["claim", "key"], update_fields=["name"]
    )
    return len(keyed)


FACT_FIELDS = ("attribution", "quantities", "dates", "entities")


def _refresh_facts(claims: dict[str, Claim], drafts: dict[str, drafting.ClaimDraft]) -> None:
    """Store the new reading of unedited extracted claims whose attribution, figures, dates or names changed."""
    changed = []
    for key, claim in claims.items():
        draft = drafts[key]
        if claim.edited_at is not None or claim.origin != ClaimOrigin.EXTRACTED:
            continue  # a reviewer's wording keeps the facts read from it
        if all(getattr(claim, name) == getattr(draft, name) for name in FACT_FIELDS):
            continue
        for name in FACT_FIELDS:
            setattr(claim, name, getattr(draft, name))
        changed.append(claim)
    Claim.objects.bulk_update(changed, FACT_FIELDS)
    # Names the new reading no longer finds stop leading search and matching to the claim.
    for claim in changed:
        ClaimEntity.objects.filter(claim=claim).exclude(
            key__in=[str(e.get("key"))[:200] for e in claim.entities]
        ).delete()


def origin_evidence(*, claim: Claim, sentence: Sentence, start: int, end: int, reason: str) -> Evidence:
    """The sentence a claim came from supports it, confirmed from the start (an unsaved row)."""
    return Evidence(
        claim=claim,
        sentence=sentence,
        start=start,
        end=end,
        stance=Stance.SUPPORTS,
        method=EvidenceMethod.ORIGIN,
        score=1.0,
        decision=EvidenceDecisionChoice.CONFIRMED,
        details={"reason": reason},
    )
