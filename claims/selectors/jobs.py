"""Reads for job pages and the dashboard's job lists."""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import (
    FINISHED_STATES,
    Job,
    JobItem,
    JobState,
)


def jobs_recent(*, limit: int = 5) -> list[Job]:
    return list(Job.objects.order_by("-created_at", "-id").defer("result")[:limit])


def job_get(*, job_id: int) -> Job:
    """A job with who started it and its story; raises ``Job.DoesNotExist``."""
    return Job.objects.select_related("created_by", "story").get(pk=job_id)


def job_items_report(*, job: Job) -> QuerySet[JobItem]:
    # "job" must be loaded: the related manager attaches ``job`` to each item by reading its job_id,
    # which would otherwise be a deferred field fetched with one query per item.
    return job.items.order_by("position").only("job", "position", "source", "state", "message", "article_id")


def job_followups(*, job: Job) -> list[Job]:
    """The jobs this one started (an ingest job's match job), oldest first."""
    return list(job.followups.order_by("created_at", "id").defer("result"))


def jobs_active(*, limit: int = 20) -> list[Job]:
    """Queued and running jobs, newest first: the dashboard polls their progress."""
    active = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING])
    return list(active.order_by("-created_at", "-id").defer("result")[:limit])


def job_active(*, kind: str) -> Job | None:
    """The queued or running job of this kind, if any (the dashboard starts a recompute only once)."""
    return Job.objects.filter(kind=kind, state__in=[JobState.QUEUED, JobState.RUNNING]).defer("result").first()


def jobs_finished(*, limit: int = 8) -> list[Job]:
    finished = Job.objects.filter(state__in=FINISHED_STATES)
    return list(finished.order_by("-created_at", "-id").defer("result")[:limit])
