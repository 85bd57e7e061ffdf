"""REST API v1 for newsroom integration: evidence writes, bulk export, webhooks, tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from claims import api_services, services
from claims.api import exports, filters, selectors
from claims.api.pagination import IdCursorPagination
from claims.api.serializers import (
    EvidenceCreateSerializer,
    EvidenceDecisionSerializer,
    EvidenceSerializer,
    TokenIssuedSerializer,
    TokenLoginSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from claims.api.throttles import LoginRateThrottle
from claims.api.views import DETAIL_ERRORS, READ_ERRORS, errors
from claims.models import Evidence, WebhookDelivery, WebhookEndpoint
from claims.permissions import CanManageWebhooks
from claims.roles import can_admin

_Row = TypeVar("_Row")


def _user(request: Request) -> User:
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user


# --- evidence -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List evidence links", responses={200: EvidenceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="An evidence link", responses={200: EvidenceSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Link a span of an article to a claim as evidence (manual, confirmed)",
        description=(
            "Give the claim, the character span (offsets into the article body, end exclusive) and either "
            "the sentence it lies in or the article (the sentence holding the whole span is found). "
            "The link is recorded as confirmed by the caller."
        ),
        request=EvidenceCreateSerializer,
        responses={201: EvidenceSerializer, **errors(400, 401, 403, 413, 429)},
    ),
)
class EvidenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Evidence],
):
    filterset_class = filters.EvidenceFilter
    parser_classes = [JSONParser]
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Evidence]:
        return selectors.evidence_list()

    def filter_queryset(self, queryset: QuerySet[Evidence, _Row]) -> QuerySet[Evidence, _Row]:
        # List filters (and hiding withdrawn links) do not apply to one link named by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return EvidenceCreateSerializer
        if self.action == "decision":
            return EvidenceDecisionSerializer
        return EvidenceSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = EvidenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = services.evidence_add_manual(
            claim_id=data["claim"].pk,
            sentence_id=data["sentence"].pk,
            start=data["start"],
            end=data["end"],
            stance=data["stance"],
            user=_user(request),
            note=data["note"],
        )
        created = self.get_queryset().get(pk=evidence.pk)
        headers = {"Location": reverse("api:evidence-detail", args=[evidence.pk], request=request)}
        return Response(EvidenceSerializer(created).data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Confirm or reject an evidence link",
        description="Appends a decision (the link itself is kept) and makes it the link's current decision.",
        request=EvidenceDecisionSerializer,
        responses={200: EvidenceSerializer, **errors(400, 401, 403, 404, 429)},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, pk: str) -> Response:
        evidence = self.get_object()
        serializer = EvidenceDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.evidence_decide(
            evidence_id=evidence.pk,
            reviewer=_user(request),
            decision=serializer.validated_data["decision"],
            note=serializer.validated_data["note"],
        )
        return Response(EvidenceSerializer(self.get_queryset().get(pk=evidence.pk)).data)


# --- bulk export --------------------------------------------------------------------------


class IgnoreAccept(BaseContentNegotiation):
    """The export's format is in its path; errors are JSON whatever Accept says."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> Any:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        renderer = next(iter(renderers))
        return (renderer, renderer.media_type)


EXPORT_FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=["unreviewed", "corroborated", "contested"]),
    OpenApiParameter("story", OpenApiTypes.STR, description="Slug of a story the article is in"),
    OpenApiParameter("article", OpenApiTypes.INT, description="Article id"),
    OpenApiParameter("outlet", OpenApiTypes.INT, description="Outlet id of the claim's article"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Text the claim contains"),
    OpenApiParameter("published_after", OpenApiTypes.DATETIME, description="Article published at or after"),
    OpenApiParameter("published_before", OpenApiTypes.DATETIME, description="Article published strictly before"),
    OpenApiParameter(
        "has_conflicting_figures", OpenApiTypes.BOOL, description="Linked to a report giving a different figure"
    ),
]


class _ExportView(APIView):
    content_negotiation_class = IgnoreAccept
    media_type = ""
    extension = ""

    def get(self, request: Request) -> StreamingHttpResponse:
        rows = exports.export_rows(request, selectors.claim_list())
        lines = exports.jsonl_lines(rows) if self.extension == "jsonl" else exports.csv_lines(rows)
        return exports.streamed(lines, self.media_type, f"claims.{self.extension}")


