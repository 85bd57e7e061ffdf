"""A demo database busy with a job answers 503 with Retry-After, in the API's shape under /api/."""

from __future__ import annotations

import json

from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from workbench.busy import DatabaseBusyMiddleware


def middleware() -> DatabaseBusyMiddleware:
    return DatabaseBusyMiddleware(lambda request: HttpResponse("ok"))


def test_an_api_write_that_finds_the_database_locked_gets_503_in_the_error_shape() -> None:
    request = RequestFactory().post("/api/v1/reviews/")

    response = middleware().process_exception(request, OperationalError("database is locked"))

    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["error"]["code"] == "database_busy"


def test_a_page_that_finds_the_database_locked_says_to_try_again() -> None:
    request = RequestFactory().post("/claims/1/verdict/")

    response = middleware().process_exception(request, OperationalError("database is locked"))

    assert response is not None
    assert response.status_code == 503
    assert "try again in a few seconds" in response.content.decode()


def test_other_database_errors_are_left_to_the_server_error_handler() -> None:
    request = RequestFactory().get("/api/v1/claims/")

    assert middleware().process_exception(request, OperationalError("no such table: claims_claim")) is None
    assert middleware().process_exception(request, ValueError("database is locked")) is None
