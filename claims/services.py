"""Writes for claims, evidence, reviews and jobs. Views, commands and tasks call these."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims import extraction
from claims.models import (
    Claim,
    ClaimSpan,
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


class StaleVersion(Exception):
    """The claim changed since the caller read it; the message says what changed."""

    def __init__(self, claim: Claim, latest: Review | None) -> None:
        self.claim = claim
        self.latest = latest
        who = f" by {latest.reviewer} ({latest.get_verdict_display().lower()})" if latest else ""
        super().__init__(f"This claim was changed{who} after you opened it; reload to see the current state.")


# --- claims -----------------------------------------------------------------


@transaction.atomic
def claims_extract_for_article(*, article: Article) -> int:
    """Assess every sentence and upsert its claims with their origin evidence. Safe to re-run."""
    sentences = list(Sentence.objects.filter(article=article).order_by("position"))
    assessments = []
    drafts: list[tuple[Sentence, extraction.ClaimDraft, float]] = []
    for sentence in sentences:
        worth = extraction.assess(sentence.text, sentence.kind)
        assessments.append(
            SentenceAssessment(
                sentence=sentence,
                worthy=worth.worthy,
                score=worth.score,
                reason=worth.reason,
                extractor=extraction.EXTRACTOR,
            )
        )
        if worth.worthy:
            drafts.extend((sentence, d, worth.score) for d in extraction.draft_claims(sentence.text))
    SentenceAssessment.objects.bulk_create(
        assessments,
        update_conflicts=True,
        unique_fields=["sentence"],
        update_fields=["worthy", "score", "reason", "extractor"],
    )
    keyed = {
        extraction.claim_key(s.pk, s.start + d.start, s.start + d.end, d.text): (s, d, score) for s, d, score in drafts
    }
    Claim.objects.bulk_create(
        [
            Claim(article=article, text=d.text, extractor=extraction.EXTRACTOR, key=key, worthiness=score)
            for key, (s, d, score) in keyed.items()
        ],
        ignore_conflicts=True,
    )
    claims = {c.key: c for c in Claim.objects.filter(key__in=keyed)}
    spans, evidence = [], []
    for key, (sentence, draft, _) in keyed.items():
        claim = claims[key]
        start, end = sentence.start + draft.start, sentence.start + draft.end
        spans.append(ClaimSpan(claim=claim, sentence=sentence, start=start, end=end))
        evidence.append(
            Evidence(
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
        )
    ClaimSpan.objects.bulk_create(spans, ignore_conflicts=True)
    Evidence.objects.bulk_create(evidence, ignore_conflicts=True)
    return len(keyed)


# --- reviews and evidence decisions -------------------------------------------


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
    if expected_version is not None and claim.version != expected_version:
        raise StaleVersion(claim, claim.reviews.order_by("-created_at", "-id").select_related("reviewer").first())
    review = Review.objects.create(claim=claim, reviewer=reviewer, verdict=verdict, rationale=rationale)
    Claim.objects.filter(pk=claim.pk).update(status=verdict, version=F("version") + 1)
    return review


@transaction.atomic
def evidence_decide(*, evidence_id: int, reviewer: User, decision: str, note: str = "") -> EvidenceDecision:
    """Confirm or reject an evidence link; the link itself is kept either way."""
    if not can_review(reviewer):
        raise PermissionDenied("Only reviewers can confirm or reject evidence.")
    if decision not in (EvidenceDecisionChoice.CONFIRMED, EvidenceDecisionChoice.REJECTED):
        raise ValidationError({"decision": "Choose confirmed or rejected."})
    evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
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
        for item_id in pending:
            ingest_item_process(item_id=item_id)
    job_finish(job_id=job_id)
