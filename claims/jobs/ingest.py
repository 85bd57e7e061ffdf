"""Ingest and extract jobs: one item per document or article, each in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
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
    Job.objects.filter(pk=job.pk).update(total=len(items), done=failed)
    job.refresh_from_db()
    job_state.job_send(job_id=job.pk)
    return job


@transaction.atomic
def ingest_item_process(*, item_id: int) -> None:
    """Ingest one queued document and count it done, all in one transaction."""
    item = JobItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, state=ItemState.PENDING).first()
    if item is None:
        return
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


def ingest_job_run(*, job_id: int) -> None:
    """Run (or resume) an ingest or extract job. Finished items are skipped, so a re-delivery is harmless."""
    if not job_state.job_claim(job_id=job_id):
        logger.info("job %s is finished or gone; nothing to do", job_id)
        return
    process = extract_item_process if Job.objects.get(pk=job_id).kind == JobKind.EXTRACT else ingest_item_process
    while True:
        pending = list(
            JobItem.objects.filter(job_id=job_id, state=ItemState.PENDING)
            .order_by("position")
            .values_list("id", flat=True)[:100]
        )
        if not pending:
            break
        for item_id in pending:
            process(item_id=item_id)
    ingest_job_finish(job_id=job_id)


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
def ingest_job_finish(*, job_id: int) -> Job:
    """Close the job with its counts, then match the articles it stored or re-extracted."""
    locked = Job.objects.select_for_update().get(pk=job_id)
    result = _ingest_result(locked)
    state, error = _ending(result, locked.total)
    job = job_state.job_finish(job_id=job_id, result=result, state=state, error=error)
    # After commit, so a failing match job can never undo the ingest it follows.
    transaction.on_commit(lambda: match_jobs.job_create_match_for_finished(job=job))
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
    Job.objects.filter(pk=job.pk).update(total=len(items))
    job.refresh_from_db()
    job_state.job_send(job_id=job.pk)
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
