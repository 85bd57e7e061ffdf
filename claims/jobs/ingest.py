"""Ingest and extract jobs: one item per document or article, each in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F

from claims.jobs import match as match_jobs
from claims.jobs import state as job_state
from claims.jobs.budget import ItemOverBudget, item_budget, time_budget
from claims.models import (
    ItemState,
    Job,
    JobItem,
    JobKind,
    JobState,
)
from claims.services import extraction as extraction_services
from sources.models import Article, Story
from sources.services import IngestState, article_ingest
from sources.text.reading import ArticleDocument, InvalidDocument, ReadError, parse_published_at, printable_source

logger = logging.getLogger(__name__)
MAX_ERRORS_IN_RESULT = 100
MAX_SOURCE_CHARS = 1000  # JobItem.source
# Every document may take this long whatever its length (HTML extraction, a slow database).
MIN_ITEM_SECONDS = 60.0


def _stored_source(source: str) -> str:
    """A source name the item's column can hold: escaped, and shortened in the middle if very long."""
    source = printable_source(source)
    if len(source) <= MAX_SOURCE_CHARS:
        return source
    half = (MAX_SOURCE_CHARS - 1) // 2
    return f"{source[:half]}…{source[-half:]}"


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
        item = JobItem(job=job, position=position, source=_stored_source(doc.source))
        if isinstance(doc, ReadError):
            item.state, item.message = ItemState.FAILED, printable_source(doc.message)
        else:
            item.payload = doc.as_payload()
        items.append(item)
    JobItem.objects.bulk_create(items, batch_size=500)
    failed = sum(1 for i in items if i.state == ItemState.FAILED)
    Job.objects.filter(pk=job.pk).update(total=len(items), done=failed, messages=_fanout(len(items) - failed))
    job.refresh_from_db()
    job_state.job_send(job=job)
    return job


def _fanout(pending: int) -> int:
    """Messages to send for a job with this many documents to do: one per free worker that can help."""
    return max(1, min(settings.INGEST_FANOUT, pending))


@transaction.atomic
def ingest_item_process(*, item_id: int) -> bool:
    """Ingest one queued document and count it done, all in one transaction.

    False when there was nothing to do: the item is done, or another worker holds it.
    """
    item = JobItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, state=ItemState.PENDING).first()
    if item is None:
        return False
    story = item.job.story
    budget = item_budget(
        characters=len(str(item.payload.get("body", ""))),
        min_seconds=MIN_ITEM_SECONDS,
        seconds_per_10k=settings.INGEST_SECONDS_PER_10K_CHARS,
    )
    try:
        with time_budget(budget), transaction.atomic():
            outcome = article_ingest(document=_document_from_payload(item.payload), story=story)
            extraction_services.claims_extract_for_article(article=outcome.article)
    except InvalidDocument as exc:
        item.state, item.message = ItemState.FAILED, str(exc)
    except ItemOverBudget as exc:
        # Failed, not retried: it would take as long again on every delivery.
        logger.warning("ingesting %s took over %.0f s; failed", item.source, exc.seconds)
        item.state, item.message = (
            ItemState.FAILED,
            (
                f"took longer than {exc.seconds:g} s to read and extract (the budget for a document of this length); "
                "nothing was stored"
            ),
        )
    except job_state.RETRYABLE:
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
    return True


def ingest_job_run(*, job_id: int) -> None:
    """Run (or resume) an ingest or extract job, sharing its documents with any other worker on it.

    Finished items are skipped, so a re-delivery is harmless. Each finished batch of documents is
    matched at once; the worker that does the last document closes the job.
    """
    job = Job.objects.filter(pk=job_id).only("kind", "messages").first()
    if job is None or not job_state.job_claim(job_id=job_id, messages=job.messages):
        # Routine under fan-out (the job's other messages arrive after it finished): not worth an info line.
        logger.debug("job %s is finished or gone; nothing to do", job_id)
        return
    process = extract_item_process if job.kind == JobKind.EXTRACT else ingest_item_process
    while True:
        pending = list(
            JobItem.objects.filter(job_id=job_id, state=ItemState.PENDING)
            .order_by("position")
            .values_list("id", "position")[:100]
        )
        done_here = [position for item_id, position in pending if process(item_id=item_id)]
        for batch in sorted({_batch_of(position) for position in done_here}):
            # At once here (no transaction is open); inside a caller's transaction, after its commit.
            transaction.on_commit(partial(ingest_batch_match, job_id=job_id, batch=batch))
        if not done_here:
            break  # nothing left, or every pending document is in another worker's hands
    ingest_job_finish(job_id=job_id)


