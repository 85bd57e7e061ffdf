"""Writes for claims, evidence, reviews and jobs. Views, commands and tasks call these."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims import api_services, drafting, extraction
from claims.models import (
    Claim,
    ClaimEntity,
    ClaimKind,
    ClaimOrigin,
    ClaimRevision,
    ClaimSpan,
    ClaimStatus,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    ItemState,
    Job,
    JobItem,
    JobKind,
    JobState,
    Review,
    RevisionAction,
    SentenceAssessment,
    Stance,
    Verdict,
)
from claims.roles import can_review
from sources.models import Article, Sentence, Story
from sources.services import IngestState, article_ingest
from sources.text.reading import ArticleDocument, InvalidDocument, ReadError, parse_published_at

logger = logging.getLogger(__name__)
MAX_ERRORS_IN_RESULT = 100
MAX_CLAIM_CHARS = 2000
MAX_SPLIT_PARTS = 20
MAX_JOB_ATTEMPTS = 20
# Failures that say nothing about the document: the work is retried, never marked failed.
RETRYABLE = (SoftTimeLimitExceeded, OperationalError, InterfaceError)


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


# --- claims -----------------------------------------------------------------


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

    Safe to re-run: claims are upserted on their natural key and existing rows are
    never updated, so a reviewer's edit, split or deletion survives re-extraction.
    """
    sentences = list(Sentence.objects.filter(article=article).order_by("position"))
    inputs = [drafting.SentenceInput(s.text, s.kind, s.paragraph) for s in sentences]
    results = drafting.draft_article(inputs, article.published_at)
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
            key = extraction.claim_key(sentence.pk, start, end, draft.text, drafting.EXTRACTOR)
            keyed[key] = (sentence, draft, result.worthiness.score)
    Claim.objects.bulk_create(
        [_extracted_claim(article, key, d, score) for key, (_, d, score) in keyed.items()], ignore_conflicts=True
    )
    claims = {c.key: c for c in Claim.objects.filter(key__in=keyed)}
    spans: list[ClaimSpan] = []
    evidence: list[Evidence] = []
    entities: list[ClaimEntity] = []
    for key, (sentence, draft, _) in keyed.items():
        claim = claims[key]
        spans.extend(
            ClaimSpan(claim=claim, sentence=sentence, start=sentence.start + a, end=sentence.start + b)
            for a, b in draft.spans
        )
        evidence.append(_origin_evidence(claim, sentence, draft))
        names = {e["key"]: e["name"] for e in draft.entities if e.get("key")}
        entities.extend(ClaimEntity(claim=claim, key=k[:200], name=n[:300]) for k, n in names.items())
    ClaimSpan.objects.bulk_create(spans, ignore_conflicts=True)
    Evidence.objects.bulk_create(evidence, ignore_conflicts=True)
    ClaimEntity.objects.bulk_create(entities, ignore_conflicts=True)
    return len(keyed)


def _origin_evidence(claim: Claim, sentence: Sentence, draft: drafting.ClaimDraft) -> Evidence:
    """The sentence a claim came from supports it; its span runs from the first to the last claim span."""
    start = sentence.start + min(a for a, _ in draft.spans)
    end = sentence.start + max(b for _, b in draft.spans)
    return Evidence(
        claim=claim,
        sentence=sentence,
        start=start,
        end=end,
        stance=Stance.SUPPORTS,
        method=EvidenceMethod.ORIGIN,
        score=1.0,
        decision=EvidenceDecisionChoice.CONFIRMED,
        details={"reason": "the sentence the claim was extracted from"},
    )


# --- reviews and evidence decisions -------------------------------------------


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
    verdict: str,
    rationale: str,
    expected_version: int | None = None,
) -> Review:
    """Append a verdict and make it the claim's status.

    With ``expected_version`` the write succeeds only if nobody changed the claim
    since the caller read it; otherwise ``StaleVersion`` says who did.
    """
    if not can_review(reviewer):
        raise PermissionDenied("Only reviewers can record verdicts.")
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": f"Choose one of: {', '.join(Verdict.values)}."})
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": "A rationale is required: say why."})
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    _check_writable(claim, expected_version)
    review = Review.objects.create(claim=claim, reviewer=reviewer, verdict=verdict, rationale=rationale)
    Claim.objects.filter(pk=claim.pk).update(status=verdict, version=F("version") + 1)
    api_services.webhook_review_recorded(review=review, claim_version=claim.version + 1)
    return review


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
    _check_writable(Claim.objects.select_for_update().get(pk=evidence.claim_id), expected_version)
    record = EvidenceDecision.objects.create(evidence=evidence, decision=decision, reviewer=reviewer, note=note.strip())
    Evidence.objects.filter(pk=evidence.pk).update(decision=decision)
    Claim.objects.filter(pk=evidence.claim_id).update(version=F("version") + 1)
    return record


# --- jobs -------------------------------------------------------------------


