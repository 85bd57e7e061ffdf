"""The life of a job, the same for every kind.

A job is sent to workers after the transaction that created it commits; each delivery
claims it with one conditional update under one attempts rule; it ends failed with a
reason, or finished with its own result and a ``job.finished`` webhook written in the
same transaction. The stages (``claims.jobs.ingest``, ``claims.jobs.match``) say what
the work is; this module says how every job lives.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from claims.jobs import background
from claims.models import Job, JobState
from claims.services import webhook_outbox

logger = logging.getLogger(__name__)

# Deliveries each of a job's messages may take: a job that kills its worker every time would
# otherwise be redelivered for ever.
MAX_JOB_ATTEMPTS = 20
# Failures that say nothing about the work item: it is retried, never marked failed.
RETRYABLE = (SoftTimeLimitExceeded, OperationalError, InterfaceError)
# Jobs are sent by task name: ``claims.tasks`` imports this package, so this package never imports it.
RUN_JOB_TASK = "claims.tasks.run_job"
# What a send that cannot reach the broker raises: the job stays queued and the sweeper sends it.
BROKER_ERRORS = (KombuError, RedisError, OSError)


def job_deliver(*, job_id: int, messages: int) -> bool:
    """Hand the job's messages to the broker; False (and a log line) when the broker cannot be reached.

    The caller has already recorded the send; a failed one is cleared so the sweeper's next pass sends it.
    """
    task = current_app.tasks[RUN_JOB_TASK]
    if current_app.conf.task_always_eager and settings.JOBS_IN_BACKGROUND:
        # One thread runs the job: one delivery does all its items (more would each find it finished).
        background.job_run_in_background(task=task, job_id=job_id)
        return True
    try:
        for _ in range(messages):
            task.delay(job_id)
    except BROKER_ERRORS as exc:
        logger.warning("job %s not sent (%s); the job sweeper sends it when the broker is back", job_id, exc)
        Job.objects.filter(pk=job_id).update(sent_at=None)
        return False
    return True


def _send_now(job_id: int, messages: int) -> None:
    Job.objects.filter(pk=job_id).update(sent_at=timezone.now(), sends=F("sends") + 1)
    job_deliver(job_id=job_id, messages=messages)


def job_send(*, job: Job) -> None:
    """Send the job's messages to workers once the transaction that created it has committed.

    Several messages (``job.messages``, stored with the job) let that many workers share its items.
    A broker that is down does not fail the request that made the job: the job is stored, and the
    sweeper sends it later.
    """
    job_id, messages = job.pk, job.messages
    transaction.on_commit(lambda: _send_now(job_id, messages))


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
    now = timezone.now()
    started = Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
        state=JobState.RUNNING,
        started_at=Coalesce(F("started_at"), now),
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        sends=0,
    )
    return started == 1


def _beat(job_id: int, stop: threading.Event, every: float) -> None:
    try:
        while not stop.wait(every):
            try:
                Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(heartbeat_at=timezone.now())
            except DatabaseError as exc:  # the database is away: beat again when it is back
                logger.warning("heartbeat of job %s missed: %s", job_id, exc)
                connection.close()
    finally:
        connection.close()  # the thread's own connection


@contextmanager
def job_heartbeat(*, job_id: int, every: float | None = None) -> Iterator[None]:
    """Keep the job's heartbeat fresh while the block runs, from a thread with its own connection.

    A thread, so that a long item (one transaction) still shows its worker is alive; the sweeper
    sends again a job whose heartbeat is a few beats old (``settings.JOB_HEARTBEAT_SECONDS``).
    """
    every = every or settings.JOB_HEARTBEAT_SECONDS
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(job_id, stop, every), name=f"job-{job_id}-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=every)


@transaction.atomic
def job_finish(*, job_id: int, result: dict[str, Any], state: str = JobState.SUCCEEDED, error: str = "") -> Job:
    """Close the job with its own result, and announce it to webhooks in the same transaction.

    ``state`` says how it ended: succeeded, finished with failed items, or failed (every item failed).
    """
    job = Job.objects.select_for_update().get(pk=job_id)
    job.result = result
    job.state = state
    job.error = error[:2000]
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "state", "error", "done", "finished_at"])
    webhook_outbox.webhook_job_finished(job=job)
    return job


@transaction.atomic
def job_fail(*, job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).exclude(state__in=[JobState.SUCCEEDED, JobState.PARTIAL]).update(
        state=JobState.FAILED, error=error[:2000], finished_at=timezone.now()
    )
