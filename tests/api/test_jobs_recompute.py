"""POST /api/v1/jobs/recompute/: admins queue one corpus-wide re-linking and regrouping job to poll."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Job, JobKind, JobState, TokenScope
from tests.api.conftest import API, assert_error_shape, token_client

RECOMPUTE = f"{API}/jobs/recompute/"


def test_an_admin_queues_a_recompute_and_gets_the_job_to_poll(admin_user: User, seed_corpus: Job):
    client = token_client(admin_user)
    response = client.post(RECOMPUTE)
    assert response.status_code == 202, response.content
    job = Job.objects.get(kind=JobKind.RECOMPUTE)
    data = response.json()
    assert (data["id"], data["kind"], data["state"]) == (job.pk, "recompute", "queued")
    assert data["total"] == job.items.count() > 0
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert job.created_by == admin_user
    assert client.get(response["Location"]).json()["id"] == job.pk


def test_a_second_request_returns_the_recompute_already_waiting(admin_user: User, seed_corpus: Job):
    client = token_client(admin_user)
    first = client.post(RECOMPUTE).json()
    again = client.post(RECOMPUTE)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert Job.objects.filter(kind=JobKind.RECOMPUTE).count() == 1
    Job.objects.filter(pk=first["id"]).update(state=JobState.SUCCEEDED)
    later = client.post(RECOMPUTE)
    assert later.status_code == 202
    assert later.json()["id"] != first["id"]


@pytest.mark.parametrize("who", ["viewer", "reviewer", "admin with a read token"])
def test_only_admins_with_a_writing_token_may_recompute(
    viewer: User, reviewer: User, admin_user: User, db: None, who: str
):
    clients: dict[str, APIClient] = {
        "viewer": token_client(viewer),
        "reviewer": token_client(reviewer),
        "admin with a read token": token_client(admin_user, scope=TokenScope.READ),
    }
    assert_error_shape(clients[who].post(RECOMPUTE), 403, "permission_denied")
    assert not Job.objects.filter(kind=JobKind.RECOMPUTE).exists()


def test_anonymous_recompute_is_401(anonymous: APIClient, db: None):
    assert_error_shape(anonymous.post(RECOMPUTE), 401, "not_authenticated")
    assert not Job.objects.exists()
