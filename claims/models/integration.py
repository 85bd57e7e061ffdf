"""REST API integration: idempotency keys, token scopes, webhook endpoints and their outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the response it got, so a retry replays it (24 h)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical JSON body")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_user_key_unique")]
        indexes = [
            # Sweeping expired keys.
            models.Index(fields=["created_at"], name="idempotencykey_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    REVIEW = "review", "Read and review (writes)"


class TokenGrant(models.Model):
    """The scope of one knox API token, and the password it was issued under.

    A token is accepted only while its ``password_stamp`` equals the stamp of its user's
    current password hash (claims/services/tokens.py): a password change by any path (the
    web form, the admin, ``changepassword``, ``set_password`` and ``save``) kills every earlier
    token. A token without a grant row is refused.
    """

    token = models.OneToOneField("knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="grant")
    scope = models.CharField(max_length=16, choices=TokenScope.choices, default=TokenScope.READ)
    label = models.CharField(max_length=100, blank=True, default="", help_text="Which client holds it")
    password_stamp = models.CharField(
        max_length=64, blank=True, default="", help_text="SHA-256 of the user's password hash when the token was made"
    )

    def __str__(self) -> str:
        return f"{self.scope} token {self.token_id}"


class WebhookEvent(models.TextChoices):
    REVIEW_RECORDED = "review.recorded", "A verdict was recorded"
    JOB_FINISHED = "job.finished", "A job finished"


class WebhookEndpoint(models.Model):
    """A subscriber URL; events of its types are signed with its secret (Standard Webhooks)."""

    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="Event types, e.g. ['review.recorded']")
    # Kept in clear: the server needs it to sign. Shown to the client only when created.
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["active"], name="webhookendpoint_active")]

    def __str__(self) -> str:
        return self.url


class WebhookMessageState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class WebhookMessage(models.Model):
    """One event for one endpoint (an outbox row, written with the change that caused it)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    msg_id = models.CharField(max_length=64, unique=True, help_text="The webhook-id header: same on every attempt")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # What caused it (e.g. "review:12"): one message per endpoint and cause, however often enqueued.
    cause = models.CharField(max_length=100)
    body = models.TextField(help_text="The exact JSON body that is signed and sent")
    state = models.CharField(max_length=16, choices=WebhookMessageState.choices, default=WebhookMessageState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "cause"], name="webhookmessage_endpoint_cause_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.msg_id} ({self.state})"


class WebhookDelivery(models.Model):
    """One attempt to deliver a message: the log a subscriber's owner reads."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["message_id", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["message", "attempt"], name="webhookdelivery_message_attempt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} attempt {self.attempt}: {self.status_code or self.error}"
