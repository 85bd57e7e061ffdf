"""Match and recompute jobs: chunked items, progress, redelivery, the hook after ingestion, and the command."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.jobs import ingest as ingest_jobs
from claims.jobs import match as match_jobs
from claims.models import (
    FINISHED_STATES,
    Claim,
    ClaimVector,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupMember,
    ItemState,
    Job,
    JobKind,
    JobState,
    MatchKey,
)
from claims.services import edits as edit_services
from claims.services import indexing as indexing_services
from claims.services import linking as linking_services
from claims.services import matching as matching_services
from claims.services import reviews as review_services
from sources.text.reading import read_paths
from tests.claims.helpers import MACHINE, all_claim_ids, ingest_copy, machine_links
from tests.conftest import SEED_DIR, WorkerProcess, ingest_paths_now

pytestmark = pytest.mark.django_db

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def test_a_match_job_splits_claims_into_chunks_and_records_progress(
    seed_corpus: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(match_jobs, "CHUNK_SIZE", 50)
    articles = list(seed_corpus.items.values_list("article_id", flat=True))
    claims = len(all_claim_ids())

    job = match_jobs.job_create_match(article_ids=articles)
    assert (job.kind, job.state, job.done) == (JobKind.MATCH, JobState.QUEUED, 0)
    chunks = -(-claims // 50)
    assert job.total == 2 * chunks
    match_jobs.match_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.SUCCEEDED, 2 * chunks, 2 * chunks)
    assert set(job.items.values_list("state", flat=True)) == {ItemState.CREATED}
    assert ClaimVector.objects.count() == claims
    assert job.result["chunks"] == chunks
    assert job.result["linked"] == Evidence.objects.filter(method__in=MACHINE).count() > 0


def test_a_job_gives_the_same_links_as_matching_in_one_call(seed_corpus: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_copy("000", "Wire A")
    monkeypatch.setattr(match_jobs, "CHUNK_SIZE", 40)
    job = match_jobs.job_create_recompute()
    match_jobs.match_job_run(job_id=job.pk)
    from_job = machine_links()
    groups = list(GroupMember.objects.order_by("claim_id").values_list("claim_id", "group_id"))

    matching_services.claims_match(claim_ids=all_claim_ids())

    assert from_job
    assert machine_links() == from_job
    assert groups
    assert list(GroupMember.objects.order_by("claim_id").values_list("claim_id", "group_id")) == groups


def test_chunks_agree_on_pairs_one_side_cut_by_the_candidate_cap(
    seed_corpus: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linking_services, "MAX_CANDIDATES", 2)
    monkeypatch.setattr(match_jobs, "CHUNK_SIZE", 25)
    matching_services.claims_match(claim_ids=all_claim_ids())
    in_one_call = machine_links()

    job = match_jobs.job_create_recompute()
    match_jobs.match_job_run(job_id=job.pk)

    assert in_one_call
    assert machine_links() == in_one_call


def test_chunks_agree_on_pairs_beyond_the_pair_scorers_cap(seed_corpus: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_copy("000", "Wire A")
    monkeypatch.setattr(linking_services, "SCORED_PARTNERS", 1)
    monkeypatch.setattr(match_jobs, "CHUNK_SIZE", 25)
    ids = all_claim_ids()
    indexing_services.claims_index(claim_ids=ids)
    candidates = linking_services._candidates(ids)
    scored = linking_services._score(candidates)
    assert set(candidates.pairs) - scored.decided  # the cap binds: some claims wait on more partners than one

    job = match_jobs.job_create_recompute()
    match_jobs.match_job_run(job_id=job.pk)
    from_job = machine_links()
    matching_services.claims_match(claim_ids=ids)

    assert from_job
    assert machine_links() == from_job


def test_the_pair_scorer_reads_at_most_its_cap_of_pairs_per_claim(
    seed_corpus: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_copy("000", "Wire A")
    ids = all_claim_ids()
    indexing_services.claims_index(claim_ids=ids)
    candidates = linking_services._candidates(ids)
    monkeypatch.setattr(linking_services, "SCORED_PARTNERS", 1 << 30)
    uncapped = linking_services._score(candidates)

    monkeypatch.setattr(linking_services, "SCORED_PARTNERS", 1)
    capped = linking_services._score(candidates)

    assert capped.read <= len(candidates.partners) < uncapped.read
    assert capped.decided < uncapped.decided == set(candidates.pairs)
    linked = {(r.claim_id, r.via_claim_id) for r in capped.rows}
    assert linked <= {(r.claim_id, r.via_claim_id) for r in uncapped.rows}


def test_a_redelivered_job_message_changes_nothing(seed_corpus: Job) -> None:
    job = match_jobs.job_create_recompute()
    match_jobs.match_job_run(job_id=job.pk)
    links = machine_links()
    job.refresh_from_db()
    attempts, finished = job.attempts, job.finished_at

    match_jobs.match_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.attempts, job.finished_at) == (attempts, finished)
    assert machine_links() == links


def test_a_chunk_done_twice_gives_the_same_rows(seed_corpus: Job) -> None:
    ids = all_claim_ids()
    indexing_services.claims_index(claim_ids=ids)
    linking_services.claims_link(claim_ids=ids[:60])
    first = machine_links()

    indexing_services.claims_index(claim_ids=ids)
    linking_services.claims_link(claim_ids=ids[:60])

    assert first
    assert machine_links() == first


def test_a_recompute_keeps_decisions_and_hides_links_of_deleted_claims(seed_corpus: Job, reviewer: User) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    decided, pending = Evidence.objects.filter(method=EvidenceMethod.FIGURE).order_by("id")[:2]
    review_services.evidence_decide(
        evidence_id=decided.pk, reviewer=reviewer, decision=EvidenceDecisionChoice.CONFIRMED
    )
    edit_services.claim_delete(claim_id=pending.via_claim_id or 0, user=reviewer, reason="duplicate sentence")
    decided_row = [r for r in machine_links() if r[0] == decided.pk]

    job = match_jobs.job_create_recompute()
    match_jobs.match_job_run(job_id=job.pk)

    pending.refresh_from_db()
    assert pending.withdrawn_at is not None
    assert Evidence.objects.filter(pk=pending.pk).exists()
    if decided.via_claim_id != pending.via_claim_id:
        assert [r for r in machine_links() if r[0] == decided.pk] == decided_row
    else:
        decided.refresh_from_db()
        assert decided.decision == EvidenceDecisionChoice.CONFIRMED
        assert decided.withdrawn_at is None


def test_a_finished_ingest_queues_a_match_job_that_runs_in_process_without_a_broker(
    db: None, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ingest = ingest_paths_now(SEED_DIR)

    match = Job.objects.get(kind=JobKind.MATCH)
    assert match.state == JobState.SUCCEEDED
    assert sorted(match.result["articles"]) == sorted(ingest.items.values_list("article_id", flat=True))
    assert Evidence.objects.filter(method=EvidenceMethod.FIGURE, withdrawn_at__isnull=True).exists()
    assert ClaimVector.objects.count() == Claim.objects.filter(deleted_at__isnull=True).count()


def test_a_duplicate_only_ingest_queues_no_match_job(
    seed_corpus: Job, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        again = ingest_paths_now(SEED_DIR)

    assert again.result["duplicate"] == 5
    assert not Job.objects.filter(kind=JobKind.MATCH).exists()


def test_the_match_command_links_and_recomputes(
    seed_corpus: Job, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("match", stdout=out)
    assert "match new claims" in out.getvalue()
    assert Job.objects.get(kind=JobKind.MATCH).state == JobState.SUCCEEDED
    links = machine_links()
    assert links

    with django_capture_on_commit_callbacks(execute=True):
        call_command("match", "--recompute", stdout=out)

    assert Job.objects.filter(kind=JobKind.RECOMPUTE, state=JobState.SUCCEEDED).count() == 1
    assert machine_links() == links


def test_the_match_command_names_unknown_articles(seed_corpus: Job) -> None:
    with pytest.raises(CommandError, match="no article with id 999999"):
        call_command("match", "--article", "999999")
    with pytest.raises(CommandError, match="leave out --article"):
        call_command("match", "--recompute", "--article", "1")


# --- through a real worker ------------------------------------------------------------------


def wait_for(job_id: int, done: Callable[[Job], bool], timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if done(job):
            return job
        time.sleep(0.1)
    job = Job.objects.get(pk=job_id)
    raise AssertionError(f"job {job.pk} still {job.state} ({job.done}/{job.total}) after {timeout}s")


def finished(job: Job) -> bool:
    return job.state in FINISHED_STATES


def ingest_through(worker: WorkerProcess) -> Job:
    """Seed articles ingested by the worker, and the match job their ingestion queued, finished."""
    ingest = ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
    wait_for(ingest.pk, finished)
    deadline = time.monotonic() + 30
    while not Job.objects.filter(kind=JobKind.MATCH).exists():
        assert time.monotonic() < deadline, "no match job was queued after the ingest job"
        time.sleep(0.1)
    return wait_for(Job.objects.get(kind=JobKind.MATCH).pk, finished)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_match_job_an_ingest_queues(celery_worker: WorkerProcess) -> None:
    match = ingest_through(celery_worker)

    assert match.state == JobState.SUCCEEDED, match.error
    assert match.done == match.total > 0
    assert ClaimVector.objects.count() == Claim.objects.filter(deleted_at__isnull=True).count()
    assert Evidence.objects.filter(method=EvidenceMethod.FIGURE, withdrawn_at__isnull=True).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_chunk_loses_nothing_and_the_job_completes(
    celery_worker: WorkerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_through(celery_worker)
    ClaimVector.objects.all().delete()
    MatchKey.objects.all().delete()
    monkeypatch.setattr(match_jobs, "CHUNK_SIZE", 30)
    job = match_jobs.job_create_recompute()
    wait_for(job.pk, lambda j: j.done >= 1, timeout=60)

    celery_worker.kill()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    assert 0 < job.done < job.total

    celery_worker.start()  # the unacknowledged message comes back; queued copies resume the job at once
    job = wait_for(job.pk, finished)

    assert job.state == JobState.SUCCEEDED, job.error
    assert job.done == job.total
    assert job.attempts >= 2
    assert ClaimVector.objects.count() == Claim.objects.filter(deleted_at__isnull=True).count()
    links = machine_links()
    matching_services.claims_match(claim_ids=all_claim_ids())
    assert links
    assert machine_links() == links
