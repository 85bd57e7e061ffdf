"""One JSON error shape for every API failure: {"error": {"code", "message", "fields"?}}.

DRF's views get it from ``exception_handler``; what fails outside them (an unhandled exception, a
request Django refuses before any view: a disallowed Host, a body over the limit) gets it from the
``handler*`` views that workbench.urls installs, for paths under /api/.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionFailed(exceptions.APIException):
    """The If-Match precondition of a write does not hold (the resource changed)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it; reload and try again."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    """A write that changes a claim came without If-Match (RFC 6585)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the claim's ETag (from GET /api/v1/claims/{id}/), or * to skip the check."
    default_code = "precondition_required"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _message(detail: Any) -> str:
    if isinstance(detail, dict):
        return "Some fields are invalid."
    if isinstance(detail, list):
        return " ".join(str(d) for d in detail)
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(_too_large_message())
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else code
    body: dict[str, Any] = {"code": code, "message": _message(response.data)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        body["fields"] = response.data
    elif isinstance(response.data, dict) and "detail" in response.data:
        body["message"] = str(response.data["detail"])
    response.data = {"error": _printable(body)}
    return response


def _printable(value: Any) -> Any:
    """Messages echo what the client sent ('"\\ud800" is not a valid choice'): a lone surrogate in it
    cannot be encoded as UTF-8, so it is written as its escape instead of failing the response."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


# --- errors Django answers itself (workbench.urls: handler400, handler403, handler404, handler500) ---

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _too_large_message() -> str:
    return f"The request body is over the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}-byte limit; send less per request."


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception or Exception())
    if isinstance(exception, RequestDataTooBig):
        return error_response(413, "request_too_large", _too_large_message())
    if isinstance(exception, DisallowedHost):
        return error_response(400, "disallowed_host", "This server does not answer for the Host in the request.")
    return error_response(400, "bad_request", "The request is malformed.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception or Exception())
    return error_response(403, "permission_denied", "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception or Http404())
    return error_response(404, "not_found", "No API endpoint at this path (paths end with a slash); see /api/v1/docs/.")


def server_error(request: HttpRequest) -> HttpResponse:
    """A crash: Django has logged it with its traceback; the client gets the shape, not an HTML page."""
    if not _is_api(request):
        return defaults.server_error(request)
    return error_response(500, "server_error", "The server failed to handle this request; it has been logged.")
