"""Authentication, roles, and the single error shape of every API failure."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.api import querysets
from claims.models import Claim, Review
from tests.api.conftest import API, assert_error_shape, token_client

LIST_ENDPOINTS = ["articles/", "sentences/", "claims/", "reviews/", "jobs/", "evidence/", "groups/"]
# Large lists page by cursor (no count); small ones by page number, with a count.
CURSOR_LISTS = {"sentences/", "claims/", "reviews/", "evidence/", "groups/"}


@pytest.mark.parametrize(
    ("method", "path"),
    [*(("get", p) for p in LIST_ENDPOINTS), ("get", "claims/1/"), ("post", "reviews/"), ("post", "ingest/")],
)
def test_anonymous_requests_get_401_in_the_error_shape(anonymous: APIClient, db: None, method: str, path: str):
    response = getattr(anonymous, method)(f"{API}/{path}", {}, format="json")
    assert_error_shape(response, 401, "not_authenticated")
    # 401 must tell the client how to authenticate.
    assert response["WWW-Authenticate"] == "Token"


def test_an_invalid_token_gets_401_in_the_error_shape(anonymous: APIClient, db: None):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error_shape(anonymous.get(f"{API}/claims/"), 401, "authentication_failed")


def test_a_token_authenticates_and_is_stored_hashed(viewer: User):
    out, err = StringIO(), StringIO()
    call_command("token_create", viewer.username, stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert len(token) == 64
    assert "shown only this once" in err.getvalue()

    stored = AuthToken.objects.get(user=viewer)
    assert stored.digest == hash_token(token)
    assert stored.digest != token
    # API_TOKEN_TTL_DAYS (90 by default): a token expires unless asked otherwise.
    assert stored.expiry is not None
    assert timedelta(days=89) < stored.expiry - stored.created <= timedelta(days=90)
    # The full token is in no column; only its first characters are kept, to find the row.
    assert not AuthToken.objects.filter(digest=token).exists()
    assert not AuthToken.objects.filter(token_key=token).exists()
    assert token.startswith(stored.token_key)
    assert len(stored.token_key) < len(token)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"{API}/claims/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {token[:-1]}x")
    assert_error_shape(client.get(f"{API}/claims/"), 401, "authentication_failed")


def test_token_create_sets_an_expiry_and_an_expired_token_is_refused(reviewer: User):
    out = StringIO()
    call_command("token_create", reviewer.username, "--expiry-hours", "2", stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    stored = AuthToken.objects.get(user=reviewer)
    assert stored.expiry is not None
    assert abs(stored.expiry - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"{API}/jobs/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert_error_shape(client.get(f"{API}/jobs/"), 401, "authentication_failed")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nobody"], "no user called"), (["rita-reviewer", "--expiry-hours", "0"], "positive")],
)
def test_token_create_refuses_unknown_users_and_bad_expiries(reviewer: User, args: list[str], message: str):
    with pytest.raises(CommandError, match=message):
        call_command("token_create", *args, stdout=StringIO(), stderr=StringIO())
    assert not AuthToken.objects.exists()


def test_token_create_warns_that_a_user_without_a_role_will_get_403(outsider: User):
    out, err = StringIO(), StringIO()
    call_command("token_create", outsider.username, stdout=out, stderr=err)
    assert "holds no role" in err.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert_error_shape(client.get(f"{API}/claims/"), 403, "permission_denied")


def test_token_create_refuses_an_inactive_user(reviewer: User):
    User.objects.filter(pk=reviewer.pk).update(is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        call_command("token_create", reviewer.username, stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_a_user_without_a_role_gets_403_in_the_error_shape(as_outsider: APIClient, path: str):
    assert_error_shape(as_outsider.get(f"{API}/{path}"), 403, "permission_denied")


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_a_viewer_can_read_every_list_endpoint(as_viewer: APIClient, seed_corpus: object, path: str):
    response = as_viewer.get(f"{API}/{path}")
    assert response.status_code == 200
    keys = {"next", "previous", "results"} if path in CURSOR_LISTS else {"count", "next", "previous", "results"}
    assert set(response.json()) == keys


def test_a_session_login_works_and_writes_need_the_csrf_token(reviewer: User, seed_corpus: object):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.get(f"{API}/claims/").status_code == 200
    claim = Claim.objects.first()
    assert claim is not None
    payload = {"claim": claim.pk, "verdict": "corroborated", "rationale": "Matches the wire copy."}
    error = assert_error_shape(client.post(f"{API}/reviews/", payload, format="json"), 403, "permission_denied")
    assert "CSRF" in error["message"]
    assert not Review.objects.exists()

    # With the token from the CSRF cookie, the same session write goes through.
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(f"{API}/reviews/", payload, format="json", HTTP_X_CSRFTOKEN=csrf, HTTP_IF_MATCH="*")
    assert response.status_code == 201, response.content
    assert Review.objects.get().reviewer == reviewer


@pytest.mark.parametrize(
    "path",
    [
        "articles/999999/",
        "sentences/999999/",
        "claims/999999/",
        "reviews/999999/",
        "jobs/999999/",
        "claims/abc/",
        "groups/999999/",
        "evidence/999999/",
    ],
)
def test_unknown_ids_are_404(as_viewer: APIClient, seed_corpus: object, path: str):
    assert_error_shape(as_viewer.get(f"{API}/{path}"), 404, "not_found")


@pytest.mark.parametrize("path", ["nothing-here/", "claims", "", "claims/1/extra/"])
def test_an_unknown_api_path_is_a_json_404(as_viewer: APIClient, path: str):
    assert_error_shape(as_viewer.get(f"{API}/{path}"), 404, "not_found")


def test_a_page_past_the_end_is_404(as_viewer: APIClient, seed_corpus: object):
    assert_error_shape(as_viewer.get(f"{API}/articles/", {"page": 999}), 404, "not_found")


@pytest.mark.parametrize("path", sorted(CURSOR_LISTS))
def test_a_cursor_we_did_not_give_is_404(as_viewer: APIClient, seed_corpus: object, path: str):
    assert_error_shape(as_viewer.get(f"{API}/{path}", {"cursor": "not-a-cursor"}), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "claims/{claim}/"), ("put", "articles/{article}/"), ("patch", "reviews/"), ("get", "ingest/")],
)
def test_a_method_an_endpoint_lacks_is_405_in_the_error_shape(
    as_reviewer: APIClient, seed_corpus: object, method: str, path: str
):
    claim = Claim.objects.first()
    assert claim is not None
    url = f"{API}/" + path.format(claim=claim.pk, article=claim.article_id)
    assert_error_shape(getattr(as_reviewer, method)(url, {}, format="json"), 405, "method_not_allowed")
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_viewer_gets_403_not_405_for_writes(as_viewer: APIClient, seed_corpus: object):
    claim = Claim.objects.first()
    assert claim is not None
    assert_error_shape(as_viewer.delete(f"{API}/claims/{claim.pk}/"), 403, "permission_denied")


def test_malformed_json_is_400_without_field_errors(as_reviewer: APIClient, db: None):
    response = as_reviewer.post(f"{API}/reviews/", data="{not json", content_type="application/json")
    error = assert_error_shape(response, 400, "parse_error")
    assert "fields" not in error
    assert "JSON parse error" in error["message"]


def test_a_form_encoded_write_is_415(as_reviewer: APIClient, db: None):
    response = as_reviewer.post(f"{API}/reviews/", {"claim": 1, "verdict": "contested", "rationale": "x"})
    assert_error_shape(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("claims/", {"article": "abc"}, "article"),
        ("claims/", {"status": "maybe"}, "status"),
        ("articles/", {"published_after": "last tuesday"}, "published_after"),
        ("sentences/", {"article": "0"}, "article"),
    ],
)
def test_an_invalid_filter_value_is_400_naming_the_field(
    as_viewer: APIClient, db: None, path: str, params: dict[str, str], field: str
):
    error = assert_error_shape(as_viewer.get(f"{API}/{path}", params), 400, "invalid")
    assert set(error["fields"]) == {field}


def test_an_inactive_users_token_is_refused(viewer: User):
    client = token_client(viewer)
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    assert_error_shape(client.get(f"{API}/claims/"), 401, "authentication_failed")


def test_a_crash_under_the_api_is_a_500_in_the_error_shape(
    as_viewer: APIClient, monkeypatch: pytest.MonkeyPatch, db: None
):
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(querysets, "articles_with_counts", broken)
    as_viewer.raise_request_exception = False

    error = assert_error_shape(as_viewer.get(f"{API}/articles/"), 500, "server_error")

    assert "a bug" not in error["message"]  # the traceback goes to the log, not to the client


def test_a_disallowed_host_under_the_api_is_a_400_in_the_error_shape(as_viewer: APIClient, db: None):
    assert_error_shape(as_viewer.get(f"{API}/claims/", HTTP_HOST="evil.example"), 400, "disallowed_host")


def test_an_unknown_path_under_api_outside_v1_is_a_json_404_and_pages_keep_html(client: Client, db: None):
    assert_error_shape(client.get("/api/nothing/"), 404, "not_found")
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "body", ["[" * 1000 + "]" * 1000, '{"a":' * 600 + "1" + "}" * 600, "{bad", '{"claim": 1e309}', "1" * 5000]
)
def test_json_the_decoder_gives_up_on_is_a_400(as_reviewer: APIClient, db: None, body: str):
    response = as_reviewer.post(f"{API}/reviews/", body, content_type="application/json", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert_error_shape(response, 400)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 123}, "text"),
        ({"text": "An article with enough words in it.", "title": True}, "title"),
        ({"text": "An article with enough words in it.", "url": "javascript:alert(1)"}, "url"),
        ({"text": "An article with enough words in it.", "url": "ftp://example.org/a"}, "url"),
        ({"text": ["a"]}, "text"),
    ],
)
def test_article_fields_of_the_wrong_type_or_scheme_are_a_400(as_reviewer: APIClient, db: None, body: Any, field: str):
    error = assert_error_shape(as_reviewer.post(f"{API}/articles/", body, format="json"), 400, "invalid")
    assert set(error["fields"]) == {field}


@pytest.mark.parametrize("claim", [10.5, True, "1", 2**70, -1])
def test_a_claim_id_that_is_not_a_whole_number_in_range_is_a_400(as_reviewer: APIClient, db: None, claim: Any):
    body = {"claim": claim, "verdict": "corroborated", "rationale": "checked"}
    error = assert_error_shape(
        as_reviewer.post(f"{API}/reviews/", body, format="json", HTTP_IF_MATCH="*"), 400, "invalid"
    )
    assert set(error["fields"]) == {"claim"}
