"""Which claims the review queue offers, by filter, and in which order: what most needs a human first.

The order is a whole-number priority computed in SQL (one expression per claim, no stored score to keep
up to date), highest first, then claim id. It adds up, with the weights below: conflicting figures, the
machine suggestions nobody has decided, how many outlets carry the claim (its duplicate group's), how
check-worthy the extractor found it, and how recently it was published. Each queue row says which of
these raised it (``QueueRow.reasons``). A duplicate group is served once, through its canonical claim.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce, Least, NullIf, Round, Trim
from django.db.models.lookups import IsNull
from django.utils import timezone

from claims.models import Claim, ClaimAssignee, ClaimStatus, Evidence, GroupMember
from claims.selectors.corroboration import suggested
from claims.selectors.groups import conflicting_figures_exists
from sources.models import Outlet, Story

ANY_STATUS = "any"
DECIDED = [s for s in ClaimStatus.values if s != ClaimStatus.UNREVIEWED]


# Unreviewed claims that another report gives a different figure for.
FIGURES = "figures"

# The priority's weights. A conflict outranks anything else alone; suggestions and outlets count up to a cap
# so one claim with forty links does not bury every conflict; worthiness (0-1) breaks ties among the rest.
CONFLICT_WEIGHT = 40
SUGGESTION_WEIGHT = 10
SUGGESTIONS_CAP = 3
OUTLET_WEIGHT = 5
OUTLETS_CAP = 6  # outlets beyond the first
WORTHINESS_WEIGHT = 20
TODAY_WEIGHT = 15
THIS_WEEK_WEIGHT = 5
CHECK_WORTHY = 0.7  # the worthiness a row names as a reason


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """Which claims the queue offers, and where in it the reviewer is moving to."""

    story: Story | None = None
    outlet: Outlet | None = None
    status: str = ClaimStatus.UNREVIEWED  # a ClaimStatus value, ANY_STATUS or FIGURES
    assignee: User | None = None  # only claims assigned to this reviewer
    unassigned: bool = False  # only claims assigned to nobody
    after: int | None = None  # the next claim after this one in queue order ("j")
    before: int | None = None  # the claim before this one ("k")


def _suggestions() -> Subquery:
    """Machine suggestions on the claim nobody has decided (the claim page lists the same ones)."""
    open_links = (
        Evidence.objects.filter(suggested(), claim=OuterRef("pk"), withdrawn_at__isnull=True)
        .filter(Q(via_claim__isnull=True) | Q(via_claim__deleted_at__isnull=True))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Subquery(open_links, output_field=IntegerField())


def _group_count(of: str) -> Case:
    """For a claim in a duplicate group, ``of`` counted over the group's live members; else the claim alone."""
    members = (
        GroupMember.objects.filter(group_id=OuterRef("group_member__group_id"), claim__deleted_at__isnull=True)
        .order_by()
        .values("group_id")
        .annotate(n=Count(of, distinct=True))
        .values("n")[:1]
    )
    return Case(
        When(group_member__isnull=True, then=Value(1)),
        default=Coalesce(Subquery(members, output_field=IntegerField()), Value(1)),
        output_field=IntegerField(),
    )


def _outlet_name(article: str) -> Coalesce:
    """The outlet an article counts under, as ``Article.attribution`` names it: its given outlet, else the one
    its own text credits itself to (``inferred``); NULL when neither (the claim page counts such an article as
    a source of its own, but names no outlet for it)."""
    inferred = NullIf(Trim(KeyTextTransform("value", KeyTransform("outlet", f"{article}inferred"))), Value(""))
    return Coalesce(F(f"{article}outlet__name"), inferred, output_field=CharField())


