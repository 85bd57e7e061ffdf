"""The one entry point for workers: run (or resume) a job of any kind by its id."""

from __future__ import annotations

import logging

from claims.jobs import ingest as ingest_jobs
from claims.jobs import match as match_jobs
from claims.models import Job, JobKind

logger = logging.getLogger(__name__)


def job_run(*, job_id: int) -> None:
    """Work on the job until its items are done; safe to run twice, and by several workers at once."""
    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    if kind is None:
        logger.info("job %s is gone; nothing to do", job_id)
    elif kind in (JobKind.MATCH, JobKind.RECOMPUTE):
        match_jobs.match_job_run(job_id=job_id)
    else:
        ingest_jobs.ingest_job_run(job_id=job_id)
