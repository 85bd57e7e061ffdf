"""Webhooks: Standard Webhooks signatures, subscriptions over the API, SSRF checks,
the outbox written with a verdict or a finished job, and signed delivery with retries."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from claims import webhooks
from claims.models import Claim, Job, WebhookDelivery, WebhookEndpoint, WebhookMessage
from claims.services import reviews as review_services
from claims.services import webhook_outbox
from tests.api.conftest import API, article_doc, assert_error_shape, ingest_now, token_client
from tests.api.receiver import webhook_receiver

# The test vector of the Standard Webhooks specification's reference libraries.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


# --- signing (plain Python) -----------------------------------------------------------------


def test_the_signature_matches_the_standard_webhooks_test_vector():
    assert webhooks.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS), "webhook-signature": VECTOR_SIGNATURE}
    webhooks.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TS + 10)


def test_verify_accepts_any_matching_signature_of_a_list():
    headers = webhooks.headers_for(VECTOR_SECRET, VECTOR_ID, VECTOR_BODY, timestamp=VECTOR_TS)
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"]
    webhooks.verify(VECTOR_SECRET, headers, VECTOR_BODY.encode(), now=VECTOR_TS)


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"body": '{"test": 2432232315}'}, VECTOR_TS),
        ({"secret": webhooks.generate_secret()}, VECTOR_TS),
        ({"webhook-id": "msg_other"}, VECTOR_TS),
        ({}, VECTOR_TS + 301),
        ({}, VECTOR_TS - 301),
        ({"webhook-signature": "v2," + VECTOR_SIGNATURE[3:]}, VECTOR_TS),
        ({"webhook-timestamp": "yesterday"}, VECTOR_TS),
    ],
)
def test_verify_refuses_a_changed_body_secret_id_signature_or_a_stale_timestamp(change: dict[str, str], now: int):
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS), "webhook-signature": VECTOR_SIGNATURE}
    secret = change.pop("secret", VECTOR_SECRET)
    body = change.pop("body", VECTOR_BODY)
    headers.update(change)
    with pytest.raises(webhooks.InvalidSignature):
        webhooks.verify(secret, headers, body, now=now)


def test_a_generated_secret_is_whsec_and_24_random_bytes():
    a, b = webhooks.generate_secret(), webhooks.generate_secret()
    assert a.startswith("whsec_")
    assert a != b
    assert len(webhooks._key(a)) == 24


# --- where webhooks may go (SSRF) -------------------------------------------------------------


def fixed(*addresses: str) -> Any:
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"]
)
def test_hosts_resolving_to_loopback_private_or_link_local_addresses_are_refused(address: str):
    with pytest.raises(webhooks.UnsafeURL, match="non-public"):
        webhooks.check_url("https://hooks.example/x", allow_private=False, resolve=fixed("93.184.216.34", address))
    # The escape hatch for tests and local development.
    webhooks.check_url("https://hooks.example/x", allow_private=True, resolve=fixed(address))


def test_ipv4_mapped_ipv6_loopback_is_refused():
    with pytest.raises(webhooks.UnsafeURL):
        webhooks.check_url("http://[::ffff:127.0.0.1]/x", allow_private=False, resolve=fixed("::ffff:127.0.0.1"))


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example/x", "file:///etc/passwd", "gopher://x", "https://u:p@hooks.example/"]
)
def test_only_plain_http_and_https_urls_are_accepted(url: str):
    with pytest.raises(webhooks.UnsafeURL):
        webhooks.check_url(url, allow_private=True, resolve=fixed("93.184.216.34"))


def test_a_public_address_is_accepted():
    webhooks.check_url("https://hooks.example/x", allow_private=False, resolve=fixed("93.184.216.34"))


# --- subscriptions over the API ---------------------------------------------------------------


def subscribe(client: APIClient, url: str, events: list[str] | None = None) -> Any:
    body = {"url": url, "events": events or ["review.recorded", "job.finished"], "description": "CMS"}
    return client.post(f"{API}/webhooks/", body, format="json")


def test_a_reviewer_subscribes_and_sees_the_secret_only_once(as_reviewer: APIClient, reviewer: User):
    response = subscribe(as_reviewer, "http://127.0.0.1:9/hook")
    assert response.status_code == 201, response.content
    data = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert data["secret"] == endpoint.secret
    assert data["secret"].startswith("whsec_")
    assert data["created_by"] == reviewer.username
    assert data["events"] == ["job.finished", "review.recorded"]
    listed = as_reviewer.get(f"{API}/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    assert "secret" not in as_reviewer.get(f"{API}/webhooks/{endpoint.pk}/").json()


def test_another_reviewers_subscription_is_404_and_an_admin_sees_all(
    as_reviewer: APIClient, second_reviewer: User, admin_user: User
):
    endpoint_id = subscribe(as_reviewer, "http://127.0.0.1:9/hook").json()["id"]
    other = token_client(second_reviewer)
    assert other.get(f"{API}/webhooks/").json()["results"] == []
    assert_error_shape(other.get(f"{API}/webhooks/{endpoint_id}/"), 404, "not_found")
    assert_error_shape(other.delete(f"{API}/webhooks/{endpoint_id}/"), 404, "not_found")
    assert [e["id"] for e in token_client(admin_user).get(f"{API}/webhooks/").json()["results"]] == [endpoint_id]


def test_a_viewer_cannot_read_or_create_webhooks(as_viewer: APIClient):
    assert_error_shape(as_viewer.get(f"{API}/webhooks/"), 403, "permission_denied")
    assert_error_shape(subscribe(as_viewer, "http://127.0.0.1:9/hook"), 403, "permission_denied")


def test_deleting_a_subscription_stops_it_and_keeps_its_log(as_reviewer: APIClient):
    endpoint_id = subscribe(as_reviewer, "http://127.0.0.1:9/hook").json()["id"]
    assert as_reviewer.delete(f"{API}/webhooks/{endpoint_id}/").status_code == 204
    assert_error_shape(as_reviewer.get(f"{API}/webhooks/{endpoint_id}/"), 404)
    assert WebhookEndpoint.objects.get(pk=endpoint_id).active is False


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://127.0.0.1/x", ["review.recorded"], "url"),
        ("http://127.0.0.1:9/x", ["claim.deleted"], "events"),
        ("http://127.0.0.1:9/x", [], "events"),
    ],
)
def test_an_invalid_subscription_is_400(as_reviewer: APIClient, url: str, events: list[str], field: str):
    error = assert_error_shape(
        as_reviewer.post(f"{API}/webhooks/", {"url": url, "events": events}, format="json"), 400, "invalid"
    )
    assert set(error["fields"]) == {field}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.0.0.8/hook"])
def test_a_loopback_or_private_url_is_refused_unless_the_setting_allows_it(
    as_reviewer: APIClient, settings: Any, url: str
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    error = assert_error_shape(subscribe(as_reviewer, url), 400, "invalid")
    assert "non-public" in error["fields"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


# --- the outbox and delivery ------------------------------------------------------------------


@pytest.fixture
def claim(newsroom: dict[str, Any]) -> Claim:
    found = Claim.objects.order_by("id").first()
    assert found is not None
    return found


def test_a_verdict_writes_one_message_per_subscribed_endpoint_and_sends_after_commit(
    reviewer: User, claim: Claim, django_capture_on_commit_callbacks: Any
):
    jobs_only = WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/a", events=["job.finished"], secret="whsec_AA==", created_by=reviewer
    )
    reviews = WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/b", events=["review.recorded"], secret="whsec_AA==", created_by=reviewer
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review = review_services.review_record(
            claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Old."
        )
    message = WebhookMessage.objects.get()
    assert message.endpoint == reviews
    assert not WebhookMessage.objects.filter(endpoint=jobs_only).exists()
    assert len(callbacks) == 1  # the delivery is handed to Celery only once the verdict is committed
    body = json.loads(message.body)
    assert body["type"] == "review.recorded"
    assert body["data"] == {
        "review": review.pk,
        "claim": claim.pk,
        "claim_version": 2,
        "verdict": "contested",
        "rating": None,
        "rationale": "Old.",
        "reviewer": reviewer.username,
        "created_at": body["data"]["created_at"],
    }
    # Enqueueing the same cause again adds nothing.
    webhook_outbox.webhook_review_recorded(review=review, claim_version=2)
    assert WebhookMessage.objects.count() == 1


def test_a_finished_job_notifies_job_finished_subscribers(reviewer: User, db: None):
    WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/a", events=["job.finished"], secret="whsec_AA==", created_by=reviewer
    )
    job = ingest_now(article_doc(1))
    body = json.loads(WebhookMessage.objects.get().body)
    assert body["type"] == "job.finished"
    assert (body["data"]["job"], body["data"]["state"]) == (job.pk, "succeeded")
    assert body["data"]["result"]["created"] == 1


def message_for(reviewer: User, url: str) -> WebhookMessage:
    endpoint = WebhookEndpoint.objects.create(
        url=url, events=["review.recorded"], secret=webhooks.generate_secret(), created_by=reviewer
    )
    return WebhookMessage.objects.create(
        endpoint=endpoint, msg_id="msg_test", event="review.recorded", cause="test", body='{"type":"x"}'
    )


def test_an_attempt_posts_the_signed_body_and_logs_the_delivery(reviewer: User, db: None):
    with webhook_receiver() as receiver:
        message = message_for(reviewer, receiver.url)
        assert webhook_outbox.webhook_attempt(message_id=message.pk) is None
        (request,) = receiver.wait_for(1)
    webhooks.verify(message.endpoint.secret, request.headers, request.body)
    assert request.headers["webhook-id"] == "msg_test"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 30
    assert request.body == b'{"type":"x"}'
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("delivered", 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempt, delivery.status_code, delivery.error) == (1, 204, "")
    # A duplicate task for a delivered message does nothing.
    assert webhook_outbox.webhook_attempt(message_id=message.pk) is None
    assert WebhookDelivery.objects.count() == 1


def test_failed_attempts_back_off_exponentially_and_give_up_after_the_last(reviewer: User, db: None, settings: Any):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    settings.WEBHOOKS_RETRY_BASE_MS = 1000
    with webhook_receiver(statuses=[500, 503, 500]) as receiver:
        message = message_for(reviewer, receiver.url)
        delays = []
        for _ in range(3):
            delays.append(webhook_outbox.webhook_attempt(message_id=message.pk))
            # An early duplicate (before the backoff is over) is skipped without an attempt.
            if delays[-1] is not None:
                assert webhook_outbox.webhook_attempt(message_id=message.pk) is None
            WebhookMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert len(receiver.wait_for(3)) == 3
    assert delays == [1.0, 2.0, None]
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("failed", 3)
    assert list(WebhookDelivery.objects.values_list("attempt", "status_code", "error")) == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
        (3, 500, "HTTP 500"),
    ]


def test_a_timeout_is_logged_as_a_failed_attempt(reviewer: User, db: None, settings: Any):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    with webhook_receiver(delay=2.5) as receiver:
        message = message_for(reviewer, receiver.url)
        assert webhook_outbox.webhook_attempt(message_id=message.pk) == settings.WEBHOOKS_RETRY_BASE_MS / 1000
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code is None
    assert "Timeout" in delivery.error


def test_a_delivery_to_a_private_address_is_refused_at_send_time_too(reviewer: User, db: None, settings: Any):
    message = message_for(reviewer, "http://127.0.0.1:9/hook")
    settings.WEBHOOKS_ALLOW_PRIVATE = False  # e.g. the setting was turned off after subscribing
    assert webhook_outbox.webhook_attempt(message_id=message.pk) is None
    message.refresh_from_db()
    assert message.state == "failed"
    assert WebhookDelivery.objects.get().error.startswith("refused: ")


def test_the_deliveries_endpoint_lists_attempts_newest_first(as_reviewer: APIClient, reviewer: User):
    with webhook_receiver(statuses=[500]) as receiver:
        endpoint_id = subscribe(as_reviewer, receiver.url).json()["id"]
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        message = WebhookMessage.objects.create(
            endpoint=endpoint, msg_id="msg_d", event="job.finished", cause="t", body="{}"
        )
        webhook_outbox.webhook_attempt(message_id=message.pk)
        WebhookMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        webhook_outbox.webhook_attempt(message_id=message.pk)
    rows = as_reviewer.get(f"{API}/webhooks/{endpoint_id}/deliveries/").json()["results"]
    assert [(r["attempt"], r["status_code"], r["msg_id"]) for r in rows] == [(2, 204, "msg_d"), (1, 500, "msg_d")]


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read by the Celery worker process when it starts: retry after 0.3 s, 0.6 s, …"""
    monkeypatch.setenv("WEBHOOKS_RETRY_BASE_MS", "300")


