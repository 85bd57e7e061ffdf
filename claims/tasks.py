"""Celery adapters: take ids, call a job or a service. Safe to run twice (see claims.jobs.state)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError

from claims.jobs import runner as job_runner
from claims.jobs import state as job_state
from claims.jobs import sweeper as job_sweeper
from claims.services import calibration as calibration_services
from claims.services import idempotency as idempotency_services
from claims.services import webhook_outbox
from workbench import health

logger = logging.getLogger(__name__)

# Database errors are retried with backoff: the work resumes where it stopped.
RETRY_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
}
JOB_TASK_OPTIONS: dict[str, Any] = {
    **RETRY_OPTIONS,
    # A hard time limit kills the child: leave the message unacknowledged so the broker redelivers it.
    "acks_on_failure_or_timeout": False,
}


def _run_job_body(task: Any, job_id: int) -> None:
    """Run one delivery of a resumable job: finished items are committed, so any retry resumes."""
    try:
        if task.request.is_eager:  # the in-process demo: no sweeper is watching, no heartbeat needed
            job_runner.job_run(job_id=job_id)
        else:
            with job_state.job_heartbeat(job_id=job_id):
                job_runner.job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        logger.info("job %s reached the soft time limit; re-queued to continue", job_id)
        task.delay(job_id)
    except (DatabaseError, InterfaceError) as exc:
        if task.request.retries >= (task.max_retries or 0):
            # The last retry: say so on the job instead of leaving it "running" for ever.
            job_state.job_fail(job_id=job_id, error=f"gave up after {task.request.retries} retries: {exc}")
        raise  # retried with backoff; the job resumes where it stopped
    except Exception as exc:
        job_state.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(**JOB_TASK_OPTIONS)
def run_job(job_id: int) -> None:
    """Work on a job of any kind (``job_state.RUN_JOB_TASK`` names this task)."""
    _run_job_body(run_job, job_id)


@shared_task(**JOB_TASK_OPTIONS)
def run_match_job(job_id: int) -> None:
    """The same as run_job: match jobs were sent under this name before one runner served every kind."""
    _run_job_body(run_match_job, job_id)


@shared_task(**RETRY_OPTIONS)
def deliver_webhook(message_id: int) -> None:
    """One signed delivery attempt; a failed one schedules the next with exponential backoff.

    Safe to run twice: the attempt locks the message row and skips delivered messages.
    """
    delay = webhook_outbox.webhook_attempt(message_id=message_id)
    if delay is None:
        return
    if deliver_webhook.request.is_eager:
        # No broker (the single-user demo): an eager "countdown" would retry at once, inside the
        # web request. The message stays pending with its next attempt time; a worker retries it.
        logger.warning("webhook message %s failed; retries need a Celery worker", message_id)
        return
    deliver_webhook.apply_async((message_id,), countdown=delay)


@shared_task(acks_late=True, expires=60)
def sweep_jobs() -> dict[str, list[int]]:
    """Send again the jobs no live worker holds (beat runs it every few seconds; see claims.jobs.sweeper)."""
    report = job_sweeper.jobs_sweep()
    return {"resent": report.resent, "failed": report.failed, "unreachable": report.unreachable}


@shared_task(acks_late=True)
def idempotency_keys_expire() -> int:
    return idempotency_services.idempotency_keys_expire()


@shared_task(acks_late=True)
def resend_due_webhooks() -> int:
    """Hand due and lost webhook messages to workers again (run it periodically, e.g. from beat)."""
    due = webhook_outbox.webhook_messages_due()
    for message_id in due:
        deliver_webhook.delay(message_id)
    return len(due)


@shared_task(**RETRY_OPTIONS)
def recalibrate_scorer() -> str:
    """Refit link probabilities on reviewers' decisions (safe to run twice: each run fits on all of them)."""
    return calibration_services.calibration_fit_from_reviews().reason


@shared_task(ignore_result=True)
def record_worker_heartbeat() -> None:
    """Note that a worker took a task from the jobs queue now (sent by beat; read by /readyz)."""
    health.heartbeat_record(worker=record_worker_heartbeat.request.hostname or "unknown")
