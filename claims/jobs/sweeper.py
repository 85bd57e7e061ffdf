"""The job outbox's sweeper: every unfinished job is running or about to be sent again.

A job's messages can be lost without its row knowing: the broker restarted (Redis keeps
nothing on disk here), the web process died between commit and send, or a worker was
killed and its unacknowledged message waits for the visibility timeout (an hour). Beat
runs ``jobs_sweep`` every few seconds; it re-sends what no live worker holds, with a
growing wait for jobs that are merely queued behind others, and fails, visibly, a job
no worker has taken after ``MAX_SENDS`` sends. Each re-send is claimed by a conditional
update, so two sweeps never send one job twice at once, and a duplicate delivery is
harmless anyway (``job_claim``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from claims.jobs import state as job_state
from claims.models import Job, JobState

logger = logging.getLogger(__name__)

# A running job whose heartbeat is this many beats old has lost its worker (killed, or cut off).
STALE_BEATS = 4.5
# A new job's own on-commit send has surely happened (or failed) by now.
SEND_GRACE = timedelta(seconds=15)
# A job not taken is sent again after settings.JOB_RESEND_SECONDS, then after twice as long, and so
# on up to RESEND_MAX: a job merely waiting behind a long queue gains a few duplicates, never a flood.
RESEND_MAX = timedelta(minutes=30)
# Sends with no worker taking the job (about 8 hours with the waits above): then it fails, visibly.
MAX_SENDS = 20


@dataclass
class SweepReport:
    resent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)


def stale_after() -> timedelta:
    """A running job with no heartbeat for this long has lost its worker (killed, or cut off)."""
    return timedelta(seconds=settings.JOB_HEARTBEAT_SECONDS * STALE_BEATS)


def resend_wait(sends: int) -> timedelta:
    """How long after its last send a job that no worker has taken since is sent again."""
    return min(timedelta(seconds=settings.JOB_RESEND_SECONDS) * (2 ** max(sends - 1, 0)), RESEND_MAX)


def resend_due(job: Job, now: datetime) -> bool:
    """Whether nothing live holds this unfinished job, so its messages must be sent again."""
    if job.sent_at is None:
        return job.created_at <= now - SEND_GRACE
    if job.sends and job.sent_at > now - resend_wait(job.sends):
        return False  # sent again lately, and no worker has taken it since: wait longer each time
    if job.state == JobState.QUEUED:
        return job.sent_at <= now - resend_wait(job.sends)
    last_sign = job.heartbeat_at or job.started_at or job.sent_at
    return last_sign <= now - stale_after()


def _fail_untaken(job: Job, now: datetime) -> bool:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    return (
        Job.objects.filter(pk=job.pk, state=job.state, sends=job.sends).update(
            state=JobState.FAILED,
            finished_at=now,
            error=f"no worker took this job after {job.sends} sends; is a worker consuming the queue {queue!r}?",
        )
        == 1
    )


def _claim_resend(job: Job, now: datetime) -> bool:
    """Record the re-send if no other sweep got there first (the conditional update is the lock)."""
    current = Q(pk=job.pk, state=job.state, sends=job.sends) & (
        Q(sent_at=job.sent_at) if job.sent_at else Q(sent_at__isnull=True)
    )
    return Job.objects.filter(current).update(sent_at=now, sends=job.sends + 1) == 1


def jobs_sweep(*, now: datetime | None = None) -> SweepReport:
    """Send again every unfinished job that nothing live holds; fail those no worker ever takes."""
    now = now or timezone.now()
    report = SweepReport()
    unfinished = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).only(
        "pk", "state", "created_at", "started_at", "sent_at", "sends", "heartbeat_at", "messages"
    )
    for job in unfinished:
        if not resend_due(job, now):
            continue
        if job.sends >= MAX_SENDS:
            if _fail_untaken(job, now):
                report.failed.append(job.pk)
            continue
        if not _claim_resend(job, now):
            continue
        if job_state.job_deliver(job_id=job.pk, messages=job.messages):
            logger.info("job %s (%s) sent again: no live worker held it", job.pk, job.state)
            report.resent.append(job.pk)
        else:
            report.unreachable.append(job.pk)
    return report


def jobs_unfinished() -> list[int]:
    """Ids of the jobs left queued or running, oldest first."""
    return list(
        Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).order_by("pk").values_list("pk", flat=True)
    )


def jobs_run_unfinished(*, job_ids: list[int]) -> None:
    """Send these jobs again: for a single-process demo with no worker anywhere, where every unfinished job
    was stranded when its server stopped. Without a broker each runs here and now (eager mode), so the
    caller returns with them finished; a job finished meanwhile is left as it is (``job_claim``)."""
    messages = dict(Job.objects.filter(pk__in=job_ids).values_list("pk", "messages"))
    for job_id in job_ids:
        job_state.job_deliver(job_id=job_id, messages=messages.get(job_id, 1))
