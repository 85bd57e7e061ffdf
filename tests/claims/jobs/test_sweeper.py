"""The job outbox: every unfinished job is running or about to be sent again, whatever the broker lost."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from claims.jobs import ingest as ingest_jobs
from claims.jobs import state as job_state
from claims.jobs import sweeper
from claims.models import Job, JobKind, JobState
from sources.text.reading import read_paths
from tests.claims.jobs.test_worker import wait_for_job
from tests.conftest import SEED_DIR, WorkerProcess, _reset_broker_connections
from tests.processes import free_port

NOW = timezone.now()


def job(state: str = JobState.QUEUED, *, age: float = 600, **fields: Any) -> Job:
    """An unsaved job created ``age`` seconds before NOW."""
    return Job(kind=JobKind.INGEST, state=state, created_at=NOW - timedelta(seconds=age), **fields)


def ago(seconds: float) -> Any:
    return NOW - timedelta(seconds=seconds)


def test_a_new_job_whose_send_failed_waits_out_the_grace_then_is_due() -> None:
    assert not sweeper.resend_due(job(age=5, sent_at=None), NOW)
    assert sweeper.resend_due(job(age=20, sent_at=None), NOW)


def test_a_queued_job_is_sent_again_after_a_wait_that_doubles_with_each_send(settings: Any) -> None:
    settings.JOB_RESEND_SECONDS = 60
    assert not sweeper.resend_due(job(sent_at=ago(59), sends=1), NOW)
    assert sweeper.resend_due(job(sent_at=ago(61), sends=1), NOW)
    assert not sweeper.resend_due(job(sent_at=ago(119), sends=2), NOW)
    assert sweeper.resend_due(job(sent_at=ago(121), sends=2), NOW)
    assert sweeper.resend_wait(30) == sweeper.RESEND_MAX


def test_a_running_job_with_a_live_heartbeat_is_left_alone(settings: Any) -> None:
    settings.JOB_HEARTBEAT_SECONDS = 10
    running = job(JobState.RUNNING, sent_at=ago(3600), sends=0, started_at=ago(3000), heartbeat_at=ago(20))
    assert not sweeper.resend_due(running, NOW)


def test_a_running_job_whose_heartbeat_stopped_is_sent_again_once_per_wait(settings: Any) -> None:
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_RESEND_SECONDS = 10, 60
    assert sweeper.resend_due(job(JobState.RUNNING, sent_at=ago(3600), sends=0, heartbeat_at=ago(50)), NOW)
    resent_lately = job(JobState.RUNNING, sent_at=ago(30), sends=1, heartbeat_at=ago(80))
    assert not sweeper.resend_due(resent_lately, NOW)


@pytest.mark.django_db
def test_a_job_no_worker_takes_fails_visibly_naming_the_queue() -> None:
    stranded = Job.objects.create(kind=JobKind.INGEST, sent_at=ago(7200), sends=sweeper.MAX_SENDS)

    report = sweeper.jobs_sweep(now=NOW)

    stranded.refresh_from_db()
    assert report.failed == [stranded.pk]
    assert stranded.state == JobState.FAILED
    assert f"no worker took this job after {sweeper.MAX_SENDS} sends" in stranded.error
    assert settings.CELERY_TASK_DEFAULT_QUEUE in stranded.error


@pytest.mark.django_db
def test_finished_jobs_are_never_sent_again() -> None:
    Job.objects.create(kind=JobKind.INGEST, state=JobState.SUCCEEDED, sent_at=ago(7200), sends=1)
    Job.objects.create(kind=JobKind.INGEST, state=JobState.FAILED, sent_at=None)

    report = sweeper.jobs_sweep(now=NOW)

    assert report.resent == report.failed == report.unreachable == []


def _broker_down() -> Any:
    """Point this process's sends at a port where nothing listens."""
    from workbench.celery import app

    live = app.conf.broker_url
    app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0")
    _reset_broker_connections()
    return live


def _broker_back(url: str) -> None:
    from workbench.celery import app

    app.conf.update(broker_url=url)
    _reset_broker_connections()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_job_made_while_the_broker_is_down_is_kept_and_sent_when_it_is_back(celery_worker: WorkerProcess) -> None:
    live = _broker_down()
    try:
        made = ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
    finally:
        _broker_back(live)
    made.refresh_from_db()
    assert (made.state, made.sent_at) == (JobState.QUEUED, None)

    report = sweeper.jobs_sweep(now=timezone.now() + sweeper.SEND_GRACE)

    assert report.resent == [made.pk]
    assert wait_for_job(made).state == JobState.SUCCEEDED


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_article_posted_while_the_broker_is_down_gets_202_and_its_retry_replays_it(
    celery_worker: WorkerProcess, reviewer: Any
) -> None:
    client = APIClient()
    client.force_authenticate(reviewer)
    body = {"text": "Harbour report\n\nThe Port Authority said on Monday that cargo volumes rose 12 percent."}
    live = _broker_down()
    try:
        first = client.post("/api/v1/articles/", body, format="json", HTTP_IDEMPOTENCY_KEY="outage-1")
        retry = client.post("/api/v1/articles/", body, format="json", HTTP_IDEMPOTENCY_KEY="outage-1")
    finally:
        _broker_back(live)

    assert first.status_code == 202, first.content
    assert retry.status_code == 202
    assert retry.json()["id"] == first.json()["id"]
    assert retry["Idempotent-Replayed"] == "true"
    sweeper.jobs_sweep(now=timezone.now() + sweeper.SEND_GRACE)
    assert wait_for_job(Job.objects.get(pk=first.json()["id"])).state == JobState.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_busy_worker_keeps_its_job_heartbeat_fresh_from_its_own_thread() -> None:
    busy = Job.objects.create(kind=JobKind.INGEST, state=JobState.RUNNING, heartbeat_at=ago(3600))

    with job_state.job_heartbeat(job_id=busy.pk, every=0.05):
        time.sleep(0.5)  # the worker's own thread is busy; the heartbeat thread is not

    busy.refresh_from_db()
    assert busy.heartbeat_at is not None
    assert busy.heartbeat_at > ago(60)
