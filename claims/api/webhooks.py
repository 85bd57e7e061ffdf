"""REST API v1 webhooks: a reviewer's subscriptions to events, and their delivery log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from claims.api import querysets
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, caller, errors, validated
from claims.api.parsers import JSONParser
from claims.api.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from claims.models import WebhookEndpoint
from claims.permissions import CanManageWebhooks
from claims.services import webhook_outbox


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
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no caller to scope the subscriptions to.
            return querysets.active_webhook_endpoints().none()
        # Another user's subscription is a 404, as if it did not exist (admins see all).
        return querysets.webhook_endpoints_of(caller(self.request))

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "deliveries":
            return WebhookDeliverySerializer
        return WebhookEndpointSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(WebhookEndpointSerializer(data=request.data))
        endpoint = webhook_outbox.webhook_endpoint_create(
            url=data["url"], events=data["events"], user=caller(request), description=data["description"]
        )
        headers = {"Location": reverse("api:webhook-detail", args=[endpoint.pk], request=request)}
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED, headers=headers
        )

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhook_outbox.webhook_endpoint_deactivate(endpoint=instance)

    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        rows = querysets.webhook_deliveries_newest_first(self.get_object())
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        if page is not None:
            return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
        return Response(WebhookDeliverySerializer(rows, many=True).data)
