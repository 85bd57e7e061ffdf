"""REST API v1 ratings: the newsroom's rating scale a verdict is given on (edited in the admin)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from claims.api.common import READ_ERRORS
from claims.api.pagination import BoundedPageNumberPagination
from claims.api.serializers import RatingSerializer
from claims.models import Rating
from claims.selectors import claim_review as claim_review_selectors


@extend_schema_view(
    list=extend_schema(
        summary="The rating scale, in the order reviewers see it",
        description=(
            "Every rating, retired ones too (`active` false: old reviews keep them, new ones cannot use them). "
            "`rating_value` is the ClaimReview ratingValue, between the scale's `worst_rating` and `best_rating`; "
            "`summary` is the claim status the rating gives."
        ),
        responses={200: RatingSerializer(many=True), **READ_ERRORS},
    ),
)
class RatingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Rating]):
    serializer_class = RatingSerializer
    pagination_class = BoundedPageNumberPagination  # in scale order, not id order

    def get_queryset(self) -> QuerySet[Rating]:
        return Rating.objects.order_by("position", "id")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "scale_range": claim_review_selectors.scale_range()}
