"""The review queue: hand each reviewer the next claim nobody else is holding.

A reviewer holds at most one claim at a time through a ``ClaimLease`` row. Taking
a lease is a conditional write (insert, or update of an expired or own lease), so
two reviewers asking at the same moment never get the same claim: the database
decides, not a read followed by a write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from claims.group_selectors import conflicting_figures_exists
from claims.models import Claim, ClaimLease, ClaimStatus
from claims.roles import can_review
from sources.models import Outlet, Story

LEASE_TTL = timedelta(minutes=10)
# Candidates read per round; a reviewer racing others tries the next one without another query.
CANDIDATE_BATCH = 20
MAX_ROUNDS = 5
ANY_STATUS = "any"
# Unreviewed claims that another report gives a different figure for.
FIGURES = "figures"


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """Which claims the queue offers, and where in it the reviewer is moving to."""

    story: Story | None = None
    outlet: Outlet | None = None
    status: str = ClaimStatus.UNREVIEWED  # a ClaimStatus value, ANY_STATUS or FIGURES
    after: int | None = None  # the next claim after this id ("j")
    before: int | None = None  # the claim before this id ("k")


def queue_claims(*, filters: QueueFilters) -> QuerySet[Claim]:
    """Live claims matching the filters (story, outlet, status or conflicting figures), oldest first; leases not
    considered."""
    claims = Claim.objects.filter(deleted_at__isnull=True)
    if filters.status == FIGURES:
        claims = claims.filter(conflicting_figures_exists(), status=ClaimStatus.UNREVIEWED)
    elif filters.status != ANY_STATUS:
        claims = claims.filter(status=filters.status)
    if filters.story is not None:
        claims = claims.filter(article__stories=filters.story)
    if filters.outlet is not None:
        claims = claims.filter(article__outlet=filters.outlet)
    return claims.order_by("id")


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
def queue_next(*, user: User, filters: QueueFilters) -> Claim | None:
    """The claim this reviewer should review now, leased to them for ``LEASE_TTL``; None when the queue is empty.

    Without ``after``/``before`` a reviewer who already holds a claim that still matches keeps it
    (reloading the page does not skip work). A reviewer holds one lease at a time: taking a new
    claim releases the previous one.
    """
    if not can_review(user):
        raise PermissionDenied("Only reviewers can take claims from the queue.")
    now = timezone.now()
    claims = queue_claims(filters=filters)
    if filters.after is None and filters.before is None:
        held = claims.filter(lease__user=user, lease__expires_at__gt=now).first()
        if held is not None:
            ClaimLease.objects.filter(claim=held, user=user).update(expires_at=now + LEASE_TTL)
            return held
    if filters.after is not None:
        claims = claims.filter(pk__gt=filters.after)
    if filters.before is not None:
        claims = claims.filter(pk__lt=filters.before).order_by("-id")
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


@transaction.atomic
def queue_release(*, user: User) -> int:
    """Give back whatever claim the reviewer holds; returns how many leases were released."""
    deleted, _ = ClaimLease.objects.filter(user=user).delete()
    return deleted


def lease_holder(*, claim: Claim) -> ClaimLease | None:
    """Who holds ``claim`` in the queue right now, if anyone."""
    return ClaimLease.objects.select_related("user").filter(claim=claim, expires_at__gt=timezone.now()).first()
