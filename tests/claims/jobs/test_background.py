"""Jobs on a thread of the demo server (JOBS_IN_BACKGROUND): the upload answers at once, the thread runs the job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from claims.jobs import background
from claims.jobs import ingest as ingest_jobs
from claims.jobs.sweeper import jobs_run_unfinished, jobs_unfinished
from claims.models import Job, JobKind, JobState
from sources.models import Article
from sources.text.reading import read_paths
from tests.conftest import SEED_DIR
from workbench.celery import app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_jobs")]

SEED_FILES = sorted(SEED_DIR.glob("*.txt"))
ARTICLE = "Schools reopen in Gaza City\n\nForty schools reopened in Gaza City on Sunday, the education ministry said.\n"


@contextmanager
def unread_broker() -> Iterator[None]:
    """Jobs go to an in-memory broker that no worker reads: each is stranded there."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="memory://localhost/", task_always_eager=False)
    try:
        yield
    finally:
        app.conf.update(saved)


@pytest.fixture
def jobs_in_background(settings: Settings) -> Iterator[None]:
    settings.JOBS_IN_BACKGROUND = True
    yield
    # Nothing of this test may still be running when its tables are emptied.
    assert background.jobs_wait_idle(timeout=300)


@pytest.mark.usefixtures("jobs_in_background")
def test_an_upload_answers_while_its_job_is_still_queued_and_the_thread_then_runs_it(
    client: Client, reviewer: User
) -> None:
    client.force_login(reviewer)
    upload = SimpleUploadedFile("schools.txt", ARTICLE.encode(), content_type="text/plain")

    with background.held():
        response = client.post(reverse("claims:upload"), {"uploads": [upload]})
        job = Job.objects.get(kind=JobKind.INGEST)
        page = client.get(response["Location"]).content.decode()

        assert response.status_code == 302
        assert job.state == JobState.QUEUED
        assert not Article.objects.exists()
        assert 'http-equiv="refresh"' in page  # the job page follows the job until it ends

    assert background.jobs_wait_idle(timeout=300)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.SUCCEEDED, 1, 1)
    assert Article.objects.get().title == "Schools reopen in Gaza City"
    # The match job the ingest job started ran on the same thread, after it.
    assert Job.objects.get(kind=JobKind.MATCH).state == JobState.SUCCEEDED


@pytest.mark.usefixtures("jobs_in_background")
def test_jobs_sent_together_run_one_after_another_in_the_order_sent() -> None:
    documents = list(read_paths(SEED_FILES[:2], max_bytes=2_000_000))

    with background.held():
        first = ingest_jobs.job_create_ingest(documents=documents[:1])
        second = ingest_jobs.job_create_ingest(documents=documents[1:])

    assert background.jobs_wait_idle(timeout=300)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == JobState.SUCCEEDED
    assert first.finished_at is not None
    assert second.started_at is not None
    assert first.finished_at <= second.started_at


def test_the_demo_runs_the_jobs_a_stopped_server_left_unfinished() -> None:
    with unread_broker():  # the demo server stopped before its thread took the job
        stranded = ingest_jobs.job_create_ingest(documents=read_paths(SEED_FILES[:1], max_bytes=2_000_000))
    stranded.refresh_from_db()
    assert stranded.state == JobState.QUEUED

    left = jobs_unfinished()
    jobs_run_unfinished(job_ids=left)  # as `manage.py demo` does: no broker, so each runs here and now

    stranded.refresh_from_db()
    assert left == [stranded.pk]
    assert stranded.state == JobState.SUCCEEDED
    assert Article.objects.count() == 1
    assert jobs_unfinished() == []  # the match job it started ran too
