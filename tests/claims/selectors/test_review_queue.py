"""The queue's order: what most needs a human first, one item per duplicate group, each row saying why."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from claims.models import Claim
from claims.roles import Role
from claims.selectors.review_queue import (
    QueueFilters,
    after_cursor,
    before_cursor,
    queue_claims,
    queue_row,
    queue_rows,
)
from claims.services import desk as desk_services
from claims.services import edits as edit_services
from claims.services import reviews as review_services
from tests.claims.desk_world import claim_in, group_of, world
from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db


def order(**filters: object) -> list[Claim]:
    return list(queue_claims(filters=QueueFilters(**filters)))  # type: ignore[arg-type]


def test_conflicts_come_first_then_suggestions_recency_worthiness_and_outlets() -> None:
    w = world()

    ranked = order()

    assert ranked == [w.conflicting, w.suggested, w.today, w.worthy, w.canonical, w.plain, w.source]
    assert [c.priority for c in ranked] == [46, 26, 21, 18, 16, 6, 0]  # type: ignore[attr-defined]


def test_each_row_says_what_raised_it() -> None:
    w = world()

    rows = {row.claim: row for row in queue_rows(filters=QueueFilters())}

    assert rows[w.conflicting].reasons == ["conflicting figures"]
    assert rows[w.suggested].reasons == ["2 suggestions to decide"]
    assert rows[w.today].reasons == ["reported today"]
    assert rows[w.worthy].reasons == ["check-worthy 0.90"]
    assert rows[w.canonical].reasons == ["3 outlets"]
    assert rows[w.plain].reasons == []


def names_itself(claim: Claim, outlet: str) -> Claim:
    """Its article has no outlet given, but its text credits itself to ``outlet`` (as ingestion reads a dateline)."""
    article = claim.article
    span = {"start": 0, "end": len(outlet), "text": outlet}
    article.inferred = {"outlet": {"value": f" {outlet} ", "evidence": span}}
    article.save(update_fields=["inferred"])
    return claim


def test_outlets_a_text_names_count_as_the_claim_page_counts_them() -> None:
    given = claim_in("Talks on the truce resumed.", outlet="Outlet B")
    named = names_itself(claim_in("Truce talks resumed.", outlet=None), "Gulf Courier")
    same = names_itself(claim_in("The truce talks resumed.", outlet=None), "Gulf Courier")
    unnamed = claim_in("Talks resumed on the truce.", outlet=None)
    group_of(given, named, same, unnamed)

    row = queue_row(claim=given)

    assert row is not None
    assert row.reasons == ["2 outlets"]  # Outlet B and Gulf Courier; the unnamed article names none
    assert row.outlets == 2


def test_a_duplicate_group_is_one_item_served_through_its_canonical_claim() -> None:
    w = world()

    rows = queue_rows(filters=QueueFilters())

    served = [row.claim for row in rows]
    assert w.canonical in served
    assert not set(w.members) & set(served)
    assert next(row for row in rows if row.claim == w.canonical).similar == 2


def test_a_decided_suggestion_no_longer_raises_the_claim() -> None:
    w = world()
    reviewer = _reviewer()
    first = w.suggested.evidence.order_by("id").first()
    assert first is not None
    review_services.evidence_decide(evidence_id=first.pk, reviewer=reviewer, decision="rejected")

    row = queue_row(claim=w.suggested)

    assert row is not None
    assert row.reasons == ["1 suggestion to decide"]
    assert row.priority == 16


def test_a_deleted_member_is_not_counted_and_a_deleted_canonical_leaves_its_members_served() -> None:
    w = world()
    reviewer = _reviewer()
    edit_services.claim_delete(claim_id=w.members[0].pk, user=reviewer, reason="Duplicate wording.")
    assert queue_row(claim=w.canonical).similar == 1  # type: ignore[union-attr]
    assert queue_row(claim=w.canonical).reasons == ["2 outlets"]  # type: ignore[union-attr]

    edit_services.claim_delete(claim_id=w.canonical.pk, user=reviewer, reason="Wrong wording.")

    assert w.members[1] in order()


def test_moving_after_and_before_walks_the_queue_in_its_order() -> None:
    w = world()
    ranked = order()
    claims = queue_claims(filters=QueueFilters())
    now = timezone.now()
    walked = [ranked[0]]
    while (nxt := after_cursor(claims, claim_id=walked[-1].pk, now=now).first()) is not None:
        walked.append(nxt)
    back = [walked[-1]]
    while (prev := before_cursor(claims, claim_id=back[-1].pk, now=now).first()) is not None:
        back.append(prev)

    assert walked == ranked
    assert back == ranked[::-1]
    assert w.conflicting == walked[0]


def test_the_queue_filters_by_assignee() -> None:
    w = world()
    me, other = _reviewer(), _reviewer("ravi-reviewer")
    desk_services.claim_assign(claim_id=w.plain.pk, assignee=me, by=other)
    desk_services.claim_assign(claim_id=w.worthy.pk, assignee=other, by=other)

    assert order(assignee=me) == [w.plain]
    assert order(assignee=other) == [w.worthy]
    assert w.plain not in order(unassigned=True)
    assert w.worthy not in order(unassigned=True)
    assert len(order(unassigned=True)) == len(order()) - 2


def _reviewer(name: str = "rita-reviewer") -> User:
    return user_with_role(name, Role.REVIEWER)
