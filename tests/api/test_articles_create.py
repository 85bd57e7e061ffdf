"""Creating articles over the API: one or a batch, queued as an ingest job, idempotent by key."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import IdempotencyKey, Job, JobItem, JobKind, TokenScope
from sources.models import Article
from sources.services import story_create
from tests.api.conftest import API, assert_error_shape, token_for

ARTICLE = {
    "text": "Harbour report\n\nThe Port Authority said on Monday that cargo volumes rose 12 percent in 2023.",
    "title": "Harbour report",
    "outlet": "Daily Ledger",
    "domain": "ledger.example",
    "url": "https://ledger.example/harbour",
    "published_at": "2024-01-10T08:00:00Z",
}


def post(client: APIClient, body: dict[str, Any], key: str | None = None, path: str = "articles/") -> Any:
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"{API}/{path}", body, format="json", **headers)


def test_posting_one_article_queues_an_ingest_job_and_returns_202_with_it(
    as_reviewer: APIClient, reviewer: User, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_reviewer, ARTICLE, key="k-1")
    assert response.status_code == 202, response.content
    job = Job.objects.get(kind=JobKind.INGEST)
    assert response.json()["id"] == job.pk
    assert response.json()["kind"] == "ingest"
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert job.created_by == reviewer
    # Eager mode (no broker in this test) ran the job after commit.
    job.refresh_from_db()
    assert job.state == "succeeded"
    article = Article.objects.get()
    assert article.url == ARTICLE["url"]
    assert article.outlet is not None
    assert article.outlet.name == "Daily Ledger"
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2024-01-10T08:00:00+00:00"
    assert as_reviewer.get(response["Location"]).json()["state"] == "succeeded"


def test_a_retry_with_the_same_key_and_body_replays_the_first_response_and_creates_nothing(as_reviewer: APIClient):
    first = post(as_reviewer, ARTICLE, key="retry-me")
    second = post(as_reviewer, ARTICLE, key="retry-me")
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == first.json()
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Job.objects.filter(kind=JobKind.INGEST).count() == 1
    assert JobItem.objects.count() == 1
    record = IdempotencyKey.objects.get()
    assert (record.key, record.response_status) == ("retry-me", 202)


def test_the_same_key_with_a_different_body_is_422_and_creates_nothing(as_reviewer: APIClient):
    assert post(as_reviewer, ARTICLE, key="k-2").status_code == 202
    changed = {**ARTICLE, "title": "Another title"}
    assert_error_shape(post(as_reviewer, changed, key="k-2"), 422, "idempotency_key_reused")
    # The same key on the batch endpoint is another request too.
    assert_error_shape(post(as_reviewer, {"articles": [ARTICLE]}, key="k-2", path="articles/batch/"), 422)
    assert Job.objects.filter(kind=JobKind.INGEST).count() == 1


def test_keys_belong_to_one_user(as_reviewer: APIClient, second_reviewer: User):
    other = APIClient()
    token = token_for(second_reviewer, TokenScope.REVIEW)
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert post(as_reviewer, ARTICLE, key="shared").status_code == 202
    response = post(other, ARTICLE, key="shared")
    assert response.status_code == 202
    assert not response.has_header("Idempotent-Replayed")
    assert Job.objects.filter(kind=JobKind.INGEST).count() == 2


def test_an_expired_key_is_forgotten_and_the_request_runs_again(as_reviewer: APIClient):
    assert post(as_reviewer, ARTICLE, key="old").status_code == 202
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = post(as_reviewer, {**ARTICLE, "title": "New body, old key"}, key="old")
    assert response.status_code == 202
    assert not response.has_header("Idempotent-Replayed")
    assert Job.objects.filter(kind=JobKind.INGEST).count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_an_invalid_request_stores_no_key_so_the_fixed_retry_goes_through(as_reviewer: APIClient):
    error = assert_error_shape(post(as_reviewer, {**ARTICLE, "published_at": "soon"}, key="fix-me"), 400, "invalid")
    assert set(error["fields"]) == {"published_at"}
    assert not IdempotencyKey.objects.exists()
    assert post(as_reviewer, ARTICLE, key="fix-me").status_code == 202


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "ünïcode"])
def test_a_malformed_idempotency_key_is_400(as_reviewer: APIClient, key: str):
    error = assert_error_shape(post(as_reviewer, ARTICLE, key=key), 400, "invalid")
    assert set(error["fields"]) == {"Idempotency-Key"}
    assert not Job.objects.exists()


def test_a_batch_is_one_job_with_one_item_per_article_in_a_story(as_reviewer: APIClient):
    story = story_create(name="Harbours", slug="harbours")
    html = {"html": "<html><body><article><h1>Port</h1><p>The port handled 5 million tonnes in 2023.</p>"
            "</article></body></html>", "outlet": "Coast Courier"}  # fmt: skip
    response = post(as_reviewer, {"articles": [ARTICLE, html], "story": "harbours"}, key="b-1", path="articles/batch/")
    assert response.status_code == 202, response.content
    job = Job.objects.get(kind=JobKind.INGEST)
    assert job.story == story
    assert [i["source"] for i in response.json()["items"]] == ["api:articles[0]", "api:articles[1]"]
    payloads = list(JobItem.objects.order_by("position").values_list("payload", flat=True))
    assert [p["is_html"] for p in payloads] == [False, True]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": "no text"}, {"text"}),
        ({"text": "x", "html": "<p>y</p>"}, {"text"}),
        ({"text": "   "}, {"text"}),
        ({"text": "ok", "url": "not a url"}, {"url"}),
        ({"text": "ok", "story": "no-such-story"}, {"story"}),
    ],
)
def test_an_invalid_article_is_400_naming_the_field(as_reviewer: APIClient, body: dict[str, Any], fields: set[str]):
    error = assert_error_shape(post(as_reviewer, body), 400, "invalid")
    assert set(error["fields"]) == fields
    assert not Job.objects.exists()


def test_a_batch_over_100_articles_or_empty_is_400(as_reviewer: APIClient):
    for articles in ([], [ARTICLE] * 101):
        error = assert_error_shape(post(as_reviewer, {"articles": articles}, path="articles/batch/"), 400, "invalid")
        assert set(error["fields"]) == {"articles"}
    assert not Job.objects.exists()


def test_a_viewer_and_a_read_scoped_token_cannot_create_articles(as_viewer: APIClient, reviewer: User):
    assert_error_shape(post(as_viewer, ARTICLE), 403, "permission_denied")
    read_only = APIClient()
    token = token_for(reviewer, TokenScope.READ)
    read_only.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert_error_shape(post(read_only, ARTICLE), 403, "permission_denied")
    assert not Job.objects.exists()


def test_concurrent_requests_with_one_key_create_one_job(live_server: Any, reviewer: User):
    token = token_for(reviewer, TokenScope.REVIEW)
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "race"}
    barrier = threading.Barrier(6)
    results: list[httpx.Response] = []

    def send() -> None:
        barrier.wait()
        with httpx.Client(base_url=live_server.url, timeout=30) as client:
            results.append(client.post(f"{API}/articles/", json=ARTICLE, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [202] * 6, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert sum(1 for r in results if r.headers.get("Idempotent-Replayed") == "true") == 5
    assert Job.objects.filter(kind=JobKind.INGEST).count() == 1