@pytest.mark.worker
def test_a_celery_worker_delivers_a_signed_verdict_event_retrying_after_failures(
    fast_retries: None, celery_worker: Any, reviewer: User
):
    ingest_now(article_doc(1))
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    client = token_client(reviewer)
    with webhook_receiver(statuses=[500, 502]) as receiver:
        secret = subscribe(client, receiver.url, ["review.recorded"]).json()["secret"]
        etag = client.get(f"{API}/claims/{claim.pk}/")["ETag"]
        response = client.post(
            f"{API}/reviews/",
            {"claim": claim.pk, "verdict": "corroborated", "rationale": "Port data."},
            format="json",
            HTTP_IF_MATCH=etag,
        )
        assert response.status_code == 201, response.content
        requests = receiver.wait_for(3, timeout=60)
    # Three attempts of one message: the same id each time, each signed afresh and valid.
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    for request in requests:
        webhooks.verify(secret, request.headers, request.body)
    event = json.loads(requests[-1].body)
    assert event["type"] == "review.recorded"
    assert event["data"]["review"] == response.json()["id"]
    deadline = time.monotonic() + 20
    message = WebhookMessage.objects.get()
    while message.state == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
        message.refresh_from_db()
    assert (message.state, message.attempts) == ("delivered", 3)
    codes = list(WebhookDelivery.objects.order_by("attempt").values_list("status_code", flat=True))
    assert codes == [500, 502, 204]
    starts = list(WebhookDelivery.objects.order_by("attempt").values_list("started_at", flat=True))
    # Backoff: at least 0.3 s before the second attempt and 0.6 s before the third.
    assert (starts[1] - starts[0]).total_seconds() >= 0.3
    assert (starts[2] - starts[1]).total_seconds() >= 0.6


