"""The queue's shared ranking: the order may be a few seconds old, what it hands out never is."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.test import override_settings
from django.utils import timezone

from claims.selectors import review_queue
from claims.selectors.review_queue import QueueFilters, queue_claims, queue_rows
from claims.services import edits as edit_services
from claims.services import reviews as review_services
from claims.services.leases import queue_next
from tests.claims.desk_world import claim_in, claims_in_bulk, conflict, world
from tests.conftest import DEFAULT_TEST_BROKER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_ranking() -> Iterator[None]:
    cache.clear()
    with override_settings(QUEUE_RANKING_SECONDS=30):
        yield
    cache.clear()


@pytest.fixture(params=["memory", "redis"])
def ranking_cache(request: pytest.FixtureRequest, settings: Any) -> str:
    """The ranking is shared through the per-process cache, or through Redis (CACHE_URL), which every process
    shares."""
    if request.param == "redis":
        # A key prefix of its own, so these tests neither see nor clear anyone else's keys.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("CELERY_TEST_BROKER_URL") or DEFAULT_TEST_BROKER,
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
        assert caches["default"].__class__.__name__ == "RedisCache"
    return str(request.param)


# More than the 300 claims the shared ranking used to hold: past them a cursor ranked the whole queue afresh.
DEEP = 340


def deep_queue() -> list[int]:
    """A queue of more than DEEP claims, ranked and shared; its claim ids in queue order."""
    world()
    claims_in_bulk(DEEP)
    queue_rows(filters=QueueFilters())  # ranks the whole queue, and shares the ranking
    return list(queue_claims(filters=QueueFilters()).values_list("pk", flat=True))


def walk(user: User, *, after: int | None = None, before: int | None = None, steps: int = 1000) -> list[int]:
    """The claim ids "next" (or "previous") hands ``user`` one after another, from the cursor's claim on."""
    walked = [after or before or 0]
    while len(walked) <= steps:
        cursor = QueueFilters(after=walked[-1]) if after is not None else QueueFilters(before=walked[-1])
        claim = queue_next(user=user, filters=cursor)
        if claim is None:
            break
        walked.append(claim.pk)
    return walked


def test_next_and_previous_deep_in_the_queue_come_from_the_ranking_in_queue_order(
    reviewer: User, ranking_cache: str
) -> None:
    ranked = deep_queue()
    # A claim at each priority, after the ranking: a fresh ranking would offer one among any twenty claims.
    claims_in_bulk(21, prefix="Late")

    assert walk(reviewer, after=ranked[300]) == ranked[300:]
    assert walk(reviewer, before=ranked[320], steps=20) == ranked[300:321][::-1]
    assert walk(reviewer, before=ranked[3], steps=20) == ranked[:4][::-1]


def test_a_claim_decided_deleted_or_held_after_the_ranking_is_passed_over_deep_in_the_queue(
    reviewer: User, second_reviewer: User, ranking_cache: str
) -> None:
    ranked = deep_queue()
    review_services.review_record(claim_id=ranked[311], reviewer=reviewer, verdict="contested", rationale="No.")
    edit_services.claim_delete(claim_id=ranked[312], user=reviewer, reason="Not checkable.")
    held = queue_next(user=second_reviewer, filters=QueueFilters(after=ranked[312]))

    assert held is not None
    assert held.pk == ranked[313]
    assert walk(reviewer, after=ranked[310], steps=1) == [ranked[310], ranked[314]]
    assert walk(reviewer, before=ranked[314], steps=1) == [ranked[314], ranked[310]]


def test_the_shared_ranking_costs_twelve_bytes_a_claim_in_the_cache(ranking_cache: str) -> None:
    ranked = deep_queue()

    _, ids, priorities = cache.get(review_queue._ranking_key(QueueFilters()))

    assert (len(ids), len(priorities)) == (8 * len(ranked), 4 * len(ranked))


def test_next_deep_in_the_queue_makes_a_fixed_number_of_queries(reviewer: User, django_assert_num_queries) -> None:
    ranked = deep_queue()
    # savepoint, the reviewer's role, the cursor's priority, which ranked claims past it still match and are
    # free, savepoint + lease insert + release, release others, the claim, release savepoint: none ranks.
    with django_assert_num_queries(10):
        taken = queue_next(user=reviewer, filters=QueueFilters(after=ranked[320]))
    assert taken is not None
    assert taken.pk == ranked[321]


