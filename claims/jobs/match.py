"""Match and recompute jobs: index chunks, then link chunks, shared by several messages; the last one out regroups."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F

from claims.jobs import state as job_state
from claims.models import (
    Claim,
    Evidence,
    ItemState,
    Job,
    JobItem,
    JobKind,
    JobState,
)
from claims.roles import can_admin
from claims.services import indexing as indexing_services
from claims.services import linking as linking_services
from claims.services import regrouping as regrouping_services

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500  # claims per job item: one transaction each, a few seconds of work
PARALLEL_MESSAGES = 4  # job messages sent at once: that many workers can share the chunks
_PHASE_INDEX, _PHASE_LINK = "index", "link"
_BARRIER_POLL_SECONDS = 0.5


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[lo : lo + CHUNK_SIZE]) for lo in range(0, len(ids), CHUNK_SIZE)]


def _messages(items: int) -> int:
    """How many messages share a job of this many items: one per chunk, at most PARALLEL_MESSAGES."""
    return min(PARALLEL_MESSAGES, max(items // 2, 1))


def _job_with_chunks(
    kind: str, claim_ids: Sequence[int], created_by: User | None, result: dict[str, Any], follows: Job | None = None
) -> Job:
    job = Job.objects.create(kind=kind, created_by=created_by, result=result, follows=follows)
    chunks = _chunks(claim_ids)
    items = []
    for phase_no, phase in enumerate((_PHASE_INDEX, _PHASE_LINK)):
        for n, chunk in enumerate(chunks):
            position = phase_no * len(chunks) + n
            source = f"{phase} claims {chunk[0]}-{chunk[-1]} ({len(chunk)})"
            items.append(
                JobItem(job=job, position=position, source=source, payload={"phase": phase, "claim_ids": chunk})
            )
    JobItem.objects.bulk_create(items, batch_size=500)
    Job.objects.filter(pk=job.pk).update(total=len(items), messages=_messages(len(items)))
    job.refresh_from_db()
    job_state.job_send(job=job)
    return job


@transaction.atomic
def job_create_match(
    *, article_ids: Iterable[int], created_by: User | None = None, follows: Job | None = None, batch: int | None = None
) -> Job:
    """Queue matching of the live claims of these articles against the whole corpus (after ``follows``).

    ``batch`` names which batch of the ingest job ``follows`` these articles are (claims.jobs.ingest).
    """
    articles = sorted(set(article_ids))
    claim_ids = list(
        Claim.objects.filter(article_id__in=articles, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    asked: dict[str, Any] = {"articles": articles} if batch is None else {"articles": articles, "batch": batch}
    return _job_with_chunks(JobKind.MATCH, claim_ids, created_by, asked, follows)


@transaction.atomic
def job_create_match_for_claims(*, claim_ids: Iterable[int], created_by: User | None = None) -> Job:
    """Queue matching of claims a reviewer added, reworded, split off or restored, like new ones."""
    live = Claim.objects.filter(pk__in=set(claim_ids), deleted_at__isnull=True).order_by("pk")
    ids = list(live.values_list("pk", flat=True))
    return _job_with_chunks(JobKind.MATCH, ids, created_by, {"claim_ids": ids})


@transaction.atomic
def job_create_recompute(*, created_by: User | None = None) -> Job:
    """Queue re-linking of every live claim and a full regrouping; reviewers' decisions are kept."""
    claim_ids = list(Claim.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    return _job_with_chunks(JobKind.RECOMPUTE, claim_ids, created_by, {})


Plan = indexing_services.IndexPlan | linking_services.LinkPlan


def _plan(item: JobItem) -> Plan:
    claim_ids = [int(x) for x in item.payload.get("claim_ids", [])]
    if item.payload.get("phase") == _PHASE_INDEX:
        return indexing_services.claims_index_plan(claim_ids=claim_ids)
    return linking_services.claims_link_plan(claim_ids=claim_ids)


def _apply(plan: Plan) -> str:
    """Write a chunk's plan; says what it did, for the item's message."""
    if isinstance(plan, indexing_services.IndexPlan):
        return f"{indexing_services.claims_index_apply(plan=plan)} claims embedded"
    outcome = linking_services.claims_link_apply(plan=plan)
    return (
        f"{outcome.claims} claims, {outcome.candidate_pairs} candidate pairs, {outcome.linked_pairs} linked, "
        f"{outcome.withdrawn} withdrawn"
    )


def _must_wait(item: JobItem) -> bool:
    """A linking chunk waits until every indexing chunk of its job is done: its candidates come from them."""
    if item.payload.get("phase") != _PHASE_LINK:
        return False
    return JobItem.objects.filter(job_id=item.job_id, state=ItemState.PENDING, payload__phase=_PHASE_INDEX).exists()


def _item_done(item: JobItem, message: str) -> None:
    item.message, item.state = message, ItemState.CREATED
    item.save(update_fields=["state", "message"])
    Job.objects.filter(pk=item.job_id).update(done=F("done") + 1)


def match_item_process(*, job_id: int) -> str:
    """Take the next free chunk of the job (skipping chunks other workers hold) and do it; says what happened.

    Returns ``"done"`` after a chunk, ``"wait"`` when linking must wait for another worker's indexing
    chunk, and ``"empty"`` when no chunk is free.
    """
    if connection.features.has_select_for_update_skip_locked:
        return _item_process_locked(job_id=job_id)
    return _item_process_then_write(job_id=job_id)


@transaction.atomic
def _item_process_locked(*, job_id: int) -> str:
    """A chunk under its row lock, held until its work commits (PostgreSQL).

    A killed worker's chunk becomes free again, and a redelivered message skips finished chunks.
    """
    item = (
        JobItem.objects.select_for_update(skip_locked=True)
        .filter(job_id=job_id, state=ItemState.PENDING)
        .order_by("position")
        .first()
    )
    if item is None:
        return "empty"
    if _must_wait(item):
        return "wait"
    _item_done(item, _apply(_plan(item)))
    return "done"


def _item_process_then_write(*, job_id: int) -> str:
    """A chunk planned from reads, then written in a short transaction (SQLite, the demo's store).

    SQLite has one writer for the whole file. Scoring a chunk inside its write transaction held
    every reviewer's verdict for a minute (503 after 20 s, docs/reliability.md), so the embedding
    and scoring run first, outside any transaction, and only the writes take the lock. The chunk is
    checked to be still pending under that lock: a second runner's plan for it is thrown away.
    """
    item = JobItem.objects.filter(job_id=job_id, state=ItemState.PENDING).order_by("position").first()
    if item is None:
        return "empty"
    if _must_wait(item):
        return "wait"
    plan = _plan(item)
    with transaction.atomic():
        if JobItem.objects.filter(pk=item.pk, state=ItemState.PENDING).exists():
            _item_done(item, _apply(plan))
    return "done"


@transaction.atomic
def match_job_finish(*, job_id: int) -> Job | None:
    """Regroup and close the job once every chunk is done; None when chunks are still in flight or it is closed."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if job.state != JobState.RUNNING or job.items.filter(state=ItemState.PENDING).exists():
        return None
    ids = [
        i
        for payload in job.items.filter(payload__phase=_PHASE_INDEX).values_list("payload", flat=True)
        for i in payload["claim_ids"]
    ]
    if job.kind == JobKind.RECOMPUTE:
        groups = regrouping_services.groups_update(claim_ids=None)
        linking_services.evidence_withdraw_for_deleted_claims()
    else:
        groups = regrouping_services.groups_update(claim_ids=ids)
    result = {
        **job.result,  # what was asked for (the articles of a match job)
        "chunks": job.total // 2,
        "claims": len(ids),
        "groups": {"created": groups.groups_created, "changed": groups.groups_changed, "moved": groups.members_moved},
        "linked": Evidence.objects.filter(
            method__in=linking_services.MACHINE_METHODS, withdrawn_at__isnull=True
        ).count(),
    }
    return job_state.job_finish(job_id=job_id, result=result)


def match_job_run(*, job_id: int) -> None:
    """Work on a match or recompute job until no chunk is free; the last worker out regroups and closes it."""
    job = Job.objects.filter(pk=job_id).first()
    # Several messages share one job: each may start it; a finished job is left alone.
    if job is None or not job_state.job_claim(job_id=job_id, messages=job.messages):
        logger.debug("match job %s is finished or gone; nothing to do", job_id)
        return
    while True:
        state = match_item_process(job_id=job_id)
        if state == "wait":
            time.sleep(_BARRIER_POLL_SECONDS)
        elif state == "empty":
            break
    match_job_finish(job_id=job_id)


@transaction.atomic
def job_request_recompute(*, user: User) -> tuple[Job, bool]:
    """A full re-linking and regrouping (admins); returns (job, created).

    A recompute already queued or running is returned instead of a second one: it
    would redo the same corpus-wide work. (Two requests racing may both queue one;
    recomputes are idempotent, so that costs time, never data.)
    """
    if not can_admin(user):
        raise PermissionDenied("Only admins can recompute every link and group.")
    pending = Job.objects.filter(kind=JobKind.RECOMPUTE, state__in=[JobState.QUEUED, JobState.RUNNING])
    current = pending.order_by("-created_at", "-id").first()
    if current is not None:
        return current, False
    return job_create_recompute(created_by=user), True
