"""REST API v1 reviews: the verdicts on claims, and recording one under the claim's If-Match."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from claims import filters
from claims.api import querysets
from claims.api.claims import CLAIM
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, caller, errors, validated
from claims.api.pagination import NewestFirstCursorPagination
from claims.api.parsers import JSONParser
from claims.api.serializers import ReviewSerializer
from claims.models import Claim, Review
from claims.services import reviews as review_services


@extend_schema_view(
    list=extend_schema(
        summary="List reviews, newest first", responses={200: ReviewSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="A review", responses={200: ReviewSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Record a verdict on a claim",
        description=(
            "Appends a review and makes its verdict the claim's status (reviewer role). Give a `rating` of the "
            "newsroom's scale (GET /api/v1/ratings/): its summary is the verdict; an unknown or retired rating "
            "is a 400 naming it. A `verdict` alone (corroborated or contested) records no rating, as before the scale. "
            "Send the claim's ETag as If-Match to refuse the write if someone changed the claim meanwhile."
        ),
        parameters=[CLAIM.if_match("The review is recorded")],
        request=ReviewSerializer,
        responses={201: ReviewSerializer, **errors(400, 401, 403, 412, 413, 428, 429)},
    ),
)
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Review],
):
    serializer_class = ReviewSerializer
    filterset_class = filters.ReviewFilter
    parser_classes = [JSONParser]
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self) -> QuerySet[Review]:
        return querysets.reviews_newest_first()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(self.get_serializer(data=request.data))
        claim: Claim = data["claim"]
        expected = CLAIM.required_version(request, claim.pk)
        with CLAIM.stale_is_412():
            review = review_services.review_record(
                claim_id=claim.pk,
                reviewer=caller(request),
                verdict=data.get("verdict", ""),
                rating=data["rating"].slug if "rating" in data else "",
                rationale=data["rationale"],
                expected_version=expected,
            )
        headers = {"Location": reverse("api:review-detail", args=[review.pk], request=request)}
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED, headers=headers)