def test_past_ranking_size_the_queue_is_ranked_afresh(reviewer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_queue, "RANKING_SIZE", 4)
    w = world()
    queue_rows(filters=QueueFilters())  # shares its first four: conflicting, suggested, today, worthy
    late = claim_in("Reported after the ranking, as plain as the plain claim.", worthiness=0.3)

    assert queue_next(user=reviewer, filters=QueueFilters(after=w.suggested.pk)) == w.today  # from the ranking
    assert queue_next(user=reviewer, filters=QueueFilters(after=w.worthy.pk)) == w.canonical  # ranked afresh
    assert queue_next(user=reviewer, filters=QueueFilters(after=w.plain.pk)) == late  # which sees the late claim


def test_reviewers_walk_the_shared_ranking_in_queue_order(reviewer: User, second_reviewer: User) -> None:
    w = world()
    ranked = list(queue_claims(filters=QueueFilters()))

    mine = queue_next(user=reviewer, filters=QueueFilters())
    theirs = queue_next(user=second_reviewer, filters=QueueFilters())
    walked = [mine]
    while (nxt := queue_next(user=reviewer, filters=QueueFilters(after=walked[-1].pk))) is not None:  # type: ignore[union-attr]
        walked.append(nxt)

    assert (mine, theirs) == (w.conflicting, w.suggested)
    assert walked == [c for c in ranked if c != theirs]
    back = queue_next(user=reviewer, filters=QueueFilters(before=w.plain.pk))
    assert back == w.canonical


def test_a_claim_decided_or_deleted_since_the_ranking_is_not_handed_out(reviewer: User) -> None:
    w = world()
    queue_rows(filters=QueueFilters())  # ranks, and shares the ranking
    review_services.review_record(claim_id=w.conflicting.pk, reviewer=reviewer, verdict="contested", rationale="No.")
    edit_services.claim_delete(claim_id=w.suggested.pk, user=reviewer, reason="Not checkable.")

    assert queue_next(user=reviewer, filters=QueueFilters()) == w.today
    assert [row.claim for row in queue_rows(filters=QueueFilters())][:2] == [w.today, w.worthy]


def test_the_order_is_as_old_as_the_ranking_and_a_new_claim_waits_for_the_next(reviewer: User) -> None:
    w = world()
    queue_rows(filters=QueueFilters())
    late = claim_in("A conflict reported after the ranking.")
    conflict(late, w.source)

    assert late not in [row.claim for row in queue_rows(filters=QueueFilters())]
    cache.clear()  # the ranking expires
    assert queue_next(user=reviewer, filters=QueueFilters()) == late  # 50: a conflict and worthiness 0.5
    assert queue_next(user=reviewer, filters=QueueFilters(after=late.pk)) == w.conflicting


def expire_the_ranking() -> None:
    """Make the shared ranking older than QUEUE_RANKING_SECONDS, as it is kept (expired) for a while."""
    key = review_queue._ranking_key(QueueFilters())
    ranked_at, ids, priorities = cache.get(key)
    cache.set(key, (ranked_at - 31, ids, priorities), 120)


def test_while_one_request_ranks_again_the_others_use_the_expired_ranking(
    ranking_cache: str, django_assert_num_queries
) -> None:
    w = world()
    queue_rows(filters=QueueFilters())
    late = claim_in("A conflict reported after the ranking.")
    conflict(late, w.source)
    expire_the_ranking()
    cache.add(review_queue._ranking_key(QueueFilters()) + ":ranking", 1, 60)  # another request is ranking

    with django_assert_num_queries(0):
        ranking = review_queue.queue_ranking(filters=QueueFilters(), now=timezone.now())

    assert ranking is not None
    assert late.pk not in ranking.ids


def test_an_expired_ranking_is_ranked_again_by_the_request_that_takes_the_lock(ranking_cache: str) -> None:
    w = world()
    queue_rows(filters=QueueFilters())
    late = claim_in("A conflict reported after the ranking.")
    conflict(late, w.source)
    expire_the_ranking()

    ranking = review_queue.queue_ranking(filters=QueueFilters(), now=timezone.now())

    assert ranking is not None
    assert ranking.ids[0] == late.pk
    assert cache.get(review_queue._ranking_key(QueueFilters()) + ":ranking") is None  # the lock is released
