"""A newsroom client plays the whole integration over real HTTP.

Against pytest-django's live server, with ingest jobs and webhook deliveries run by a real
Celery worker through Redis: log in for a token, subscribe a local receiver to events, post
the five seed articles with idempotency keys (retrying one), poll the jobs, list claims,
link evidence from another article, read the claim with its evidence across articles, record
a verdict with If-Match, fetch the ClaimReview JSON-LD, and verify the signed webhooks.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User

from claims import webhooks
from claims.models import WebhookDelivery
from sources.models import Article
from tests.api.conftest import API
from tests.api.receiver import Received, webhook_receiver
from tests.conftest import SEED_DIR

pytestmark = pytest.mark.worker

OUTLETS = ["Tehran Times", "Press TV", "IRNA", "Al Jazeera", "Mehr News"]


def seed_articles() -> list[dict[str, Any]]:
    articles = []
    published = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    for i, path in enumerate(sorted(SEED_DIR.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        outlet = OUTLETS[i]
        articles.append(
            {
                "text": text,
                "title": text.splitlines()[0].strip(),
                "outlet": outlet,
                "domain": outlet.lower().replace(" ", "") + ".example",
                "url": f"https://{outlet.lower().replace(' ', '')}.example/{path.stem}",
                # Listed newest first, so the first appearance is not simply the first posted.
                "published_at": (published - timedelta(hours=i)).isoformat(),
            }
        )
    return articles


def poll_job(client: httpx.Client, location: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(location).raise_for_status().json()
        if job["state"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, f"job still {job['state']}: {job}"
        time.sleep(0.25)


def events_of(requests: list[Received], secret: str) -> list[dict[str, Any]]:
    events = []
    for request in requests:
        webhooks.verify(secret, request.headers, request.body)  # raises on a bad signature
        events.append(json.loads(request.body))
    return events


def test_a_newsroom_client_ingests_reviews_and_exports_over_http(
    live_server: Any, celery_worker: Any, reviewer: User
) -> None:
    with webhook_receiver() as receiver, httpx.Client(base_url=live_server.url, timeout=30) as anonymous:
        # 1. Log in for a token with the review scope.
        login = {"username": reviewer.username, "password": "correct horse battery", "scope": "review"}
        issued = anonymous.post(f"{API}/auth/token/", json=login)
        assert issued.status_code == 201, issued.text
        auth = {"Authorization": f"Token {issued.json()['token']}"}
        client = httpx.Client(base_url=live_server.url, timeout=30, headers=auth)

        # 2. Subscribe the local receiver; the secret is shown once.
        hook = client.post(
            f"{API}/webhooks/", json={"url": receiver.url, "events": ["review.recorded", "job.finished"]}
        )
        assert hook.status_code == 201, hook.text
        secret = hook.json()["secret"]

        # 3. Post the five seed articles, each with its own Idempotency-Key; retry the third.
        articles = seed_articles()
        keys = [str(uuid.uuid4()) for _ in articles]
        locations = []
        for article, key in zip(articles, keys, strict=True):
            response = client.post(f"{API}/articles/", json=article, headers={"Idempotency-Key": key})
            assert response.status_code == 202, response.text
            assert response.json()["state"] in ("queued", "running", "succeeded")
            locations.append(response.headers["Location"])
        retry = client.post(f"{API}/articles/", json=articles[2], headers={"Idempotency-Key": keys[2]})
        assert retry.status_code == 202
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.headers["Location"] == locations[2]
        reused = client.post(f"{API}/articles/", json=articles[3], headers={"Idempotency-Key": keys[2]})
        assert reused.status_code == 422
        assert reused.json()["error"]["code"] == "idempotency_key_reused"

        # 4. Poll the jobs until the worker has finished them.
        jobs = [poll_job(client, location) for location in locations]
        assert [j["state"] for j in jobs] == ["succeeded"] * 5
        assert [j["result"]["created"] for j in jobs] == [1] * 5
        assert Article.objects.count() == 5  # the retry stored nothing

        # 5. List claims, and pick one from the first article.
        listing = client.get(f"{API}/claims/", params={"page_size": 200}).raise_for_status().json()
        assert listing["count"] > 5
        article_ids = {item["items"][0]["article"] for item in jobs}
        assert {c["article"] for c in listing["results"]} <= article_ids
        first_article = jobs[0]["items"][0]["article"]
        claim = next(c for c in listing["results"] if c["article"] == first_article)

        # 6. Link a sentence of another outlet's article as supporting evidence.
        other_id = jobs[2]["items"][0]["article"]
        other = client.get(f"{API}/articles/{other_id}/").raise_for_status().json()
        sentence = next(s for s in other["sentences"] if "Qatar" in s["text"])
        start = sentence["start"] + sentence["text"].index("Qatar")
        link = {"claim": claim["id"], "article": other_id, "start": start, "end": start + 5, "stance": "supports"}
        linked = client.post(f"{API}/evidence/", json=link)
        assert linked.status_code == 201, linked.text
        assert linked.json()["quote"] == "Qatar"

        # 7. Read the claim with its evidence across articles, and its ETag.
        detail = client.get(f"{API}/claims/{claim['id']}/")
        assert detail.status_code == 200
        etag = detail.headers["ETag"]
        assert {e["article"] for e in detail.json()["evidence"]} == {first_article, other_id}

        # 8. Record a verdict: without If-Match 428; with the ETag 201; the old ETag then 412.
        verdict = {"claim": claim["id"], "verdict": "corroborated", "rationale": "Two outlets report it."}
        assert client.post(f"{API}/reviews/", json=verdict).status_code == 428
        recorded = client.post(f"{API}/reviews/", json=verdict, headers={"If-Match": etag})
        assert recorded.status_code == 201, recorded.text
        stale = client.post(f"{API}/reviews/", json=verdict, headers={"If-Match": etag})
        assert stale.status_code == 412
        assert stale.json()["error"]["code"] == "stale_version"

        # 9. The ClaimReview JSON-LD lists both appearances; the first is the earlier one.
        review = client.get(
            f"{API}/claims/{claim['id']}/claimreview/", headers={"Accept": "application/ld+json"}
        ).raise_for_status()
        assert review.headers["Content-Type"] == "application/ld+json"
        doc = review.json()
        assert doc["@type"] == "ClaimReview"
        assert doc["claimReviewed"] == claim["text"]
        assert doc["reviewRating"]["alternateName"] == "Corroborated"
        appearances = doc["itemReviewed"]["appearance"]
        assert {a["url"] for a in appearances} == {articles[0]["url"], articles[2]["url"]}
        assert doc["itemReviewed"]["firstAppearance"]["url"] == articles[2]["url"]
        assert doc["itemReviewed"]["firstAppearance"]["publisher"]["name"] == OUTLETS[2]

        # 10. The receiver got five job.finished events and the verdict, all correctly signed.
        events = events_of(receiver.wait_for(6, timeout=60), secret)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            by_type.setdefault(event["type"], []).append(event)
        assert sorted(e["data"]["job"] for e in by_type["job.finished"]) == sorted(j["id"] for j in jobs)
        (verdict_event,) = by_type["review.recorded"]
        assert verdict_event["data"]["review"] == recorded.json()["id"]
        assert verdict_event["data"]["claim"] == claim["id"]
        assert verdict_event["data"]["verdict"] == "corroborated"
        with pytest.raises(webhooks.InvalidSignature):
            webhooks.verify(webhooks.generate_secret(), receiver.requests[0].headers, receiver.requests[0].body)

        # 11. Each delivery was logged.
        deadline = time.monotonic() + 10
        while WebhookDelivery.objects.filter(status_code=204).count() < 6 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert WebhookDelivery.objects.filter(status_code=204).count() == 6
        deliveries = client.get(f"{API}/webhooks/{hook.json()['id']}/deliveries/").raise_for_status().json()
        assert deliveries["count"] == 6
        client.close()
