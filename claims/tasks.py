"""Celery adapters: take ids, call a service. Safe to run twice (see services.job_run)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError

from claims import services

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def run_job(job_id: int) -> None:
    try:
        services.job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        # Finished items are committed; a fresh delivery picks up the pending ones.
        logger.info("job %s reached the soft time limit; re-queued to continue", job_id)
        run_job.delay(job_id)
    except (DatabaseError, InterfaceError):
        raise  # retried with backoff; the job resumes where it stopped
    except Exception as exc:
        services.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
