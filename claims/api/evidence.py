"""REST API v1 evidence links: list and read them, add a manual one, confirm or reject one."""

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
from rest_framework.utils.serializer_helpers import ReturnDict

from claims import filters
from claims.api import querysets
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, ListFiltersOnly, caller, errors, validated
from claims.api.pagination import IdCursorPagination
from claims.api.parsers import JSONParser
from claims.api.serializers import EvidenceCreateSerializer, EvidenceDecisionSerializer, EvidenceSerializer
from claims.models import Evidence
from claims.services import reviews as review_services


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
    ListFiltersOnly[Evidence],  # hiding withdrawn links is a list filter: one named by id still reads
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Evidence],
):
    filterset_class = filters.EvidenceFilter
    parser_classes = [JSONParser]
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Evidence]:
        return querysets.evidence_with_quotes()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return EvidenceCreateSerializer
        if self.action == "decision":
            return EvidenceDecisionSerializer
        return EvidenceSerializer

    def _shown(self, evidence: Evidence) -> ReturnDict[str, Any]:
        # Re-read: the quote and article id are annotations the service's instance lacks.
        return EvidenceSerializer(self.get_queryset().get(pk=evidence.pk)).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(EvidenceCreateSerializer(data=request.data))
        evidence = review_services.evidence_add_manual(
            claim_id=data["claim"].pk,
            sentence_id=data["sentence"].pk,
            start=data["start"],
            end=data["end"],
            stance=data["stance"],
            user=caller(request),
            note=data["note"],
        )
        headers = {"Location": reverse("api:evidence-detail", args=[evidence.pk], request=request)}
        return Response(self._shown(evidence), status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Confirm or reject an evidence link",
        description="Appends a decision (the link itself is kept) and makes it the link's current decision.",
        request=EvidenceDecisionSerializer,
        responses={200: EvidenceSerializer, **errors(400, 401, 403, 404, 429)},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, pk: str) -> Response:
        evidence = self.get_object()
        data = validated(EvidenceDecisionSerializer(data=request.data))
        review_services.evidence_decide(
            evidence_id=evidence.pk, reviewer=caller(request), decision=data["decision"], note=data["note"]
        )
        return Response(self._shown(evidence))
