"""Property-based conformance: schemathesis generates requests for every GET operation of
the OpenAPI schema and runs them in-process (WSGI) as a reviewer on the seed corpus.

No response may be a server error, and every response must conform to the schema: a
documented status code, content type, headers and body shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims import api_services, services
from claims.models import Claim, Job, TokenScope
from workbench.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    """Django's WSGI handler closes the database connection after each request; the test
    client stops that so requests run inside the test's transaction, and so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema() -> Any:
    # The schema as /api/v1/schema/ serves it, made without a request (no database needed).
    document = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))
    loaded.app = application  # requests go to the WSGI app in this process
    return loaded


SCHEMA = _schema()
GET_OPERATIONS = sorted(op.label for op in (r.ok() for r in SCHEMA.get_all_operations()) if op.method.upper() == "GET")


@pytest.fixture
def corpus(_keep_the_test_connection: None, seed_corpus: Job, reviewer: User) -> None:
    # Real ids for the generated path parameters to hit, alongside random ones (404).
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Checked.")


def test_the_run_covers_every_get_operation():
    assert len(GET_OPERATIONS) == 19
    assert "GET /api/v1/claims/{id}/claimreview/" in GET_OPERATIONS


@pytest.mark.parametrize("label", GET_OPERATIONS)
def test_every_get_operation_conforms_to_the_schema_and_never_errors(corpus: None, reviewer: User, label: str):
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    _, token = api_services.token_create(user=reviewer, scope=TokenScope.READ)
    headers = {"Authorization": f"Token {token}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
