"""The life of a job, the same for every kind.

A job is sent to workers after the transaction that created it commits; each delivery
claims it with one conditional update under one attempts rule; it ends failed with a
reason, or finished with its own result and a ``job.finished`` webhook written in the
same transaction. The stages (``claims.jobs.ingest``, ``claims.jobs.match``) say what
the work is; this module says how every job lives.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import Job, JobState
from claims.services import webhook_outbox

# Deliveries each of a job's messages may take: a job that kills its worker every time would
# otherwise be redelivered for ever.
MAX_JOB_ATTEMPTS = 20
# Failures that say nothing about the work item: it is retried, never marked failed.
RETRYABLE = (SoftTimeLimitExceeded, OperationalError, InterfaceError)
# Jobs are sent by task name: ``claims.tasks`` imports this package, so this package never imports it.
RUN_JOB_TASK = "claims.tasks.run_job"


def job_send(*, job_id: int, messages: int = 1) -> None:
    """Send the job to workers once the transaction that created it has committed.

    Several messages let that many workers share one job's items.
    """

    def send() -> None:
        task = current_app.tasks[RUN_JOB_TASK]
        for _ in range(messages):
            task.delay(job_id)

    transaction.on_commit(send)


def job_claim(*, job_id: int, messages: int = 1) -> bool:
    """Start or resume the job for one delivery; False when it is finished, gone, or out of attempts.

    The conditional update is the lock: a second delivery of a finished job does nothing. Every
    kind has the same rule: each of the job's ``messages`` may be delivered ``MAX_JOB_ATTEMPTS`` times.
    """
    cap = MAX_JOB_ATTEMPTS * messages
    Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING], attempts__gte=cap).update(
        state=JobState.FAILED,
        error=f"gave up after {cap} deliveries; finished items are kept",
        finished_at=timezone.now(),
    )
    started = Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
        state=JobState.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
        attempts=F("attempts") + 1,
    )
    return started == 1


@transaction.atomic
def job_finish(*, job_id: int, result: dict[str, Any]) -> Job:
    """Close the job with its own result, and announce it to webhooks in the same transaction."""
    job = Job.objects.select_for_update().get(pk=job_id)
    job.result = result
    job.state = JobState.SUCCEEDED
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "state", "done", "finished_at"])
    webhook_outbox.webhook_job_finished(job=job)
    return job


@transaction.atomic
def job_fail(*, job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).exclude(state=JobState.SUCCEEDED).update(
        state=JobState.FAILED, error=error[:2000], finished_at=timezone.now()
    )