class ExportClaimsJSONLView(_ExportView):
    media_type = "application/x-ndjson"
    extension = "jsonl"

    @extend_schema(
        summary="All claims matching the filters, one JSON object per line (streamed)",
        parameters=EXPORT_FILTERS,
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="JSON Lines"),
            **errors(400, 401, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return super().get(request)


class ExportClaimsCSVView(_ExportView):
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    @extend_schema(
        summary="All claims matching the filters as CSV with a header row (streamed)",
        parameters=EXPORT_FILTERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return super().get(request)


# --- webhooks -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List your webhook subscriptions (admins: all)",
        responses={200: WebhookEndpointSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A webhook subscription", responses={200: WebhookEndpointSerializer, **DETAIL_ERRORS}
    ),
    create=extend_schema(
        summary="Subscribe a URL to events",
        description=(
            "Reviewers and admins (token with the review scope). Events: review.recorded, job.finished. "
            "Each event is POSTed as JSON `{type, timestamp, data}` with the Standard Webhooks headers "
            "webhook-id, webhook-timestamp and webhook-signature (`v1,` + base64 HMAC-SHA256 of "
            "`{id}.{timestamp}.{body}` keyed with the secret). The secret is in this response only. "
            "Failed deliveries (non-2xx, timeouts) are retried with exponential backoff, up to 6 attempts. "
            "Only http(s) URLs on public addresses are accepted."
        ),
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **errors(400, 401, 403, 413, 429)},
    ),
    destroy=extend_schema(
        summary="Unsubscribe (pending deliveries stop; the delivery log stays)",
        responses={204: None, **errors(401, 403, 404, 429)},
    ),
    deliveries=extend_schema(
        summary="Delivery attempts of a subscription, newest first",
        responses={200: WebhookDeliverySerializer(many=True), **DETAIL_ERRORS},
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[WebhookEndpoint],
):
    permission_classes = [CanManageWebhooks]
    parser_classes = [JSONParser]
    serializer_class = WebhookEndpointSerializer

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        endpoints = WebhookEndpoint.objects.filter(active=True).select_related("created_by").order_by("id")
        if getattr(self, "swagger_fake_view", False):
            return endpoints.none()
        user = _user(self.request)
        # Another user's subscription is a 404, as if it did not exist (admins see all).
        return endpoints if can_admin(user) else endpoints.filter(created_by=user)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "deliveries":
            return WebhookDeliverySerializer
        return WebhookEndpointSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = api_services.webhook_endpoint_create(
            url=data["url"], events=data["events"], user=_user(request), description=data["description"]
        )
        headers = {"Location": reverse("api:webhook-detail", args=[endpoint.pk], request=request)}
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED, headers=headers
        )

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        api_services.webhook_endpoint_deactivate(endpoint=instance)

    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        rows: QuerySet[WebhookDelivery] = (
            WebhookDelivery.objects.filter(message__endpoint=endpoint)
            .select_related("message")
            .order_by("-started_at", "-id")
        )
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        if page is not None:
            return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
        return Response(WebhookDeliverySerializer(rows, many=True).data)


# --- tokens ---------------------------------------------------------------------------------


class TokenView(APIView):
    """Log in for a token (POST, throttled per address) or revoke the token in use (DELETE)."""

    parser_classes = [JSONParser]

    def _is_login(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and request.method == "POST"

    def get_permissions(self) -> list[Any]:
        # Anyone may try to log in; any logged-in token holder (viewers too) may revoke their token.
        return [AllowAny()] if self._is_login() else [IsAuthenticated()]

    def get_authenticators(self) -> list[Any]:
        # A login carries credentials in its body; no session, so no CSRF check either.
        return [] if self._is_login() else super().get_authenticators()

    def get_authenticate_header(self, request: Request) -> str:
        # A failed login is a 401 that names the scheme to use next, not a 403.
        return "Token"

    def get_throttles(self) -> list[Any]:
        return [LoginRateThrottle()] if self._is_login() else super().get_throttles()

    @extend_schema(
        summary="Exchange a username and password for an API token",
        description=(
            "The token is shown once and stored hashed. `scope` read (default) only reads; review also "
            "writes (reviewers and admins only). Throttled per client address (429 with Retry-After)."
        ),
        request=TokenLoginSerializer,
        responses={201: TokenIssuedSerializer, **errors(400, 401, 403, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if not isinstance(user, User) or not user.is_active:
            raise AuthenticationFailed("Wrong username or password.")
        hours = data.get("expiry_hours")
        instance, token = api_services.token_create(
            user=user,
            scope=data["scope"],
            expiry=timedelta(hours=hours) if hours else knox_settings.TOKEN_TTL,
            label=data["client"],
        )
        body = {"token": token, "scope": data["scope"], "expiry": instance.expiry}
        return Response(TokenIssuedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke the token this request was made with",
        request=None,
        responses={204: None, **errors(400, 401, 403, 429)},
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise ValidationError({"Authorization": ["Only a token can revoke itself; send it as Authorization."]})
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
