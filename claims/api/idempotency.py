"""``Idempotency-Key`` for POSTs that create things: a retry gets the first response back.

The key row is inserted first, in the same transaction as the write it guards. A second
request with the same key blocks on the unique index until the first commits, then
replays its stored response (same body hash) or gets 422 (a different body). If the
write fails, the whole transaction rolls back, key included, so the client may retry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims.models import IdempotencyKey
from claims.services.idempotency import idempotency_cutoff

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
KEPT_HEADERS = ("Location",)

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value per logical request (e.g. a UUID), 1-255 printable ASCII characters. A retry with "
        "the same key and body within 24 hours returns the first response (with `Idempotent-Replayed: true`) "
        "and creates nothing; the same key with a different body gets 422."
    ),
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request; use a new key for a new request."
    default_code = "idempotency_key_reused"


def request_hash(request: Request) -> str:
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": request.data},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        raise IdempotencyKeyReused()
    headers = {**record.response_headers, "Idempotent-Replayed": "true"}
    return Response(record.response_body, status=record.response_status, headers=headers)


def idempotent(request: Request, user: User, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, key); without the header it simply runs."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not _VALID_KEY.match(key):
        raise exceptions.ValidationError({HEADER: ["Use 1 to 255 printable ASCII characters (no spaces)."]})
    digest = request_hash(request)
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=idempotency_cutoff()).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, request_hash=digest, response_status=0)
        except IntegrityError:
            return _replay(IdempotencyKey.objects.get(user=user, key=key), digest)
        response = handler()
        record.response_status = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data))
        record.response_headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
        record.save(update_fields=["response_status", "response_body", "response_headers"])
    return response
