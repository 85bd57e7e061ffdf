"""The review desk over the API: a claim's comments (append-only, with @mentions), its checklist, and its
assignee, written through the desk's services with the claim page's checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import ChecklistItem, Claim, ClaimAssignment, ClaimCheck, ClaimComment, TokenScope
from claims.services import desk as desk_services
from claims.services import edits as edit_services
from tests.api.conftest import API, assert_error_shape, token_client
from tests.claims.desk_world import claim_in

pytestmark = pytest.mark.django_db


def _url(claim: Claim | int, what: str) -> str:
    pk = claim.pk if isinstance(claim, Claim) else claim
    return f"{API}/claims/{pk}/{what}/"


@pytest.fixture
def claim(db: None) -> Claim:
    return claim_in("The port handled 12,000 containers in May.")


# --- comments -----------------------------------------------------------------------------------


def test_a_reviewer_comments_and_named_readers_are_mentioned(
    as_reviewer: APIClient, as_viewer: APIClient, claim: Claim, second_reviewer: User, viewer: User, outsider: User
) -> None:
    body = f"@{second_reviewer.username} @{viewer.username} @{outsider.username} @nobody please check the figure"

    created = as_reviewer.post(_url(claim, "comments"), {"body": f"  {body}  "}, format="json")

    assert created.status_code == 201, created.content
    comment = created.json()
    assert comment["body"] == body  # trimmed, as the web stores it
    assert comment["author"] == "rita-reviewer"
    assert comment["claim"] == claim.pk
    # Mentions resolve as on the claim page: active users who can read claims (not the roleless, not unknown names).
    assert comment["mentions"] == sorted([second_reviewer.username, viewer.username])
    listed = as_viewer.get(_url(claim, "comments")).json()["results"]
    assert listed == [comment]


def test_comments_list_oldest_first_and_a_page_costs_the_same_queries_however_many(
    as_viewer: APIClient, claim: Claim, reviewer: User, second_reviewer: User
) -> None:
    desk_services.comment_add(claim_id=claim.pk, author=reviewer, body=f"First, @{second_reviewer.username}.")
    with CaptureQueriesContext(connection) as one:
        assert as_viewer.get(_url(claim, "comments")).status_code == 200
    for n in range(8):
        desk_services.comment_add(claim_id=claim.pk, author=second_reviewer, body=f"Note {n} for @{reviewer.username}")
    with CaptureQueriesContext(connection) as nine:
        rows = as_viewer.get(_url(claim, "comments")).json()["results"]

    assert [r["body"] for r in rows] == ["First, @ravi-reviewer.", *(f"Note {n} for @rita-reviewer" for n in range(8))]
    assert len(nine) == len(one) <= 8


def test_comments_are_append_only(as_reviewer: APIClient, claim: Claim, reviewer: User) -> None:
    comment = desk_services.comment_add(claim_id=claim.pk, author=reviewer, body="Kept.")
    for method in (as_reviewer.put, as_reviewer.patch, as_reviewer.delete):
        assert_error_shape(method(_url(claim, "comments"), {"body": "changed"}, format="json"), 405)
    assert ClaimComment.objects.get(pk=comment.pk).body == "Kept."


@pytest.mark.parametrize(
    "payload", [{}, {"body": ""}, {"body": "   "}, {"body": 42}, {"body": "x" * 5001}, {"body": ["a"]}]
)
def test_a_bad_comment_is_a_400_naming_body(as_reviewer: APIClient, claim: Claim, payload: dict[str, Any]) -> None:
    error = assert_error_shape(as_reviewer.post(_url(claim, "comments"), payload, format="json"), 400)
    assert "body" in error["fields"]
    assert not ClaimComment.objects.exists()


def test_a_deleted_claim_takes_no_comment(as_reviewer: APIClient, claim: Claim, reviewer: User) -> None:
    edit_services.claim_delete(claim_id=claim.pk, user=reviewer, reason="not a claim")
    error = assert_error_shape(as_reviewer.post(_url(claim, "comments"), {"body": "Hi"}, format="json"), 400)
    assert "claim" in error["fields"]


# --- checklist ----------------------------------------------------------------------------------


@pytest.fixture
def steps(db: None) -> list[ChecklistItem]:
    ChecklistItem.objects.create(label="Old step", position=0, active=False)
    return [
        ChecklistItem.objects.create(label="Figures match the ministry", position=1),
        ChecklistItem.objects.create(label="Primary source found", position=2, help_text="Link it as evidence"),
    ]


def test_the_checklist_lists_active_steps_in_order_unticked(
    as_viewer: APIClient, claim: Claim, steps: list[ChecklistItem]
) -> None:
    body = as_viewer.get(_url(claim, "checklist")).json()

    assert body["claim"] == claim.pk
    assert (body["checked"], body["total"]) == (0, 2)
    assert [(s["id"], s["label"], s["checked"], s["by"], s["at"]) for s in body["steps"]] == [
        (steps[0].pk, "Figures match the ministry", False, None, None),
        (steps[1].pk, "Primary source found", False, None, None),
    ]
    assert body["steps"][1]["help_text"] == "Link it as evidence"


def test_a_reviewer_ticks_and_unticks_a_step_and_each_change_is_kept(
    as_reviewer: APIClient, claim: Claim, steps: list[ChecklistItem]
) -> None:
    ticked = as_reviewer.post(_url(claim, "checklist"), {"step": steps[1].pk, "checked": True}, format="json")
    again = as_reviewer.post(_url(claim, "checklist"), {"step": steps[1].pk, "checked": True}, format="json")
    unticked = as_reviewer.post(_url(claim, "checklist"), {"step": steps[1].pk, "checked": False}, format="json")

    assert ticked.status_code == 200, ticked.content
    assert ticked.json()["checked"] == 1
    row = ticked.json()["steps"][1]
    assert (row["checked"], row["by"]) == (True, "rita-reviewer")
    assert row["at"] is not None
    assert again.json() == ticked.json()  # already ticked: nothing written
    assert unticked.json()["checked"] == 0
    assert list(ClaimCheck.objects.filter(claim=claim).values_list("checked", flat=True)) == [True, False]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"checked": True}, "step"),
        ({"step": "1", "checked": True}, "step"),
        ({"step": 1, "checked": "true"}, "checked"),
        ({"step": 1, "checked": 1}, "checked"),
        ({"step": 1}, "checked"),
        ({"step": 0, "checked": True}, "step"),
    ],
)
def test_a_bad_tick_is_a_400_naming_the_field(
    as_reviewer: APIClient, claim: Claim, payload: dict[str, Any], field: str
) -> None:
    error = assert_error_shape(as_reviewer.post(_url(claim, "checklist"), payload, format="json"), 400)
    assert field in error["fields"]


def test_a_retired_or_unknown_step_is_a_400_naming_step(as_reviewer: APIClient, claim: Claim) -> None:
    retired = ChecklistItem.objects.create(label="Old step", active=False)
    for step in (retired.pk, retired.pk + 1000):
        error = assert_error_shape(
            as_reviewer.post(_url(claim, "checklist"), {"step": step, "checked": True}, format="json"), 400
        )
        assert "step" in error["fields"]
    assert not ClaimCheck.objects.exists()


# --- assignee -----------------------------------------------------------------------------------


def test_a_reviewer_assigns_a_claim_and_unassigns_it(as_reviewer: APIClient, claim: Claim, ravi: User) -> None:
    assigned = as_reviewer.post(
        _url(claim, "assignee"), {"assignee": "ravi-reviewer", "expected_assignee": None}, format="json"
    )
    same = as_reviewer.post(
        _url(claim, "assignee"), {"assignee": "ravi-reviewer", "expected_assignee": "ravi-reviewer"}, format="json"
    )
    nobody = as_reviewer.post(
        _url(claim, "assignee"), {"assignee": None, "expected_assignee": "ravi-reviewer"}, format="json"
    )

    assert assigned.status_code == 200, assigned.content
    assert assigned.json() == {"claim": claim.pk, "assignee": "ravi-reviewer", "changed": True}
    assert same.json() == {"claim": claim.pk, "assignee": "ravi-reviewer", "changed": False}
    assert nobody.json() == {"claim": claim.pk, "assignee": None, "changed": True}
    assert as_reviewer.get(f"{API}/claims/{claim.pk}/").json()["assignee"] is None
    assert ClaimAssignment.objects.filter(claim=claim).count() == 2


@pytest.fixture
def ravi(second_reviewer: User) -> User:
    return second_reviewer


def test_an_assignment_made_meanwhile_is_not_overwritten(
    as_reviewer: APIClient, claim: Claim, reviewer: User, ravi: User
) -> None:
    # Ravi took the claim after this client read it unassigned.
    desk_services.claim_assign(claim_id=claim.pk, assignee=ravi, by=ravi)

    error = assert_error_shape(
        as_reviewer.post(
            _url(claim, "assignee"), {"assignee": "rita-reviewer", "expected_assignee": None}, format="json"
        ),
        409,
        "assignment_changed",
    )

    assert "ravi-reviewer" in error["message"]
    assert as_reviewer.get(f"{API}/claims/{claim.pk}/").json()["assignee"] == "ravi-reviewer"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"assignee": "ravi-reviewer"}, "expected_assignee"),
        ({"expected_assignee": None}, "assignee"),
        ({"assignee": "vera-viewer", "expected_assignee": None}, "assignee"),  # not a reviewer
        ({"assignee": "nobody-at-all", "expected_assignee": None}, "assignee"),
        ({"assignee": 7, "expected_assignee": None}, "assignee"),
        ({"assignee": None, "expected_assignee": "nobody-at-all"}, "expected_assignee"),
    ],
)
def test_a_bad_assignment_is_a_400_naming_the_field(
    as_reviewer: APIClient, claim: Claim, viewer: User, ravi: User, payload: dict[str, Any], field: str
) -> None:
    error = assert_error_shape(as_reviewer.post(_url(claim, "assignee"), payload, format="json"), 400)
    assert field in error["fields"]
    assert not ClaimAssignment.objects.exists()


# --- who may, and unknown claims ------------------------------------------------------------------

WRITES = [
    ("comments", {"body": "Hello"}),
    ("checklist", {"step": 1, "checked": True}),
    ("assignee", {"assignee": None, "expected_assignee": None}),
]


@pytest.mark.parametrize(("what", "payload"), WRITES)
def test_a_viewer_or_a_read_only_token_cannot_write(
    as_viewer: APIClient, reviewer: User, claim: Claim, what: str, payload: dict[str, Any]
) -> None:
    read_only = token_client(reviewer, TokenScope.READ)
    assert_error_shape(as_viewer.post(_url(claim, what), payload, format="json"), 403)
    assert_error_shape(read_only.post(_url(claim, what), payload, format="json"), 403)


@pytest.mark.parametrize(("what", "payload"), WRITES)
def test_anonymous_callers_get_a_401(anonymous: APIClient, claim: Claim, what: str, payload: dict[str, Any]) -> None:
    assert_error_shape(anonymous.post(_url(claim, what), payload, format="json"), 401)
    if what != "assignee":
        assert_error_shape(anonymous.get(_url(claim, what)), 401)


@pytest.mark.parametrize(("what", "payload"), WRITES)
def test_an_unknown_claim_is_a_404(as_reviewer: APIClient, db: None, what: str, payload: dict[str, Any]) -> None:
    for pk in (999_999, 2**63 + 5):
        assert_error_shape(as_reviewer.post(_url(pk, what), payload, format="json"), 404)
        if what != "assignee":
            assert_error_shape(as_reviewer.get(_url(pk, what)), 404)


def test_a_bad_page_size_or_cursor_of_the_comments_is_refused(as_viewer: APIClient, claim: Claim) -> None:
    for page_size in ("0", "abc", "201"):
        error = assert_error_shape(as_viewer.get(_url(claim, "comments"), {"page_size": page_size}), 400)
        assert "page_size" in error["fields"]
    assert_error_shape(as_viewer.get(_url(claim, "comments"), {"cursor": "not-ours"}), 404)
