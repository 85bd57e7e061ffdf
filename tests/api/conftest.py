"""Fixtures for the REST API tests: clients that authenticate with real knox tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.jobs import ingest as ingest_jobs
from claims.jobs import runner as job_runner
from claims.models import Job, TokenGrant, TokenScope
from claims.roles import Role
from claims.services.tokens import password_stamp
from sources.models import Article, Story
from sources.services import story_create
from sources.text.reading import ArticleDocument

API = "/api/v1"


def token_for(user: User, scope: str = TokenScope.REVIEW) -> str:
    """A token for ``user`` with ``scope``, whatever the role (token_create would refuse a viewer
    the review scope; these tests check that the API refuses it too), stamped as token_create does."""
    instance, token = AuthToken.objects.create(user=user)
    TokenGrant.objects.create(token=instance, scope=scope, password_stamp=password_stamp(user))
    return token


def token_client(user: User, scope: str = TokenScope.REVIEW) -> APIClient:
    """A client that sends `Authorization: Token <key>` for ``user``, as a script would.

    The token gets the ``review`` scope (writes allowed, if the role allows them) unless told otherwise.
    """
    token = token_for(user, scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def assert_error_shape(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has ``status`` and exactly the API's single error shape; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "fields"}
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture(autouse=True)
def _api_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttle counters start from zero; webhooks may go to the loopback receivers of the tests
    (in this process and in a Celery worker started by the test, which reads the environment)."""
    cache.clear()
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "1")


@pytest.fixture(autouse=True)
def _role_groups_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """A transactional test (live server, Celery worker) starts after earlier ones flushed every
    table, the role groups of migration 0002 too: restore them before users are given roles."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        for role in Role:
            Group.objects.get_or_create(name=role.value)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def as_viewer(viewer: User) -> APIClient:
    return token_client(viewer)


@pytest.fixture
def as_reviewer(reviewer: User) -> APIClient:
    return token_client(reviewer)


@pytest.fixture
def as_outsider(outsider: User) -> APIClient:
    return token_client(outsider)


def ingest_now(*documents: ArticleDocument, story: Story | None = None) -> Job:
    job = ingest_jobs.job_create_ingest(documents=documents, story=story)
    job_runner.job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def article_doc(n: int, **meta: Any) -> ArticleDocument:
    """A small article whose sentences make checkable claims (numbers, names, dates)."""
    body = (
        f"Harbour report number {n}\n\n"
        f"The Port Authority said on Monday that cargo volumes rose {10 + n} percent in 2023. "
        f"Officials in Rotterdam confirmed that {200 + n} ships were inspected last year. "
        "The minister told reporters the new terminal would open in March 2025."
    )
    return ArticleDocument(source=f"test-{n}.txt", body=body, **meta)


@pytest.fixture
def newsroom(db: None) -> dict[str, Any]:
    """Three articles from two outlets on known dates; two of them in the story "harbours"."""
    story = story_create(name="Harbours", slug="harbours")
    ingest_now(
        article_doc(1, outlet="Daily Ledger", domain="ledger.example", published_at=datetime(2024, 1, 10, tzinfo=UTC)),
        article_doc(2, outlet="Daily Ledger", domain="ledger.example", published_at=datetime(2024, 2, 10, tzinfo=UTC)),
        story=story,
    )
    ingest_now(
        article_doc(3, outlet="Coast Courier", domain="courier.example", published_at=datetime(2024, 3, 10, tzinfo=UTC))
    )
    articles = {a.source_name: a for a in Article.objects.select_related("outlet")}
    return {"story": story, "articles": articles}
