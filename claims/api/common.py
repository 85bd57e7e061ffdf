"""What the API's resource modules share: who is calling, request bodies checked by a serializer,
the documented error responses, list-only filtering, and the JSON 404 for unknown paths."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from claims.api.serializers import ErrorSerializer

_M = TypeVar("_M", bound=Model)
_Row = TypeVar("_Row")


def caller(request: Request) -> User:
    """The logged-in user making the request (CanView has already refused anonymous requests)."""
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user


def validated(serializer: BaseSerializer[Any]) -> dict[str, Any]:
    """The serializer's data once it is valid; otherwise a 400 that names each invalid field."""
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- documented errors --------------------------------------------------------------------------

_ERROR_DESCRIPTIONS = {
    400: "The request is invalid; `fields` says which fields and why.",
    401: "No credentials, or invalid ones: send `Authorization: Token <key>` or log in.",
    403: "Logged in, but the role does not allow this (reads need any role; writes need reviewer).",
    404: "No such object.",
    412: "The claim changed since the ETag in If-Match was read (or If-Match names another claim).",
    413: "The request body is over the size limit.",
    422: "The Idempotency-Key was already used with a different request body.",
    428: "If-Match is required: send the claim's ETag from GET /api/v1/claims/{id}/ (or *).",
    429: "Too many requests; the Retry-After header says how many seconds to wait.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for error responses, all in the shape of claims.api.errors."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in codes}


READ_ERRORS = {
    **errors(401, 403),
    400: OpenApiResponse(ErrorSerializer, description="A filter or page_size value is invalid; `fields` names it."),
    404: OpenApiResponse(
        ErrorSerializer, description="The page number is past the last page, or the cursor is not one we gave."
    ),
}
DETAIL_ERRORS = errors(401, 403, 404)


# --- views ----------------------------------------------------------------------------------------


# A mixin, listed first among a viewset's bases: the list's query-string filters do not apply to
# one object named by id, so a link or group hidden from the list by default still reads by its id.
# (A comment, not a docstring: drf-spectacular would publish a view's docstring as its description.)
class ListFiltersOnly(GenericAPIView[_M]):
    action: str  # set by the viewset this is mixed into

    def filter_queryset(self, queryset: QuerySet[_M, _Row]) -> QuerySet[_M, _Row]:
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class NotFoundView(APIView):
    """Any other path under /api/v1/: a 404 in the API's error shape, not an HTML page."""

    permission_classes = [AllowAny]
    authentication_classes = []
    schema = None  # not an endpoint: left out of the OpenAPI schema

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Runs before method dispatch, so every method gets the same 404 (not a 405).
        raise NotFound("No API endpoint at this path (paths end with a slash); see /api/v1/docs/.")