def _document_from_payload(payload: dict[str, object]) -> ArticleDocument:
    published = payload.get("published_at")
    return ArticleDocument(
        source=str(payload.get("source", "")),
        body=str(payload.get("body", "")),
        is_html=bool(payload.get("is_html")),
        title=str(payload.get("title") or ""),
        outlet=str(payload.get("outlet") or ""),
        domain=str(payload.get("domain") or ""),
        url=str(payload.get("url") or ""),
        published_at=parse_published_at(published) if published else None,
        language=str(payload.get("language") or ""),
    )


@transaction.atomic
def job_create_ingest(
    *,
    documents: Iterable[ArticleDocument | ReadError],
    created_by: User | None = None,
    story: Story | None = None,
) -> Job:
    """Queue a batch for ingestion; unreadable inputs are recorded as failed items at once."""
    job = Job.objects.create(kind=JobKind.INGEST, created_by=created_by, story=story)
    items = []
    for position, doc in enumerate(documents):
        if isinstance(doc, ReadError):
            items.append(
                JobItem(job=job, position=position, source=doc.source, state=ItemState.FAILED, message=doc.message)
            )
        else:
            items.append(JobItem(job=job, position=position, source=doc.source, payload=doc.as_payload()))
    JobItem.objects.bulk_create(items, batch_size=500)
    failed = sum(1 for i in items if i.state == ItemState.FAILED)
    Job.objects.filter(pk=job.pk).update(total=len(items), done=failed)
    job.refresh_from_db()
    job_enqueue(job=job)
    return job


def job_enqueue(*, job: Job) -> None:
    """Send the job to a worker once the transaction that created it has committed."""
    from claims import tasks  # tasks import services; import here to keep the graph acyclic

    transaction.on_commit(lambda: tasks.run_job.delay(job.pk))


def _job_claim(job_id: int) -> bool:
    # A job that kills its worker every time would be redelivered for ever: stop it, with the reason.
    Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING], attempts__gte=MAX_JOB_ATTEMPTS).update(
        state=JobState.FAILED,
        error=f"gave up after {MAX_JOB_ATTEMPTS} deliveries; finished items are kept",
        finished_at=timezone.now(),
    )
    # The conditional update is the lock: a second delivery of a finished job does nothing.
    return (
        Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
            state=JobState.RUNNING,
            started_at=Coalesce(F("started_at"), timezone.now()),
            attempts=F("attempts") + 1,
        )
        == 1
    )


@transaction.atomic
def ingest_item_process(*, item_id: int) -> None:
    """Ingest one queued document and count it done, all in one transaction."""
    item = JobItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, state=ItemState.PENDING).first()
    if item is None:
        return
    story = item.job.story
    try:
        with transaction.atomic():
            outcome = article_ingest(document=_document_from_payload(item.payload), story=story)
            claims_extract_for_article(article=outcome.article)
    except InvalidDocument as exc:
        item.state, item.message = ItemState.FAILED, str(exc)
    except RETRYABLE:
        raise  # the item stays pending; the task is retried or re-queued and resumes here
    except Exception as exc:  # one broken document must not stop the batch
        logger.exception("ingesting %s failed", item.source)
        item.state, item.message = ItemState.FAILED, f"internal error while ingesting: {type(exc).__name__}"
    else:
        item.article = outcome.article
        if outcome.state == IngestState.CREATED:
            item.state, item.message = ItemState.CREATED, f"stored as article {outcome.article.pk}"
        else:
            item.state, item.message = (
                ItemState.DUPLICATE,
                f"same text as article {outcome.article.pk}; nothing changed",
            )
    item.save(update_fields=["state", "message", "article"])
    Job.objects.filter(pk=item.job_id).update(done=F("done") + 1)


@transaction.atomic
def job_finish(*, job_id: int) -> Job:
    job = Job.objects.select_for_update().get(pk=job_id)
    counts = dict(job.items.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    errors = list(
        job.items.filter(state=ItemState.FAILED).order_by("position").values("source", "message")[:MAX_ERRORS_IN_RESULT]
    )
    job.result = {
        "created": counts.get(ItemState.CREATED, 0),
        "duplicate": counts.get(ItemState.DUPLICATE, 0),
        "failed": counts.get(ItemState.FAILED, 0),
        "errors": errors,
    }
    job.state = JobState.SUCCEEDED
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "state", "done", "finished_at"])
    api_services.webhook_job_finished(job=job)
    if job.kind in (JobKind.INGEST, JobKind.EXTRACT):
        from claims import matching_services  # it imports this module

        # After commit, so a failing match job can never undo the ingest it follows.
        transaction.on_commit(lambda: matching_services.job_create_match_for_finished(job=job))
    return job