def test_job_for_an_unsubscribed_event_sends_nothing(reviewer: User, claim: Claim):
    WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/a", events=["job.finished"], secret="whsec_AA==", created_by=reviewer, active=False
    )
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Old.")
    ingest_now(article_doc(7))
    assert not WebhookMessage.objects.exists()
    assert Job.objects.exists()


def test_without_a_broker_a_failed_delivery_is_not_retried_inside_the_request(
    as_reviewer: APIClient, reviewer: User, claim: Claim, django_capture_on_commit_callbacks: Any
):
    # Eager mode (no CELERY_BROKER_URL): the first attempt runs after commit, in-process;
    # the retry is left to a worker instead of running at once, six times, in the web request.
    with webhook_receiver(statuses=[500, 500, 500]) as receiver:
        subscribe(as_reviewer, receiver.url, ["review.recorded"])
        body = {"claim": claim.pk, "verdict": "contested", "rationale": "Old."}
        with django_capture_on_commit_callbacks(execute=True):
            response = as_reviewer.post(f"{API}/reviews/", body, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 201
        assert len(receiver.wait_for(1)) == 1
    message = WebhookMessage.objects.get()
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.next_attempt_at is not None
    assert WebhookDelivery.objects.count() == 1


def test_webhooks_resend_attempts_due_and_lost_messages_only(reviewer: User, db: None):
    with webhook_receiver() as receiver:
        due = message_for(reviewer, receiver.url)
        WebhookMessage.objects.filter(pk=due.pk).update(attempts=1, next_attempt_at=timezone.now())
        endpoint = due.endpoint
        WebhookMessage.objects.create(
            endpoint=endpoint,
            msg_id="msg_later",
            event="job.finished",
            cause="later",
            body="{}",
            attempts=1,
            next_attempt_at=timezone.now() + timedelta(hours=1),
        )
        lost = WebhookMessage.objects.create(
            endpoint=endpoint, msg_id="msg_lost", event="job.finished", cause="lost", body="{}"
        )
        WebhookMessage.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
        WebhookMessage.objects.create(
            endpoint=endpoint, msg_id="msg_fresh", event="job.finished", cause="fresh", body="{}"
        )
        out = StringIO()
        call_command("webhooks_resend", stdout=out)
        assert len(receiver.wait_for(2)) == 2
    assert "2 due message(s)" in out.getvalue()
    states = dict(WebhookMessage.objects.values_list("msg_id", "state"))
    assert states == {"msg_test": "delivered", "msg_later": "pending", "msg_lost": "delivered", "msg_fresh": "pending"}
