"""Every job kind lives the same way: one attempts rule, and a job.finished webhook with its own result."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from claims.jobs import ingest as ingest_jobs
from claims.jobs import match as match_jobs
from claims.jobs import runner as job_runner
from claims.jobs import state as job_state
from claims.models import Job, JobKind, JobState, WebhookEndpoint, WebhookMessage
from sources.models import Article

MATCH_RESULT_KEYS = {"chunks", "claims", "groups", "linked"}
INGEST_RESULT_KEYS = {"created", "duplicate", "failed", "errors"}


def subscribe_to_finished_jobs(user: User) -> None:
    WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/jobs", events=["job.finished"], secret="whsec_AA==", created_by=user
    )


def finished_event(job: Job) -> dict[str, object]:
    bodies = [json.loads(m.body) for m in WebhookMessage.objects.filter(event="job.finished")]
    [event] = [b["data"] for b in bodies if b["data"]["job"] == job.pk]
    return event


def test_a_match_jobs_finished_webhook_carries_its_own_result(seed_corpus: Job, reviewer: User) -> None:
    subscribe_to_finished_jobs(reviewer)
    article = Article.objects.order_by("pk").first()
    assert article is not None
    job = match_jobs.job_create_match(article_ids=[article.pk])

    job_runner.job_run(job_id=job.pk)

    event = finished_event(job)
    result = event["result"]
    assert isinstance(result, dict)
    assert (event["kind"], event["state"]) == (JobKind.MATCH, JobState.SUCCEEDED)
    assert set(result) >= MATCH_RESULT_KEYS
    assert result["articles"] == [article.pk]
    assert result["claims"] == article.claims.filter(deleted_at__isnull=True).count()
    assert not INGEST_RESULT_KEYS & set(result), "a match job has no documents to count"


def test_a_recompute_jobs_finished_webhook_carries_its_own_result(seed_corpus: Job, admin_user: User) -> None:
    subscribe_to_finished_jobs(admin_user)
    job, created = match_jobs.job_request_recompute(user=admin_user)
    assert created

    job_runner.job_run(job_id=job.pk)

    event = finished_event(job)
    result = event["result"]
    assert isinstance(result, dict)
    assert event["kind"] == JobKind.RECOMPUTE
    assert set(result) >= MATCH_RESULT_KEYS
    assert not INGEST_RESULT_KEYS & set(result)
    job.refresh_from_db()
    assert job.result == result


def test_an_ingest_jobs_finished_webhook_counts_its_documents(seed_corpus: Job, reviewer: User) -> None:
    subscribe_to_finished_jobs(reviewer)
    job = ingest_jobs.job_create_extract(article_ids=list(Article.objects.values_list("pk", flat=True)))

    job_runner.job_run(job_id=job.pk)

    result = finished_event(job)["result"]
    assert isinstance(result, dict)
    assert set(result) == INGEST_RESULT_KEYS
    assert result["created"] == Article.objects.count()


def new_ingest_job() -> Job:
    return ingest_jobs.job_create_ingest(documents=[])


def new_extract_job() -> Job:
    return ingest_jobs.job_create_extract(article_ids=list(Article.objects.values_list("pk", flat=True)))


def new_match_job() -> Job:
    return match_jobs.job_create_match(article_ids=list(Article.objects.values_list("pk", flat=True)))


def new_recompute_job() -> Job:
    return match_jobs.job_create_recompute()


@pytest.mark.parametrize("make_job", [new_ingest_job, new_extract_job, new_match_job, new_recompute_job])
def test_a_job_of_any_kind_delivered_too_many_times_is_failed_with_the_reason(
    seed_corpus: Job, make_job: Callable[[], Job]
) -> None:
    job = make_job()
    messages = job.messages  # each of the job's messages may be delivered MAX_JOB_ATTEMPTS times
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=job_state.MAX_JOB_ATTEMPTS * messages)

    job_runner.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert f"gave up after {job_state.MAX_JOB_ATTEMPTS * messages} deliveries" in job.error


@pytest.mark.parametrize("make_job", [new_extract_job, new_match_job])
def test_a_job_below_its_attempts_cap_runs_to_the_end(seed_corpus: Job, make_job: Callable[[], Job]) -> None:
    job = make_job()
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=job_state.MAX_JOB_ATTEMPTS - 1)

    job_runner.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED


def test_running_a_job_that_does_not_exist_does_nothing(db: None) -> None:
    job_runner.job_run(job_id=2**62)

    assert not Job.objects.exists()