def _batch_of(position: int) -> int:
    return position // settings.INGEST_MATCH_BATCH


@transaction.atomic
def ingest_batch_match(*, job_id: int, batch: int) -> Job | None:
    """Queue matching of one batch of the job's documents once all of them are done, exactly once.

    The ingest job's row lock orders the workers sharing it; the match job records its batch, so a
    second call (another worker, a re-delivery, the job's finish) finds it and does nothing.
    """
    job = Job.objects.select_for_update().get(pk=job_id)
    size = settings.INGEST_MATCH_BATCH
    items = job.items.filter(position__gte=batch * size, position__lt=(batch + 1) * size)
    if items.filter(state=ItemState.PENDING).exists():
        return None
    if job.followups.filter(kind=JobKind.MATCH, result__batch=batch).exists():
        return None
    article_ids = list(
        items.filter(state=ItemState.CREATED, article__isnull=False).values_list("article_id", flat=True)
    )
    if not article_ids:
        return None
    return match_jobs.job_create_match(article_ids=article_ids, created_by=job.created_by, follows=job, batch=batch)


def _ingest_result(job: Job) -> dict[str, Any]:
    counts = dict(job.items.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    failed = job.items.filter(state=ItemState.FAILED).order_by("position").values("source", "message")
    return {
        "created": counts.get(ItemState.CREATED, 0),
        "duplicate": counts.get(ItemState.DUPLICATE, 0),
        "failed": counts.get(ItemState.FAILED, 0),
        "errors": list(failed[:MAX_ERRORS_IN_RESULT]),
    }


def _ending(result: dict[str, Any], total: int) -> tuple[str, str]:
    """How a finished ingest or extract job ended, and what to say when every item failed."""
    failed = result["failed"]
    if failed and failed == total:
        return JobState.FAILED, f"every one of the {total} documents failed; each item says why"
    return (JobState.PARTIAL if failed else JobState.SUCCEEDED), ""


@transaction.atomic
def ingest_job_finish(*, job_id: int) -> Job | None:
    """Close the job with its counts once no document is left, and match the batches not yet matched.

    None when the job is closed already or another worker still holds one of its documents (that
    worker closes it).
    """
    locked = Job.objects.select_for_update().get(pk=job_id)
    if locked.state != JobState.RUNNING or locked.items.filter(state=ItemState.PENDING).exists():
        return None
    result = _ingest_result(locked)
    state, error = _ending(result, locked.total)
    job = job_state.job_finish(job_id=job_id, result=result, state=state, error=error)
    batches = range(_batch_of(max(job.total - 1, 0)) + 1)
    # After commit, so a failing match job can never undo the ingest it follows.
    transaction.on_commit(lambda: [ingest_batch_match(job_id=job_id, batch=b) for b in batches])
    return job


@transaction.atomic
def job_create_extract(*, article_ids: Iterable[int], created_by: User | None = None) -> Job:
    """Queue (re-)extraction of claims for articles; reviewers' edits and deletions are kept."""
    job = Job.objects.create(kind=JobKind.EXTRACT, created_by=created_by)
    items = [
        JobItem(job=job, position=n, source=f"article {article_id}", payload={"article_id": article_id})
        for n, article_id in enumerate(article_ids)
    ]
    JobItem.objects.bulk_create(items, batch_size=1000)
    Job.objects.filter(pk=job.pk).update(total=len(items), messages=_fanout(len(items)))
    job.refresh_from_db()
    job_state.job_send(job=job)
    return job


@transaction.atomic
def extract_item_process(*, item_id: int) -> bool:
    """Extract one article's claims and count the item done, in one transaction; False if nothing to do."""
    item = JobItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, state=ItemState.PENDING).first()
    if item is None:
        return False
    article = Article.objects.filter(pk=item.payload.get("article_id")).first()
    if article is None:
        item.state, item.message = ItemState.FAILED, "no such article"
    else:
        try:
            with transaction.atomic():
                before = article.claims.count()
                total = extraction_services.claims_extract_for_article(article=article)
                added = article.claims.count() - before
        except job_state.RETRYABLE:
            raise
        except Exception as exc:  # one article the extractor chokes on must not stop the rest
            logger.exception("extracting claims of article %s failed", article.pk)
            item.state, item.message = ItemState.FAILED, f"internal error while extracting: {type(exc).__name__}"
        else:
            item.state, item.article = ItemState.CREATED, article
            item.message = f"{total} claims extracted, {added} new"
    item.save(update_fields=["state", "message", "article"])
    Job.objects.filter(pk=item.job_id).update(done=F("done") + 1)
    return True
