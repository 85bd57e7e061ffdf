"""Celery adapters: take ids, call a service. Safe to run twice (see services.job_run)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError

from claims import services

logger = logging.getLogger(__name__)

JOB_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A hard time limit kills the child: leave the message unacknowledged so the broker redelivers it.
    "acks_on_failure_or_timeout": False,
    "autoretry_for": (DatabaseError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


def _run_job_body(task: Any, job_id: int, work: Callable[[int], None]) -> None:
    """Run one delivery of a resumable job: finished items are committed, so any retry resumes."""
    try:
        work(job_id)
    except SoftTimeLimitExceeded:
        logger.info("job %s reached the soft time limit; re-queued to continue", job_id)
        task.delay(job_id)
    except (DatabaseError, InterfaceError) as exc:
        if task.request.retries >= (task.max_retries or 0):
            # The last retry: say so on the job instead of leaving it "running" for ever.
            services.job_fail(job_id=job_id, error=f"gave up after {task.request.retries} retries: {exc}")
        raise  # retried with backoff; the job resumes where it stopped
    except Exception as exc:
        services.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(**JOB_TASK_OPTIONS)
def run_job(job_id: int) -> None:
    _run_job_body(run_job, job_id, lambda pk: services.job_run(job_id=pk))


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def deliver_webhook(message_id: int) -> None:
    """One signed delivery attempt; a failed one schedules the next with exponential backoff.

    Safe to run twice: the attempt locks the message row and skips delivered messages.
    """
    from claims import api_services

    delay = api_services.webhook_attempt(message_id=message_id)
    if delay is None:
        return
    if deliver_webhook.request.is_eager:
        # No broker (the single-user demo): an eager "countdown" would retry at once, inside the
        # web request. The message stays pending with its next attempt time; a worker retries it.
        logger.warning("webhook message %s failed; retries need a Celery worker", message_id)
        return
    deliver_webhook.apply_async((message_id,), countdown=delay)


@shared_task(acks_late=True)
def idempotency_keys_expire() -> int:
    from claims import api_services

    return api_services.idempotency_keys_expire()


@shared_task(acks_late=True)
def resend_due_webhooks() -> int:
    """Hand due and lost webhook messages to workers again (run it periodically, e.g. from beat)."""
    from claims import api_services

    due = api_services.webhook_messages_due()
    for message_id in due:
        deliver_webhook.delay(message_id)
    return len(due)


@shared_task(**JOB_TASK_OPTIONS)
def run_match_job(job_id: int) -> None:
    """One of several messages sharing a match or recompute job: each works on free chunks (see match_job_run)."""
    from claims import matching_services

    _run_job_body(run_match_job, job_id, lambda pk: matching_services.match_job_run(job_id=pk))
