"""Reads for claims, evidence, reviews and jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import Job, JobItem


def job_items_report(*, job: Job) -> QuerySet[JobItem]:
    return job.items.order_by("position").only("position", "source", "state", "message", "article_id")
