"""Faults with real processes: a worker killed outright, the broker restarted, mid-ingest and mid-match.

Each test runs the sample story through a private Redis and a real worker with its beat (the job
sweeper) twice: once undisturbed, once with the fault. Nothing may be lost: every job finishes,
and the counts equal the undisturbed run's. The broker's visibility timeout is the production
hour, so recovery comes from the heartbeat and the sweeper, not from the broker's redelivery.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Q

from claims.jobs import ingest as ingest_jobs
from claims.models import Claim, DuplicateGroup, Evidence, Job, JobKind, JobState
from claims.services.linking import MACHINE_METHODS
from sources.models import Article, Sentence
from sources.text.reading import read_paths
from tests.claims.jobs.test_worker import wait_for_job
from tests.conftest import SEED_DIR, WorkerProcess, _database_url, _reset_broker_connections
from tests.processes import RedisServer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@dataclass
class Stack:
    redis: RedisServer
    worker: WorkerProcess


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    """A private Redis and a worker with an embedded beat, beating every second."""
    from workbench.celery import app

    redis = RedisServer(tmp_path / "redis")
    redis.start()
    queue = f"workbench-fault-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": redis.url,
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_SWEEP_SECONDS": "2",
        "JOB_RESEND_SECONDS": "5",
        "SECRET_KEY": "fault-test",
        "WORKBENCH_VAR_DIR": str(tmp_path),
    }
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=redis.url, task_always_eager=False, task_default_queue=queue)
    _reset_broker_connections()
    worker = WorkerProcess(env, extra_args=("--beat", f"--schedule={tmp_path / 'beat-schedule'}"))
    worker.start()
    try:
        yield Stack(redis, worker)
    finally:
        worker.stop()
        redis.stop()
        app.conf.update(saved)
        _reset_broker_connections()


def counts() -> dict[str, int]:
    live = Q(withdrawn_at__isnull=True)
    return {
        "articles": Article.objects.count(),
        "sentences": Sentence.objects.count(),
        "claims": Claim.objects.filter(deleted_at__isnull=True).count(),
        "machine links": Evidence.objects.filter(live, method__in=MACHINE_METHODS).count(),
        "groups": DuplicateGroup.objects.count(),
        "jobs succeeded": Job.objects.filter(state=JobState.SUCCEEDED).count(),
    }


def run_story(stack: Stack, fault: Callable[[], None] | None = None, when: Callable[[], bool] | None = None) -> float:
    """Ingest the sample story and wait for its match job; apply the fault when ``when`` holds.

    Returns the seconds from the fault to the last job's end (0 without a fault).
    """
    ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
    faulted_at = None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if fault is not None and faulted_at is None and when is not None and when():
            faulted_at = time.monotonic()
            fault()
        done = Job.objects.filter(kind=JobKind.MATCH, state=JobState.SUCCEEDED).exists()
        unfinished = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).exists()
        if done and not unfinished and (fault is None or faulted_at is not None):
            return 0.0 if faulted_at is None else time.monotonic() - faulted_at
        stack.worker.restart_if_dead()
        time.sleep(0.1)
    states = list(Job.objects.values_list("kind", "state", "done", "total", "error"))
    raise AssertionError(f"jobs did not finish: {states}\n{stack.worker.log.read_text(errors='replace')[-3000:]}")


_UNDISTURBED: dict[str, int] = {}


def undisturbed(stack: Stack) -> dict[str, int]:
    """The counts of an undisturbed run (the same every time: made once, then remembered)."""
    if not _UNDISTURBED:
        run_story(stack)
        _UNDISTURBED.update(counts())
        call_command("flush", interactive=False, verbosity=0)
    return dict(_UNDISTURBED)


def running(kind: str, done: int = 0) -> Callable[[], bool]:
    return lambda: Job.objects.filter(kind=kind, state=JobState.RUNNING, done__gte=done).exists()


def test_a_worker_killed_outright_mid_ingest_loses_nothing(stack: Stack) -> None:
    expected = undisturbed(stack)

    def kill_and_restart() -> None:
        stack.worker.kill()  # SIGKILL to the whole process group, as the OOM killer would
        stack.worker.start()  # the supervisor's restart

    recovered_in = run_story(stack, kill_and_restart, running(JobKind.INGEST, done=1))

    assert counts() == expected
    print(f"\nkilled mid-ingest: every job finished {recovered_in:.1f} s after the kill")


def test_a_worker_killed_outright_mid_match_loses_nothing(stack: Stack) -> None:
    expected = undisturbed(stack)

    def kill_and_restart() -> None:
        stack.worker.kill()
        stack.worker.start()

    recovered_in = run_story(stack, kill_and_restart, running(JobKind.MATCH))

    assert counts() == expected
    print(f"\nkilled mid-match: every job finished {recovered_in:.1f} s after the kill")


def test_a_broker_restart_mid_match_loses_no_job(stack: Stack) -> None:
    expected = undisturbed(stack)

    recovered_in = run_story(stack, lambda: stack.redis.restart(down_for=2), running(JobKind.MATCH))

    assert counts() == expected
    # The worker consumes new work from the restarted broker, not just the job it held.
    again = ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
    assert wait_for_job(again, timeout=120).result["duplicate"] == 5
    print(
        f"\nRedis restarted mid-match: every job finished {recovered_in:.1f} s after the restart began; "
        f"the worker was restarted {stack.worker.restarts} times"
    )
