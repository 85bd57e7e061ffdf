"""Idempotency keys of API writes: their lifetime and expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from claims.models import (
    IdempotencyKey,
)


def idempotency_cutoff() -> Any:
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_keys_expire() -> int:
    """Delete keys older than the TTL; returns how many went."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=idempotency_cutoff()).delete()
    return deleted
