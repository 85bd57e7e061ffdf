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

from claims.models import ChecklistItem, Claim, DuplicateGroup, Job, TokenScope
from claims.services import groups as group_services
from claims.services import reviews as review_services
from claims.services import tokens as token_services
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
# Writes on duplicate groups, fed random bodies and If-Match values by a reviewer: any of
# them may be refused (400, 404, 412, 428), none may fail with a 500 or off the schema.
GROUP_WRITES = sorted(
    op.label
    for op in (r.ok() for r in SCHEMA.get_all_operations())
    if op.method.upper() == "POST" and op.path.startswith("/api/v1/groups/")
)
# The review desk's writes on a claim, fed random bodies by a reviewer: refused (400, 404, 409) or done.
DESK_WRITES = sorted(
    op.label
    for op in (r.ok() for r in SCHEMA.get_all_operations())
    if op.method.upper() == "POST" and op.path.startswith("/api/v1/claims/")
)


@pytest.fixture
def corpus(_keep_the_test_connection: None, seed_corpus: Job, reviewer: User) -> None:
    # Real ids for the generated path parameters to hit, alongside random ones (404).
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Checked.")
    twins = list(Claim.objects.order_by("id").values_list("id", flat=True)[:3])
    group_services.group_create(claim_ids=twins, user=reviewer)


def test_the_run_covers_every_get_operation():
    assert len(GET_OPERATIONS) == 26
    assert "GET /api/v1/search/" in GET_OPERATIONS
    assert "GET /api/v1/claims/{id}/checklist/" in GET_OPERATIONS
    assert "GET /api/v1/ratings/" in GET_OPERATIONS
    assert "GET /api/v1/claims/{id}/claimreview/" in GET_OPERATIONS
    assert "GET /api/v1/groups/{id}/" in GET_OPERATIONS


@pytest.mark.parametrize("label", GET_OPERATIONS)
def test_every_get_operation_conforms_to_the_schema_and_never_errors(corpus: None, reviewer: User, label: str):
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    _, token = token_services.token_create(user=reviewer, scope=TokenScope.READ)
    headers = {"Authorization": f"Token {token}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_the_group_write_run_covers_create_merge_split_and_canonical():
    assert GROUP_WRITES == [
        "POST /api/v1/groups/",
        "POST /api/v1/groups/{id}/canonical/",
        "POST /api/v1/groups/{id}/merge/",
        "POST /api/v1/groups/{id}/split/",
    ]


@pytest.mark.parametrize("label", GROUP_WRITES)
def test_group_writes_conform_to_the_schema_and_never_error(corpus: None, reviewer: User, label: str):
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    _, token = token_services.token_create(user=reviewer, scope=TokenScope.REVIEW)
    headers = {"Authorization": f"Token {token}"}
    group = DuplicateGroup.objects.order_by("-id").first()
    assert group is not None
    calls = iter(range(10**6))

    # Fewer examples than the write throttle allows per minute (120), so none is a 429. Random
    # ids and If-Match values are mostly 404 and 400; so that the bodies reach the group services,
    # two calls in three go to a real group and one in three skips the version check.
    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        n = next(calls)
        if case.path_parameters and n % 3 != 2:
            case.path_parameters["id"] = group.pk
        if n % 3 == 0 and case.headers is not None:
            case.headers["If-Match"] = "*"
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_the_desk_write_run_covers_comments_checklist_and_assignee():
    assert DESK_WRITES == [
        "POST /api/v1/claims/{id}/assignee/",
        "POST /api/v1/claims/{id}/checklist/",
        "POST /api/v1/claims/{id}/comments/",
    ]


@pytest.mark.parametrize("label", DESK_WRITES)
def test_desk_writes_conform_to_the_schema_and_never_error(corpus: None, reviewer: User, label: str):
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    _, token = token_services.token_create(user=reviewer, scope=TokenScope.REVIEW)
    headers = {"Authorization": f"Token {token}"}
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    ChecklistItem.objects.create(label="Source called")
    calls = iter(range(10**6))

    # Under the write throttle (120 a minute), as the group writes; two calls in three go to a real claim.
    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        if case.path_parameters and next(calls) % 3 != 2:
            case.path_parameters["id"] = claim.pk
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