def _outlets() -> Case:
    """Named outlets carrying the claim: those of its group's live members (an article naming none adds none)."""
    members = (
        GroupMember.objects.filter(group_id=OuterRef("group_member__group_id"), claim__deleted_at__isnull=True)
        .annotate(outlet_name=_outlet_name("claim__article__"))
        .filter(outlet_name__isnull=False)
        .order_by()
        .values("group_id")
        .annotate(n=Count("outlet_name", distinct=True))
        .values("n")[:1]
    )
    own = Case(
        When(IsNull(_outlet_name("article__"), True), then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return Case(
        When(group_member__isnull=True, then=own),
        default=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
        output_field=IntegerField(),
    )


def _recency(now: datetime) -> Case:
    return Case(
        When(article__published_at__gte=now - timedelta(days=1), then=Value(TODAY_WEIGHT)),
        When(article__published_at__gte=now - timedelta(days=7), then=Value(THIS_WEEK_WEIGHT)),
        default=Value(0),
        output_field=IntegerField(),
    )


def priority(now: datetime) -> Expression:
    """The queue's order as one SQL expression (higher first); see the module docstring and the weights."""
    conflict = Case(When(conflicting_figures_exists(), then=Value(CONFLICT_WEIGHT)), default=Value(0))
    suggestions = Least(Coalesce(_suggestions(), Value(0)), Value(SUGGESTIONS_CAP)) * SUGGESTION_WEIGHT
    outlets = Least(Case(When(group_member__isnull=True, then=Value(0)), default=_outlets() - 1), Value(OUTLETS_CAP))
    worthiness = Cast(Round(F("worthiness") * WORTHINESS_WEIGHT), IntegerField())
    return ExpressionWrapper(
        conflict + suggestions + outlets * OUTLET_WEIGHT + worthiness + _recency(now), output_field=IntegerField()
    )


def _served_once_per_group() -> Q:
    """A claim in no group, or its group's canonical claim (the group's members go with it). When the
    canonical wording was deleted, the members are served one by one rather than not at all."""
    return (
        Q(group_member__isnull=True)
        | Q(group_member__group__canonical_id=F("pk"))
        | Q(group_member__group__canonical__deleted_at__isnull=False)
    )


def queue_claims(*, filters: QueueFilters, now: datetime | None = None) -> QuerySet[Claim]:
    """Live claims matching the filters, one per duplicate group, highest priority first (annotated
    ``priority``); the ``after``/``before`` cursor and leases are not considered here."""
    claims = Claim.objects.filter(deleted_at__isnull=True).filter(_served_once_per_group())
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
    if filters.assignee is not None:
        claims = claims.filter(assignee__user=filters.assignee)
    if filters.unassigned:
        claims = claims.exclude(Exists(ClaimAssignee.objects.filter(claim=OuterRef("pk"))))
    return claims.annotate(priority=priority(now or timezone.now())).order_by("-priority", "id")


# The queue's ranking, shared by every reviewer with the same filters for QUEUE_RANKING_SECONDS: ranking all
# of 100,000 claims costs most of a second, finding the next one in a ranked array a few microseconds. The
# whole queue is ranked, so "next" and "previous" anywhere in it are served from the ranking. The claims
# taken from it are checked live (status, deletion, group verdict, leases); only the order can be that many
# seconds old (and, while one request ranks again, as old as the ranking before), and a claim added meanwhile
# waits for the next ranking.
#
# Cached, with the time it was ranked, as two packed arrays (claim ids as int64, priorities as int32): 12
# bytes a claim, 1.2 MB for a queue of 100,000, read back and searched in 0.07 ms from the local-memory cache,
# 0.9 ms from Redis. A pickled list of (id, priority) tuples is smaller (about 8 bytes a claim) but costs 15
# ms to unpickle and scan on every request. A queue longer than RANKING_SIZE keeps its first RANKING_SIZE
# claims (6 MB), and a cursor past them ranks afresh. With the local-memory cache each process ranks and keeps
# its own; with Redis (CACHE_URL) all share one.
RANKING_SIZE = 500_000
# When a ranking expires, one request ranks again (holding a lock in the cache, for RANKING_LOCK_SECONDS at
# most) while the others go on with the expired one: fifty reviewers whose ranking expires together would
# each spend most of a second ranking the same queue. An expired ranking is kept STALE_RANKINGS times
# QUEUE_RANKING_SECONDS; once it is gone, every request that finds none ranks.
STALE_RANKINGS = 4
RANKING_LOCK_SECONDS = 60
_IDS = "q"  # int64: claim ids are bigint
_PRIORITIES = "i"  # int32: a priority is a sum of a few small weights


@dataclass(frozen=True, slots=True)
class QueueRanking:
    """The queue's claim ids and their priorities as ranked, highest priority first, then claim id."""

    ids: array[int]
    priorities: array[int]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def complete(self) -> bool:
        """Whether it holds the whole queue (as ranked), not its first RANKING_SIZE claims only."""
        return len(self.ids) < RANKING_SIZE

    def _queue_key(self, i: int) -> tuple[int, int]:
        return -self.priorities[i], self.ids[i]

    def position(self, *, claim_id: int, rank: int) -> tuple[int, int]:
        """Where a claim ranked ``rank`` stands: the ranked claims before it are ``[:start]``, those after
        it ``[end:]`` (the claim itself, if ranked at that priority, in between)."""
        cursor = (-rank, claim_id)
        start = bisect_left(range(len(self.ids)), cursor, key=self._queue_key)
        return start, bisect_right(range(start, len(self.ids)), cursor, key=self._queue_key) + start


def _ranking_key(filters: QueueFilters) -> str:
    parts = [
        filters.story.pk if filters.story else "",
        filters.outlet.pk if filters.outlet else "",
        filters.status,
        filters.assignee.pk if filters.assignee else "",
        int(filters.unassigned),
    ]
    return "queue-ranking:v3:" + ":".join(str(p) for p in parts)


def queue_ranking(*, filters: QueueFilters, now: datetime) -> QueueRanking | None:
    """The queue (its first RANKING_SIZE claims), cursor aside, as ranked at most QUEUE_RANKING_SECONDS ago, or
    while one request ranks it again, as ranked before; None when the setting is 0 (always rank afresh)."""
    seconds = settings.QUEUE_RANKING_SECONDS
    if seconds <= 0:
        return None
    key = _ranking_key(filters)
    stored: tuple[float, bytes, bytes] | None = cache.get(key)
    if stored is not None:
        fresh = now.timestamp() - stored[0] < seconds
        if fresh or not cache.add(f"{key}:ranking", 1, RANKING_LOCK_SECONDS):
            return _unpacked(stored)
    try:
        ranking = _rank(filters=filters, now=now)
        cache.set(key, (now.timestamp(), ranking.ids.tobytes(), ranking.priorities.tobytes()), seconds * STALE_RANKINGS)
    finally:
        if stored is not None:  # this request took the lock
            cache.delete(f"{key}:ranking")
    return ranking


def _unpacked(stored: tuple[float, bytes, bytes]) -> QueueRanking:
    ids, priorities = array(_IDS), array(_PRIORITIES)
    ids.frombytes(stored[1])
    priorities.frombytes(stored[2])
    return QueueRanking(ids=ids, priorities=priorities)


def _rank(*, filters: QueueFilters, now: datetime) -> QueueRanking:
    rows = list(queue_claims(filters=filters, now=now).values_list("pk", F("priority"))[:RANKING_SIZE])
    return QueueRanking(ids=array(_IDS, [pk for pk, _ in rows]), priorities=array(_PRIORITIES, [p for _, p in rows]))


def ranking_after(ranking: QueueRanking, *, claim_id: int, rank: int | None, limit: int) -> list[int]:
    """The first ``limit`` ranked claims after ``claim_id`` (whose priority is ``rank``), in queue order."""
    if rank is None:
        return list(islice((pk for pk in ranking.ids if pk > claim_id), limit))
    _, end = ranking.position(claim_id=claim_id, rank=rank)
    # The claim itself is never its own next, even where its priority has risen since the ranking.
    return [pk for pk in ranking.ids[end : end + limit + 1] if pk != claim_id][:limit]


def ranking_before(ranking: QueueRanking, *, claim_id: int, rank: int | None, limit: int) -> list[int]:
    """The first ``limit`` ranked claims before ``claim_id``, nearest first."""
    if rank is None:
        return list(islice((pk for pk in reversed(ranking.ids) if pk < claim_id), limit))
    start, _ = ranking.position(claim_id=claim_id, rank=rank)
    return [pk for pk in reversed(ranking.ids[max(0, start - limit - 1) : start]) if pk != claim_id][:limit]


def claim_priority(*, claim_id: int, now: datetime) -> int | None:
    """The priority of one claim (whatever its status: the cursor moves on from a claim just decided)."""
    return Claim.objects.filter(pk=claim_id).annotate(priority=priority(now)).values_list("priority", flat=True).first()


def after_cursor(claims: QuerySet[Claim], *, claim_id: int, now: datetime) -> QuerySet[Claim]:
    """The claims after ``claim_id`` in queue order (lower priority, or the same and a higher id)."""
    rank = claim_priority(claim_id=claim_id, now=now)
    if rank is None:
        return claims.filter(pk__gt=claim_id)
    return claims.filter(Q(priority__lt=rank) | Q(priority=rank, pk__gt=claim_id))


def before_cursor(claims: QuerySet[Claim], *, claim_id: int, now: datetime) -> QuerySet[Claim]:
    """The claims before ``claim_id`` in queue order, nearest first."""
    rank = claim_priority(claim_id=claim_id, now=now)
    if rank is None:
        return claims.filter(pk__lt=claim_id).order_by("-id")
    return claims.filter(Q(priority__gt=rank) | Q(priority=rank, pk__lt=claim_id)).order_by(F("priority").asc(), "-id")


# --- the rows of the queue list, and why each is where it is ------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueRow:
    claim: Claim
    priority: int
    conflicting: bool
    suggestions: int
    outlets: int
    similar: int  # other live claims of its duplicate group, reviewed with it
    assignee: User | None

    @property
    def reasons(self) -> list[str]:
        """Why the row is high, strongest first: each names a term of the priority that it raised."""
        out = []
        if self.conflicting:
            out.append("conflicting figures")
        if self.suggestions:
            out.append(f"{self.suggestions} suggestion{'s' if self.suggestions != 1 else ''} to decide")
        if self.outlets > 1:
            out.append(f"{self.outlets} outlets")
        published = self.claim.article.published_at
        if published is not None and published >= timezone.now() - timedelta(days=1):
            out.append("reported today")
        elif published is not None and published >= timezone.now() - timedelta(days=7):
            out.append("reported this week")
        if self.claim.worthiness >= CHECK_WORTHY:
            out.append(f"check-worthy {self.claim.worthiness:.2f}")
        return out


def queue_rows(*, filters: QueueFilters, limit: int = 25, now: datetime | None = None) -> list[QueueRow]:
    """The first ``limit`` claims of the queue with what put them there, in two queries whatever the limit."""
    now = now or timezone.now()
    claims = queue_claims(filters=filters, now=now)
    ranking = queue_ranking(filters=filters, now=now)
    if ranking is not None and (ranking.complete or len(ranking) >= 2 * limit):
        # The shared ranking says which claims lead; whether they still match, and their priority, are read live.
        claims = claims.filter(pk__in=ranking.ids[: 2 * limit].tolist())
    top = list(claims.values_list("pk", F("priority"))[:limit])
    return queue_rows_for(ranked=top, now=now)


def _with_signals(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.select_related("article__outlet", "assignee__user", "group_member").annotate(
        conflicting=conflicting_figures_exists(),
        n_suggestions=Coalesce(_suggestions(), Value(0)),
        n_outlets=_outlets(),
        n_members=_group_count("claim"),
    )


def queue_rows_for(*, ranked: list[tuple[int, int]], now: datetime) -> list[QueueRow]:
    """QueueRows of the given (claim id, priority) pairs, in their order (one query)."""
    claims = {c.pk: c for c in _with_signals(Claim.objects.filter(pk__in=[pk for pk, _ in ranked]))}
    return [_row(claims[pk], rank) for pk, rank in ranked]


def _row(claim: Claim, rank: int) -> QueueRow:
    assigned = getattr(claim, "assignee", None)
    return QueueRow(
        claim=claim,
        priority=rank,
        conflicting=claim.conflicting,  # type: ignore[attr-defined]
        suggestions=claim.n_suggestions,  # type: ignore[attr-defined]
        outlets=claim.n_outlets,  # type: ignore[attr-defined]
        similar=claim.n_members - 1,  # type: ignore[attr-defined]
        assignee=assigned.user if assigned is not None else None,
    )


def queue_row(*, claim: Claim, now: datetime | None = None) -> QueueRow | None:
    """Why this claim is where it is in the queue (the queue's claim view shows it), in one query."""
    found = _with_signals(Claim.objects.filter(pk=claim.pk)).annotate(priority=priority(now or timezone.now())).first()
    return None if found is None else _row(found, found.priority)
