"""A demo database busy with a job: a clear 503 to try again, not a 500.

The SQLite demo store takes one writer at a time. While the demo server's job thread holds the write
lock (``JOBS_IN_BACKGROUND``), a request that writes waits for it up to the connection's ``timeout``;
past that SQLite says "database is locked". That is not a fault of the request or of the server, so it
gets 503 with ``Retry-After``, in the API's error shape under /api/ and as a page elsewhere. PostgreSQL
never raises it: there, writers wait on row locks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from claims.api.errors import API_PREFIX, error_response

RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = "The database is busy with a running job, so this request was not completed; try again in a few seconds."


def is_database_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        if request.path.startswith(API_PREFIX):
            response: HttpResponse = error_response(503, "database_busy", BUSY_MESSAGE)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": BUSY_MESSAGE}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
