"""REST API v1 evidence links: list and read them, add a manual one, confirm or reject one or several at once."""

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
from claims.api.claims import CLAIM
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, ListFiltersOnly, caller, errors, validated
from claims.api.pagination import IdCursorPagination
from claims.api.parsers import JSONParser
from claims.api.serializers import (
    EvidenceBulkDecisionSerializer,
    EvidenceBulkResultSerializer,
    EvidenceCreateSerializer,
    EvidenceDecisionSerializer,
    EvidenceSerializer,
)
from claims.models import Claim, Evidence
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
        if self.action == "decisions":
            return EvidenceBulkDecisionSerializer
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

    @extend_schema(
        summary="Confirm or reject several links of one claim at once",
        description=(
            "One rationale for every link; each gets its own decision, as if decided one by one. All or none: "
            "a link of another claim, or the claim's own source when rejecting, refuses the whole batch (400). "
            "Send the claim's ETag as If-Match: a change since (a colleague's decision) refuses it too (412)."
        ),
        parameters=[CLAIM.if_match("The links are decided")],
        request=EvidenceBulkDecisionSerializer,
        responses={200: EvidenceBulkResultSerializer, **errors(400, 401, 403, 412, 413, 428, 429)},
    )
    @action(detail=False, methods=["post"])
    def decisions(self, request: Request) -> Response:
        data = validated(EvidenceBulkDecisionSerializer(data=request.data))
        claim: Claim = data["claim"]
        expected = CLAIM.required_version(request, claim.pk)
        with CLAIM.stale_is_412():
            records = review_services.evidence_decide_many(
                claim_id=claim.pk,
                evidence_ids=data["evidence"],
                reviewer=caller(request),
                decision=data["decision"],
                note=data["note"],
                expected_version=expected,
            )
        claim.refresh_from_db(fields=["version"])
        decided = self.get_queryset().filter(pk__in=[r.evidence_id for r in records])
        body = {"claim": claim.pk, "version": claim.version, "results": list(decided)}
        return Response(EvidenceBulkResultSerializer(body).data, headers={"ETag": CLAIM.etag(claim)})
