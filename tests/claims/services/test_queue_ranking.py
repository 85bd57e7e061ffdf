"""The queue's shared ranking: the order may be a few seconds old, what it hands out never is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import override_settings

from claims.selectors.review_queue import QueueFilters, queue_claims, queue_rows
from claims.services import edits as edit_services
from claims.services import reviews as review_services
from claims.services.leases import queue_next
from tests.claims.desk_world import claim_in, conflict, world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_ranking() -> Iterator[None]:
    cache.clear()
    with override_settings(QUEUE_RANKING_SECONDS=30):
        yield
    cache.clear()


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
