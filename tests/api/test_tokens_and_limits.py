"""Token scopes (read vs review), logging in for a token, revoking it, throttling with
Retry-After, and the JSON 413 for oversized bodies."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.models import Claim, Job, Review, TokenGrant, TokenScope
from tests.api.conftest import API, assert_error_shape, token_client

PASSWORD = "correct horse battery"


def review_body(claim: Claim) -> dict[str, Any]:
    return {"claim": claim.pk, "verdict": "contested", "rationale": "Old figure."}


@pytest.fixture
def claim(newsroom: dict[str, Any]) -> Claim:
    found = Claim.objects.order_by("id").first()
    assert found is not None
    return found


def test_a_read_scoped_reviewer_token_reads_but_cannot_write(reviewer: User, claim: Claim):
    client = token_client(reviewer, scope=TokenScope.READ)
    assert client.get(f"{API}/claims/{claim.pk}/").status_code == 200
    response = client.post(f"{API}/reviews/", review_body(claim), format="json", HTTP_IF_MATCH="*")
    error = assert_error_shape(response, 403, "permission_denied")
    assert "review scope" in error["message"]
    assert not Review.objects.exists()


def test_a_token_without_a_grant_row_is_refused(reviewer: User, claim: Claim):
    # Only token_create makes tokens; one made around it carries no password stamp to check.
    _, token = AuthToken.objects.create(user=reviewer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert_error_shape(client.get(f"{API}/claims/"), 401, "authentication_failed")


def test_a_review_scope_does_not_lift_a_viewers_role(viewer: User, claim: Claim):
    client = token_client(viewer, scope=TokenScope.REVIEW)
    assert_error_shape(client.post(f"{API}/reviews/", review_body(claim), format="json", HTTP_IF_MATCH="*"), 403)


def test_logging_in_issues_a_hashed_scoped_token_that_works(reviewer: User, anonymous: APIClient, claim: Claim):
    body = {"username": reviewer.username, "password": PASSWORD, "scope": "review", "expiry_hours": 2, "client": "CMS"}
    response = anonymous.post(f"{API}/auth/token/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["scope"] == "review"
    assert data["expiry"] is not None
    stored = AuthToken.objects.get(user=reviewer)
    assert stored.digest != data["token"]
    assert TokenGrant.objects.get(token=stored).label == "CMS"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {data['token']}")
    assert client.post(f"{API}/reviews/", review_body(claim), format="json", HTTP_IF_MATCH="*").status_code == 201


def test_a_viewer_cannot_log_in_for_a_review_token_and_a_wrong_password_is_401(viewer: User, anonymous: APIClient):
    body = {"username": viewer.username, "password": PASSWORD, "scope": "review"}
    assert_error_shape(anonymous.post(f"{API}/auth/token/", body, format="json"), 403, "permission_denied")
    wrong = {"username": viewer.username, "password": "nope"}
    assert_error_shape(anonymous.post(f"{API}/auth/token/", wrong, format="json"), 401, "authentication_failed")
    assert not AuthToken.objects.exists()


def test_a_token_revokes_itself(viewer: User):
    client = token_client(viewer, scope=TokenScope.READ)
    assert client.get(f"{API}/claims/").status_code == 200
    assert client.delete(f"{API}/auth/token/").status_code == 204
    assert_error_shape(client.get(f"{API}/claims/"), 401, "authentication_failed")
    assert not AuthToken.objects.exists()


def test_token_revoke_command_revokes_one_or_all_of_a_users_tokens(reviewer: User):
    first, second = token_client(reviewer), token_client(reviewer)
    key = AuthToken.objects.order_by("created").first().token_key
    call_command("token_revoke", reviewer.username, "--key", key, stdout=StringIO())
    assert AuthToken.objects.count() == 1
    assert_error_shape(first.get(f"{API}/claims/"), 401)
    assert second.get(f"{API}/claims/").status_code == 200
    out = StringIO()
    call_command("token_revoke", reviewer.username, "--all", stdout=out)
    assert "revoked 1" in out.getvalue()
    assert not AuthToken.objects.exists()
    with pytest.raises(CommandError, match="--all or --key"):
        call_command("token_revoke", reviewer.username)


def test_token_create_takes_a_scope(reviewer: User, viewer: User):
    out = StringIO()
    call_command("token_create", reviewer.username, "--scope", "review", stdout=out, stderr=StringIO())
    assert TokenGrant.objects.get(token__user=reviewer).scope == "review"
    call_command("token_create", viewer.username, stdout=StringIO(), stderr=StringIO())
    assert TokenGrant.objects.get(token__user=viewer).scope == "read"
    with pytest.raises(CommandError, match="review scope"):
        call_command("token_create", viewer.username, "--scope", "review", stdout=StringIO(), stderr=StringIO())


def test_writes_are_throttled_per_user_with_retry_after(as_reviewer: APIClient, settings: Any, db: None):
    settings.API_WRITE_RATE = "3/min"
    for _ in range(3):
        assert (
            as_reviewer.post(f"{API}/ingest/", {"documents": [{"text": "A short note."}]}, format="json").status_code
            == 202
        )
    response = as_reviewer.post(f"{API}/ingest/", {"documents": [{"text": "A short note."}]}, format="json")
    assert_error_shape(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert Job.objects.count() == 3
    # Reads are not throttled.
    assert as_reviewer.get(f"{API}/jobs/").status_code == 200


def test_logins_are_throttled_per_address_with_retry_after(anonymous: APIClient, settings: Any, viewer: User):
    settings.API_LOGIN_RATE = "2/min"
    body = {"username": viewer.username, "password": "wrong"}
    for _ in range(2):
        assert anonymous.post(f"{API}/auth/token/", body, format="json").status_code == 401
    response = anonymous.post(f"{API}/auth/token/", {**body, "password": PASSWORD}, format="json")
    assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_an_oversized_article_post_is_a_json_413(as_reviewer: APIClient, settings: Any):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = as_reviewer.post(f"{API}/articles/", {"text": "x" * 2000}, format="json")
    assert_error_shape(response, 413, "request_too_large")
    assert not Job.objects.exists()
