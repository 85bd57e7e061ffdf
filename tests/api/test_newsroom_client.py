"""A newsroom client plays the whole integration over real HTTP.

Against pytest-django's live server, with ingest jobs and webhook deliveries run by a real
Celery worker through Redis: log in for a token, subscribe a local receiver to events, post
the five seed articles with idempotency keys (retrying one), poll the jobs, list claims,
link evidence from another article, read the claim with its evidence across articles, group it
with a claim of another outlet and pick the group's wording (If-Match), record a verdict with
If-Match, fetch the ClaimReview JSON-LD, and verify the signed webhooks.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User

from claims import webhooks
from claims.models import WebhookDelivery
from sources.models import Article
from tests.api.conftest import API
from tests.api.receiver import Received, Receiver, webhook_receiver
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


def wait_for_events(
    receiver: Receiver, secret: str, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 60
) -> list[dict[str, Any]]:
    """Verified events, once ``done`` holds for all received so far."""
    deadline = time.monotonic() + timeout
    while True:
        events = events_of(list(receiver.requests), secret)
        if done(events):
            return events
        assert time.monotonic() < deadline, f"webhooks so far: {[(e['type'], e['data']) for e in events]}"
        receiver.wait_for(len(events) + 1, timeout=max(0.1, deadline - time.monotonic()))


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
        assert len(listing["results"]) > 5
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
        assert {e["article"] for e in detail.json()["evidence"]} >= {first_article, other_id}
        reports = detail.json()["corroboration"]["reports"]
        assert {r["outlet"] for r in reports if r["stance"] == "supports"} >= {OUTLETS[0], OUTLETS[2]}
        evidence = client.get(f"{API}/evidence/", params={"claim": claim["id"]}).raise_for_status().json()
        assert {(e["article"], e["method"]) for e in evidence["results"]} >= {(other_id, "manual")}
        assert all(e["quote"] for e in evidence["results"])

        # 7b. Group the claim with one from the other outlet's article, read the group, pick its wording.
        other_claim = client.get(f"{API}/claims/", params={"article": other_id}).raise_for_status().json()["results"][0]
        made = client.post(f"{API}/groups/", json={"claims": [claim["id"], other_claim["id"]], "note": "Same fact."})
        assert made.status_code == 201, made.text
        group = client.get(made.headers["Location"]).raise_for_status()
        assert {m["outlet"] for m in group.json()["members"]} == {OUTLETS[0], OUTLETS[2]}
        in_group = client.get(f"{API}/claims/{claim['id']}/").raise_for_status().json()["group"]
        assert (in_group["id"], in_group["size"]) == (made.json()["id"], 2)
        pick = {"claim": other_claim["id"]}
        canonical = client.post(
            f"{made.headers['Location']}canonical/", json=pick, headers={"If-Match": group.headers["ETag"]}
        )
        assert canonical.status_code == 200, canonical.text
        assert canonical.json()["canonical"]["id"] == other_claim["id"]
        again = client.post(
            f"{made.headers['Location']}canonical/", json=pick, headers={"If-Match": group.headers["ETag"]}
        )
        assert again.status_code == 412

        # 8. Record a verdict: without If-Match 428; with the ETag 201; the old ETag then 412.
        verdict = {"claim": claim["id"], "verdict": "corroborated", "rationale": "Two outlets report it."}
        assert client.post(f"{API}/reviews/", json=verdict).status_code == 428
        recorded = client.post(f"{API}/reviews/", json=verdict, headers={"If-Match": etag})
        assert recorded.status_code == 201, recorded.text
        stale = client.post(f"{API}/reviews/", json=verdict, headers={"If-Match": etag})
        assert stale.status_code == 412
        assert stale.json()["error"]["code"] == "stale_version"

        # 9. The ClaimReview JSON-LD lists both appearances; the first is the earliest.
        review = client.get(
            f"{API}/claims/{claim['id']}/claimreview/", headers={"Accept": "application/ld+json"}
        ).raise_for_status()
        assert review.headers["Content-Type"] == "application/ld+json"
        doc = review.json()
        assert doc["@type"] == "ClaimReview"
        assert doc["claimReviewed"] == claim["text"]
        assert doc["reviewRating"]["alternateName"] == "Corroborated"
        appearances = doc["itemReviewed"]["appearance"]
        # (Links the matcher confirmed on its own, above its upper threshold, may add further appearances.)
        assert {a["url"] for a in appearances} >= {articles[0]["url"], articles[2]["url"]}
        first = doc["itemReviewed"]["firstAppearance"]
        assert first["datePublished"] == min(a["datePublished"] for a in appearances)
        assert first["datePublished"] <= articles[2]["published_at"]

        # 10. The receiver got the five ingest jobs' job.finished events and the verdict, all correctly
        # signed (the matching jobs that ingestion queues may finish too, before or after these).
        def wanted(events: list[dict[str, Any]]) -> bool:
            ingests = [e for e in events if e["type"] == "job.finished" and e["data"]["kind"] == "ingest"]
            return len(ingests) == 5 and any(e["type"] == "review.recorded" for e in events)

        events = wait_for_events(receiver, secret, wanted)
        finished = [e["data"]["job"] for e in events if e["type"] == "job.finished" and e["data"]["kind"] == "ingest"]
        assert sorted(finished) == sorted(j["id"] for j in jobs)
        (verdict_event,) = [e for e in events if e["type"] == "review.recorded"]
        assert verdict_event["data"]["review"] == recorded.json()["id"]
        assert verdict_event["data"]["claim"] == claim["id"]
        assert verdict_event["data"]["verdict"] == "corroborated"
        with pytest.raises(webhooks.InvalidSignature):
            webhooks.verify(webhooks.generate_secret(), receiver.requests[0].headers, receiver.requests[0].body)

        # 11. Each of those deliveries is in the subscription's log, answered 204 (matching jobs may
        # still be adding deliveries of their own meanwhile).
        wanted_ids = {
            request.headers["webhook-id"]
            for request in list(receiver.requests)
            if (event := json.loads(request.body))["type"] == "review.recorded" or event["data"]["kind"] == "ingest"
        }
        assert len(wanted_ids) == 6
        log_url = f"{API}/webhooks/{hook.json()['id']}/deliveries/"
        deadline = time.monotonic() + 10
        while True:
            log = client.get(log_url, params={"page_size": 200}).raise_for_status().json()["results"]
            delivered = {d["msg_id"] for d in log if d["status_code"] == 204}
            if wanted_ids <= delivered or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert wanted_ids <= delivered
        assert WebhookDelivery.objects.filter(message__msg_id__in=wanted_ids, status_code=204).count() == 6
        client.close()
