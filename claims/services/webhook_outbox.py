"""The webhook outbox: events written in the transaction that causes them, delivered after commit."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import httpx
from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims import webhooks
from claims.models import (
    Job,
    Review,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
    WebhookMessageState,
)
from claims.roles import can_review

logger = logging.getLogger(__name__)
# Sent by task name: ``claims.tasks`` imports this module, so this module never imports it.
DELIVER_TASK = "claims.tasks.deliver_webhook"


# A delivery task that arrives this much before its message's next attempt time still runs.
EARLY_SLACK = timedelta(milliseconds=250)


def webhook_endpoint_create(*, url: str, events: list[str], user: User, description: str = "") -> WebhookEndpoint:
    if not can_review(user):
        raise PermissionDenied("Only reviewers and admins can register webhooks.")
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise ValidationError({"events": f"Choose one or more of: {', '.join(WebhookEvent.values)}."})
    try:
        webhooks.check_url(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE)
    except webhooks.UnsafeURL as exc:
        raise ValidationError({"url": str(exc)}) from exc
    return WebhookEndpoint.objects.create(
        url=url,
        events=sorted(set(events)),
        secret=webhooks.generate_secret(),
        description=description.strip(),
        created_by=user,
    )


def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint) -> None:
    """Stop sending to an endpoint; its message log stays. Pending messages give up."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
        endpoint.messages.filter(state=WebhookMessageState.PENDING).update(
            state=WebhookMessageState.FAILED, finished_at=timezone.now()
        )


def webhook_events_enqueue(*, event: str, cause: str, data: dict[str, Any]) -> list[int]:
    """Write one message per active endpoint subscribed to ``event`` and send them after commit.

    ``cause`` names what happened (e.g. ``review:12``); enqueueing the same cause twice
    for an endpoint adds nothing, so a re-run of the caller does not notify twice.
    """
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]
    if not endpoints:
        return []
    now = timezone.now()
    messages = []
    for endpoint in endpoints:
        msg_id = f"msg_{uuid.uuid4().hex}"
        envelope = {"type": event, "timestamp": now.isoformat(), "data": data}
        body = json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)
        messages.append(WebhookMessage(endpoint=endpoint, msg_id=msg_id, event=event, cause=cause, body=body))
    WebhookMessage.objects.bulk_create(messages, ignore_conflicts=True)
    ids = list(
        WebhookMessage.objects.filter(
            cause=cause, endpoint__in=endpoints, state=WebhookMessageState.PENDING, attempts=0
        ).values_list("id", flat=True)
    )

    def send() -> None:
        task = current_app.tasks[DELIVER_TASK]
        for message_id in ids:
            task.delay(message_id)

    transaction.on_commit(send)
    return ids


def webhook_review_recorded(*, review: Review, claim_version: int) -> None:
    webhook_events_enqueue(
        event=WebhookEvent.REVIEW_RECORDED,
        cause=f"review:{review.pk}",
        data={
            "review": review.pk,
            "claim": review.claim_id,
            "claim_version": claim_version,
            "verdict": review.verdict,
            "rating": review.rating.slug if review.rating is not None else None,
            "rationale": review.rationale,
            "reviewer": review.reviewer.get_username(),
            "created_at": review.created_at,
        },
    )


def webhook_job_finished(*, job: Job) -> None:
    webhook_events_enqueue(
        event=WebhookEvent.JOB_FINISHED,
        cause=f"job:{job.pk}:{job.state}",
        data={
            "job": job.pk,
            "kind": job.kind,
            "state": job.state,
            "result": job.result,
            "finished_at": job.finished_at,
        },
    )


def webhook_backoff_seconds(attempt: int) -> float:
    """Wait after failed attempt ``attempt`` (1-based): base, 2×base, 4×base, …"""
    return float(settings.WEBHOOKS_RETRY_BASE_MS * 2 ** (attempt - 1) / 1000)


def _post(message: WebhookMessage) -> tuple[int | None, str, bool]:
    """Send once: (status code, error, permanent). Redirects are not followed (SSRF)."""
    endpoint = message.endpoint
    try:
        webhooks.check_url(endpoint.url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE)
    except webhooks.UnsafeURL as exc:
        return None, f"refused: {exc}", True
    headers = webhooks.headers_for(endpoint.secret, message.msg_id, message.body)
    try:
        response = httpx.post(
            endpoint.url,
            content=message.body.encode(),
            headers={**headers, "user-agent": "claim-workbench-webhooks/1"},
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:2000], False
    if 200 <= response.status_code < 300:
        return response.status_code, "", False
    return response.status_code, f"HTTP {response.status_code}", False


def webhook_attempt(*, message_id: int) -> float | None:
    """Make the next delivery attempt of a message; returns seconds until the next one, if any.

    The message row stays locked during the attempt, so a duplicate task (a redelivered
    Celery message) skips it; an early duplicate (before ``next_attempt_at``) does nothing.
    """
    with transaction.atomic():
        message = (
            WebhookMessage.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=message_id, state=WebhookMessageState.PENDING)
            .first()
        )
        if message is None:
            return None
        started = timezone.now()
        if message.next_attempt_at is not None and message.next_attempt_at > started + EARLY_SLACK:
            return None
        attempt = message.attempts + 1
        if message.endpoint.active:
            status_code, error, permanent = _post(message)
        else:
            status_code, error, permanent = None, "endpoint deactivated", True
        finished = timezone.now()
        WebhookDelivery.objects.create(
            message=message,
            attempt=attempt,
            status_code=status_code,
            error=error,
            started_at=started,
            finished_at=finished,
        )
        message.attempts = attempt
        delay: float | None = None
        if not error:
            message.state, message.finished_at, message.next_attempt_at = WebhookMessageState.DELIVERED, finished, None
        elif permanent or attempt >= settings.WEBHOOKS_MAX_ATTEMPTS:
            message.state, message.finished_at, message.next_attempt_at = WebhookMessageState.FAILED, finished, None
            logger.warning(
                "webhook %s to %s gave up after %s attempts: %s", message.msg_id, message.endpoint, attempt, error
            )
        else:
            delay = webhook_backoff_seconds(attempt)
            message.next_attempt_at = finished + timedelta(seconds=delay)
        message.save(update_fields=["attempts", "state", "finished_at", "next_attempt_at"])
        return delay


def webhook_messages_due(*, grace: timedelta = timedelta(minutes=1)) -> list[int]:
    """Pending messages whose next attempt is due, or that were never tried (a lost task)."""
    now = timezone.now()
    due = WebhookMessage.objects.filter(state=WebhookMessageState.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - grace)
    )
    return list(due.order_by("id").values_list("id", flat=True))
