"""Which claims the review queue offers, by filter."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from claims.models import Claim, ClaimStatus
from claims.selectors.groups import conflicting_figures_exists
from sources.models import Outlet, Story

ANY_STATUS = "any"
DECIDED = [s for s in ClaimStatus.values if s != ClaimStatus.UNREVIEWED]


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
    if filters.status in (ClaimStatus.UNREVIEWED, FIGURES):
        # A decided group is decided for its members: one that joined later is not served again.
        claims = claims.exclude(group_member__group__canonical__status__in=DECIDED)
    if filters.story is not None:
        claims = claims.filter(article__stories=filters.story)
    if filters.outlet is not None:
        claims = claims.filter(article__outlet=filters.outlet)
    return claims.order_by("id")
