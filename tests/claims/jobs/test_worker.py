"""Ingest jobs through Redis and a real Celery worker process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.conf import settings

from claims.jobs import ingest as ingest_jobs
from claims.models import FINISHED_STATES, ItemState, Job, JobState
from sources.models import Article, Sentence
from sources.text.reading import read_paths
from tests.conftest import SEED_DIR, WorkerProcess

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_job(job: Job, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in FINISHED_STATES:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.state} ({job.done}/{job.total}) after {timeout}s")


def test_a_worker_ingests_the_seed_articles_and_records_progress(celery_worker: WorkerProcess) -> None:
    job = ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))

    job = wait_for_job(job)

    assert job.state == JobState.SUCCEEDED
    assert (job.done, job.total) == (5, 5)
    assert job.result["created"] == 5
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.attempts == 1
    assert Article.objects.count() == 5
    assert Sentence.objects.count() > 100
    assert set(job.items.values_list("state", flat=True)) == {ItemState.CREATED}


def test_a_redelivered_job_changes_nothing(celery_worker: WorkerProcess) -> None:
    from claims.tasks import run_job

    job = wait_for_job(
        ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
    )
    sentences = Sentence.objects.count()

    run_job.delay(job.pk)  # the same message delivered again
    time.sleep(2)

    job.refresh_from_db()
    assert job.attempts == 1
    assert Sentence.objects.count() == sentences


def _numbered_copies(tmp_path: Path, copies: int) -> Path:
    """A JSONL batch of distinct articles made from the seed texts."""
    seeds = sorted(SEED_DIR.glob("*.txt"))
    lines = []
    for n in range(copies):
        text = seeds[n % len(seeds)].read_text(encoding="utf-8")
        lines.append(json.dumps({"text": f"{text}\nBatch copy number {n} of the sample corpus.", "outlet": "Wire"}))
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_worker_killed_mid_job_loses_nothing_and_the_job_completes(
    celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    batch = _numbered_copies(tmp_path, 60)
    job = ingest_jobs.job_create_ingest(documents=read_paths([batch], max_bytes=settings.MAX_ARTICLE_BYTES))
    deadline = time.monotonic() + 60
    while job.done < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
        job.refresh_from_db()

    celery_worker.kill()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    assert 0 < job.done < job.total

    celery_worker.start()  # a fresh worker; the unacknowledged message comes back to it
    job = wait_for_job(job, timeout=120)

    assert job.state == JobState.SUCCEEDED
    assert job.result["created"] == 60
    assert job.attempts >= 2
    assert Article.objects.count() == 60
    assert Article.objects.filter(body__contains="Batch copy number 7 of").count() == 1


def test_each_worker_process_runs_torch_on_one_thread(celery_worker: WorkerProcess) -> None:
    deadline = time.monotonic() + 30
    while "torch uses" not in celery_worker.log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)

    lines = [line for line in celery_worker.log.read_text(errors="replace").splitlines() if "torch uses" in line]
    assert lines, "the worker process never said how many torch threads it uses"
    assert all(line.endswith("torch uses 1 thread(s)") for line in lines)
