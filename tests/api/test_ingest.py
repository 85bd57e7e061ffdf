"""POST /api/v1/ingest/: documents become a job; unusable documents become failed items."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from claims.models import Claim, ItemState, Job, JobItem, JobKind
from sources.models import Article, Story
from sources.services import story_create
from tests.api.conftest import API, assert_error_shape

REPORT = (
    "Grain exports rose sharply\n\n"
    "The ministry said on Tuesday that grain exports rose 14 percent in 2023. "
    "Traders in Odesa reported that 120 ships left port in December."
)


def ingest(client: APIClient, documents: list[Any], **extra: Any) -> Any:
    return client.post(f"{API}/ingest/", {"documents": documents, **extra}, format="json")


def test_posting_documents_creates_a_job_and_articles(
    as_reviewer: APIClient, reviewer: Any, django_capture_on_commit_callbacks: Any
):
    documents = [
        {
            "text": REPORT,
            "title": "Grain exports",
            "outlet": "Field Post",
            "url": "https://fieldpost.example/grain",
            "published_at": "2024-01-05T09:30:00Z",
            "language": "en",
        },
        {"html": "<html><body><article><h1>Port news</h1><p>The port of Varna handled 30 ships in May 2024."
                 "</p></article></body></html>"},
    ]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = ingest(as_reviewer, documents)
        assert response.status_code == 202, response.content
        queued = response.json()
        # Accepted, not done: the job runs after the request's transaction commits.
        assert queued["state"] == "queued"
        assert (queued["done"], queued["total"]) == (0, 2)
        assert [i["state"] for i in queued["items"]] == ["pending", "pending"]
    # The job ran after the request committed (and may have queued a matching job in turn).
    assert callbacks

    job = Job.objects.get(kind=JobKind.INGEST)
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert job.created_by == reviewer
    data = as_reviewer.get(response["Location"]).json()
    assert data["id"] == job.pk
    assert (data["state"], data["done"], data["total"]) == ("succeeded", 2, 2)
    assert data["result"]["created"] == 2
    assert [i["state"] for i in data["items"]] == ["created", "created"]
    assert [i["source"] for i in data["items"]] == ["api:documents[0]", "api:documents[1]"]

    first = Article.objects.get(pk=data["items"][0]["article"])
    assert (first.title, first.url, first.outlet.name if first.outlet else None) == (
        "Grain exports",
        "https://fieldpost.example/grain",
        "Field Post",
    )
    assert first.published_at is not None
    assert first.published_at.isoformat() == "2024-01-05T09:30:00+00:00"
    assert "120 ships left port" in first.body
    assert Claim.objects.filter(article=first).exists()
    second = Article.objects.get(pk=data["items"][1]["article"])
    assert "Varna handled 30 ships" in second.body
    assert "<p>" not in second.body

    listed = as_reviewer.get(f"{API}/articles/").json()
    assert {r["id"] for r in listed["results"]} == {first.pk, second.pk}


def test_a_malformed_document_is_a_failed_item_not_a_500(
    as_reviewer: APIClient, django_capture_on_commit_callbacks: Any
):
    documents = [
        {"text": REPORT},
        "just a string",
        {"title": "No text at all"},
        {"text": "Some text that is fine.", "published_at": "next week"},
        {"text": "Some other text.", "title": ["not", "a", "string"]},
        {"text": "   "},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = ingest(as_reviewer, documents)
    assert response.status_code == 202, response.content
    immediate = response.json()
    # Unreadable documents are failed at once, before any worker sees the job.
    assert [i["state"] for i in immediate["items"]] == ["pending"] + ["failed"] * 5
    assert immediate["done"] == 5
    messages = [i["message"] for i in immediate["items"]]
    assert "expected a JSON object" in messages[1]
    assert "no article text" in messages[2]
    assert "published_at" in messages[3]
    assert "title must be a string" in messages[4]
    assert "no article text" in messages[5]

    job = Job.objects.get(kind=JobKind.INGEST)
    finished = as_reviewer.get(f"{API}/jobs/{job.pk}/").json()
    assert finished["state"] == "partial"
    assert (finished["result"]["created"], finished["result"]["failed"]) == (1, 5)
    assert [e["source"] for e in finished["result"]["errors"]] == [f"api:documents[{i}]" for i in range(1, 6)]
    assert Article.objects.count() == 1
    assert JobItem.objects.filter(state=ItemState.FAILED).count() == 5


def test_the_same_text_twice_is_a_duplicate_item(as_reviewer: APIClient, django_capture_on_commit_callbacks: Any):
    with django_capture_on_commit_callbacks(execute=True):
        ingest(as_reviewer, [{"text": REPORT}])
    with django_capture_on_commit_callbacks(execute=True):
        response = ingest(as_reviewer, [{"text": REPORT}])
    job = Job.objects.get(pk=response.json()["id"])
    assert list(job.items.values_list("state", flat=True)) == [ItemState.DUPLICATE]
    assert Article.objects.count() == 1


def test_ingesting_into_a_story_adds_the_articles_to_it(
    as_reviewer: APIClient, django_capture_on_commit_callbacks: Any
):
    story = story_create(name="Grain", slug="grain")
    with django_capture_on_commit_callbacks(execute=True):
        response = ingest(as_reviewer, [{"text": REPORT}], story="grain")
    assert response.status_code == 202
    assert response.json()["story"] == "grain"
    assert list(story.articles.values_list("title", flat=True)) == ["Grain exports rose sharply"]
    assert as_reviewer.get(f"{API}/articles/", {"story": "grain"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"documents": []}, {"documents"}),
        ({"documents": [{"text": "x"}] * 101}, {"documents"}),
        ({"documents": {"text": "x"}}, {"documents"}),
        ({}, {"documents"}),
        ({"documents": [{"text": "x"}], "story": "no-such-story"}, {"story"}),
    ],
)
def test_an_invalid_batch_is_400_and_queues_nothing(as_reviewer: APIClient, body: dict[str, Any], fields: set[str]):
    response = as_reviewer.post(f"{API}/ingest/", body, format="json")
    error = assert_error_shape(response, 400, "invalid")
    assert set(error["fields"]) == fields
    assert not Job.objects.exists()
    assert not Story.objects.exists()


def test_a_viewer_cannot_ingest(as_viewer: APIClient):
    assert_error_shape(ingest(as_viewer, [{"text": REPORT}]), 403, "permission_denied")
    assert not Job.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_an_oversized_request_is_413_and_queues_nothing(as_reviewer: APIClient):
    small = ingest(as_reviewer, [{"text": REPORT}])
    assert small.status_code == 202
    error = assert_error_shape(ingest(as_reviewer, [{"text": REPORT * 20}]), 413, "request_too_large")
    assert "2,000-byte limit" in error["message"]
    assert Job.objects.filter(kind=JobKind.INGEST).count() == 1