@transaction.atomic
def job_fail(*, job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).exclude(state=JobState.SUCCEEDED).update(
        state=JobState.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def job_run(*, job_id: int) -> None:
    """Run (or resume) a job. Items already finished are skipped, so a re-delivery is harmless."""
    if not _job_claim(job_id):
        logger.info("job %s is finished or gone; nothing to do", job_id)
        return
    while True:
        pending = list(
            JobItem.objects.filter(job_id=job_id, state=ItemState.PENDING)
            .order_by("position")
            .values_list("id", flat=True)[:100]
        )
        if not pending:
            break
        process = extract_item_process if Job.objects.get(pk=job_id).kind == JobKind.EXTRACT else ingest_item_process
        for item_id in pending:
            process(item_id=item_id)
    job_finish(job_id=job_id)


@transaction.atomic
def job_create_extract(*, article_ids: Iterable[int], created_by: User | None = None) -> Job:
    """Queue (re-)extraction of claims for articles; reviewers' edits and deletions are kept."""
    job = Job.objects.create(kind=JobKind.EXTRACT, created_by=created_by)
    items = [
        JobItem(job=job, position=n, source=f"article {article_id}", payload={"article_id": article_id})
        for n, article_id in enumerate(article_ids)
    ]
    JobItem.objects.bulk_create(items, batch_size=1000)
    Job.objects.filter(pk=job.pk).update(total=len(items))
    job.refresh_from_db()
    job_enqueue(job=job)
    return job


@transaction.atomic
def extract_item_process(*, item_id: int) -> None:
    """Extract one article's claims and count the item done, in one transaction."""
    item = JobItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, state=ItemState.PENDING).first()
    if item is None:
        return
    article = Article.objects.filter(pk=item.payload.get("article_id")).first()
    if article is None:
        item.state, item.message = ItemState.FAILED, "no such article"
    else:
        try:
            with transaction.atomic():
                before = article.claims.count()
                total = claims_extract_for_article(article=article)
                added = article.claims.count() - before
        except RETRYABLE:
            raise
        except Exception as exc:  # one article the extractor chokes on must not stop the rest
            logger.exception("extracting claims of article %s failed", article.pk)
            item.state, item.message = ItemState.FAILED, f"internal error while extracting: {type(exc).__name__}"
        else:
            item.state, item.article = ItemState.CREATED, article
            item.message = f"{total} claims extracted, {added} new"
    item.save(update_fields=["state", "message", "article"])
    Job.objects.filter(pk=item.job_id).update(done=F("done") + 1)


# --- reviewer edits -------------------------------------------------------------------


def _claim_for_edit(claim_id: int, user: User, expected_version: int | None) -> Claim:
    if not can_review(user):
        raise PermissionDenied("Only reviewers can add, edit, split or delete claims.")
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if expected_version is not None and claim.version != expected_version:
        raise StaleVersion(claim, claim.reviews.order_by("-created_at", "-id").select_related("reviewer").first())
    return claim


def _clean_claim_text(text: str) -> str:
    cleaned = extraction.normalise_claim_text(text)
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
    claim = Claim.objects.create(
        article=sentence.article,
        text=wording,
        origin=ClaimOrigin.MANUAL,
        kind=ClaimKind.MANUAL,
        extractor="manual",
        key=f"manual:{uuid.uuid4().hex}",
        worthiness=1.0,
        created_by=user,
    )
    ClaimSpan.objects.create(claim=claim, sentence=sentence, start=start, end=end)
    Evidence.objects.create(
        claim=claim,
        sentence=sentence,
        start=start,
        end=end,
        stance=Stance.SUPPORTS,
        method=EvidenceMethod.ORIGIN,
        score=1.0,
        decision=EvidenceDecisionChoice.CONFIRMED,
        details={"reason": "the span the reviewer took the claim from"},
    )
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
    # A verdict was given on the old wording: the new one goes back to the queue (the verdict stays in history).
    Claim.objects.filter(pk=claim.pk).update(
        text=wording, edited_by=user, edited_at=now, status=ClaimStatus.UNREVIEWED, version=F("version") + 1
    )
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
    wordings = [_clean_claim_text(t) for t in texts if extraction.normalise_claim_text(t)]
    if len(wordings) < 2:
        raise ValidationError({"texts": "Give at least two claims to split into."})
    parts = []
    for wording in wordings:
        part = Claim.objects.create(
            article_id=claim.article_id,
            text=wording,
            origin=ClaimOrigin.SPLIT,
            kind=ClaimKind.MANUAL,
            attribution=claim.attribution,
            extractor="manual",
            key=f"split:{uuid.uuid4().hex}",
            worthiness=claim.worthiness,
            created_by=user,
            split_from=claim,
        )
        _copy_provenance(claim, part)
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


# --- manual evidence (REST API) ---------------------------------------------------------


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
    sentence = Sentence.objects.get(pk=sentence_id)
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
        details={"reason": "linked by a reviewer", "user": user.username},
    )
    EvidenceDecision.objects.create(
        evidence=evidence, decision=EvidenceDecisionChoice.CONFIRMED, reviewer=user, note=note.strip()
    )
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    return evidence
