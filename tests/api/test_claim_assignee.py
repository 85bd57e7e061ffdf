"""The API names the reviewer a claim is assigned to, in the claim list and the claim, at no extra query."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.services import desk as desk_services
from tests.api.conftest import API
from tests.claims.desk_world import claim_in

pytestmark = pytest.mark.django_db


def test_a_claim_shows_its_assignee_and_an_unassigned_one_null(
    as_viewer: APIClient, reviewer: User, second_reviewer: User
) -> None:
    assigned = claim_in("Assigned over the API.")
    other = claim_in("Nobody has this one.")
    desk_services.claim_assign(claim_id=assigned.pk, assignee=second_reviewer, by=reviewer)

    detail = as_viewer.get(f"{API}/claims/{assigned.pk}/").json()
    with CaptureQueriesContext(connection) as captured:
        rows = {row["id"]: row for row in as_viewer.get(f"{API}/claims/").json()["results"]}

    assert detail["assignee"] == second_reviewer.username
    assert rows[assigned.pk]["assignee"] == second_reviewer.username
    assert rows[other.pk]["assignee"] is None
    assert not [q for q in captured.captured_queries if 'FROM "claims_claimassignee"' in q["sql"]]
