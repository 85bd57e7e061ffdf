"""The review queue's writes: hand each reviewer the next claim nobody else is holding."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from claims.models import Claim, ClaimLease
from claims.roles import can_review
from claims.selectors import review_queue as queue_selectors

LEASE_TTL = timedelta(minutes=10)


# Candidates read per round; a reviewer racing others tries the next one without another query.
CANDIDATE_BATCH = 20


MAX_ROUNDS = 5


def _held_by_others(user: User, now: datetime) -> Exists:
    return Exists(ClaimLease.objects.filter(claim=OuterRef("pk"), expires_at__gt=now).exclude(user=user))


def _take(claim_id: int, user: User, now: datetime) -> bool:
    """Lease ``claim_id`` to ``user`` unless someone else holds it; True when the lease is ours."""
    expires = now + LEASE_TTL
    try:
        with transaction.atomic():  # a savepoint: a lost insert race must not spoil the outer transaction
            ClaimLease.objects.create(claim_id=claim_id, user=user, expires_at=expires)
        return True
    except IntegrityError:
        pass
    # A lease row exists: take it over only if it is ours or has expired. The UPDATE re-checks
    # its condition on the row it locks, so of two reviewers racing for it only one succeeds.
    return (
        ClaimLease.objects.filter(claim_id=claim_id)
        .filter(Q(user=user) | Q(expires_at__lte=now))
        .update(user=user, expires_at=expires)
        == 1
    )


@transaction.atomic
def queue_next(*, user: User, filters: queue_selectors.QueueFilters) -> Claim | None:
    """The claim this reviewer should review now, leased to them for ``LEASE_TTL``; None when the queue is empty.

    Without ``after``/``before`` a reviewer who already holds a claim that still matches keeps it
    (reloading the page does not skip work). A reviewer holds one lease at a time: taking a new
    claim releases the previous one.
    """
    if not can_review(user):
        raise PermissionDenied("Only reviewers can take claims from the queue.")
    now = timezone.now()
    claims = queue_selectors.queue_claims(filters=filters, now=now)
    if filters.after is None and filters.before is None:
        held = claims.filter(lease__user=user, lease__expires_at__gt=now).first()
        if held is not None:
            ClaimLease.objects.filter(claim=held, user=user).update(expires_at=now + LEASE_TTL)
            return held
    ranking = queue_selectors.queue_ranking(filters=filters, now=now)
    if ranking is not None:
        taken, complete = _take_ranked(user, filters, claims, ranking, now)
        if taken is not None or complete:
            return taken
    if filters.after is not None:
        claims = queue_selectors.after_cursor(claims, claim_id=filters.after, now=now)
    if filters.before is not None:
        claims = queue_selectors.before_cursor(claims, claim_id=filters.before, now=now)
    claims = claims.exclude(_held_by_others(user, now))
    tried: set[int] = set()
    for _ in range(MAX_ROUNDS):
        candidates = list(claims.exclude(pk__in=tried).values_list("pk", flat=True)[:CANDIDATE_BATCH])
        if not candidates:
            return None
        for pk in candidates:
            if _take(pk, user, now):
                ClaimLease.objects.filter(user=user).exclude(claim_id=pk).delete()
                return Claim.objects.select_related("article__outlet").get(pk=pk)
            tried.add(pk)
    return None


def _take_ranked(
    user: User,
    filters: queue_selectors.QueueFilters,
    claims: QuerySet[Claim],
    ranking: queue_selectors.QueueRanking,
    now: datetime,
) -> tuple[Claim | None, bool]:
    """The first claim past the cursor in the shared ranking that still matches and is free, leased to ``user``.

    Also says whether the ranking held the whole queue past the cursor: when it did not (a queue longer than
    RANKING_SIZE, or more candidates past the cursor than one call tries) and nothing was taken here, the
    caller ranks afresh.
    """
    tries = CANDIDATE_BATCH * MAX_ROUNDS
    # One more than are tried, to tell "nothing left past the cursor" from "nothing free among those tried".
    if filters.after is not None:
        rank = queue_selectors.claim_priority(claim_id=filters.after, now=now)
        ids = queue_selectors.ranking_after(ranking, claim_id=filters.after, rank=rank, limit=tries + 1)
    elif filters.before is not None:
        rank = queue_selectors.claim_priority(claim_id=filters.before, now=now)
        ids = queue_selectors.ranking_before(ranking, claim_id=filters.before, rank=rank, limit=tries + 1)
    else:
        ids = ranking.ids[: tries + 1].tolist()
    free = claims.exclude(_held_by_others(user, now))
    for start in range(0, min(len(ids), tries), CANDIDATE_BATCH):
        batch = ids[start : start + CANDIDATE_BATCH]
        # Checked live: a claim decided, deleted or taken since the ranking is passed over.
        open_ids = set(free.filter(pk__in=batch).values_list("pk", flat=True))
        for pk in batch:
            if pk in open_ids and _take(pk, user, now):
                ClaimLease.objects.filter(user=user).exclude(claim_id=pk).delete()
                return Claim.objects.select_related("article__outlet").get(pk=pk), True
    return None, ranking.complete and len(ids) <= tries


@transaction.atomic
def queue_release(*, user: User) -> int:
    """Give back whatever claim the reviewer holds; returns how many leases were released."""
    deleted, _ = ClaimLease.objects.filter(user=user).delete()
    return deleted
