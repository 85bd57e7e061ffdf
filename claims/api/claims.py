"""REST API v1 claims: list, the claim with its provenance (and ETag), and its JSON-LD exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from claims import filters
from claims.api import exports, querysets
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, errors
from claims.api.etags import Versioned
from claims.api.pagination import IdCursorPagination
from claims.api.serializers import ClaimDetailQuerySerializer, ClaimDetailSerializer, ClaimSerializer
from claims.models import Claim
from claims.selectors import corroboration as corroboration_selectors
from claims.services import reviews as review_services

# Reviews (claims.api.reviews) carry the claim's ETag as If-Match; the review services say when it is stale.
CLAIM = Versioned("claim", "/api/v1/claims/{id}/", review_services.StaleVersion)


@extend_schema_view(
    list=extend_schema(summary="List claims", responses={200: ClaimSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="A claim with its attribution, spans, evidence across articles, reviews and duplicate group",
        description=(
            "Evidence lists every link with how it was found: `method`, `strength` (given, auto above the "
            "upper threshold, suggested between the thresholds), `score`, `details` (each signal and the "
            "threshold that fired) and `via_claim`. Links a recompute withdrew are left out unless "
            "`include_withdrawn=true`. `corroboration` counts the outlets for and against it (counted links: "
            "given, automatic, or confirmed by a reviewer; suggestions are listed apart), how many "
            "supporting reports are independent (copies of one text or one wire count once), "
            "and names the first appearance. The ETag response header names the claim's version; send it as "
            "If-Match when reviewing."
        ),
        parameters=[ClaimDetailQuerySerializer],
        responses={200: ClaimDetailSerializer, **errors(400, 401, 403, 404)},
    ),
)
class ClaimViewSet(viewsets.ReadOnlyModelViewSet[Claim]):
    filterset_class = filters.ClaimFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Claim]:
        if self.action != "retrieve":
            return querysets.claims_with_article()
        query = ClaimDetailQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return querysets.claims_with_provenance(include_withdrawn=query.validated_data["include_withdrawn"])

    def get_serializer_class(self) -> type[BaseSerializer[Claim]]:
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        context = {
            **self.get_serializer_context(),
            "group": querysets.claim_group(claim=claim),
            "corroboration": corroboration_selectors.claim_corroboration(claim=claim),
        }
        return Response(ClaimDetailSerializer(claim, context=context).data, headers={"ETag": CLAIM.etag(claim)})

    def _exported(self, pk: str) -> Claim:
        # By id alone: the list's query-string filters must not hide the claim being exported.
        return get_object_or_404(querysets.claims_by_article(), pk=pk)

    @extend_schema(
        summary="The claim's review as schema.org ClaimReview (JSON-LD)",
        description=(
            "The latest verdict as a ClaimReview a newsroom can publish. `author` is the organisation in "
            "CLAIMREVIEW_AUTHOR_NAME/URL; `url` the fact-check's public address (CLAIMREVIEW_URL_TEMPLATE with the "
            "claim's id). `reviewRating` is the verdict's rating on the newsroom's scale: `ratingValue` between "
            "`worstRating` and `bestRating` (the lowest and highest values of the scale), `alternateName` the "
            "rating's published name; a verdict recorded before the scale keeps the 1-5 reading "
            "(1 = contested, 5 = corroborated). `itemReviewed.author` is the source the claim is credited to, "
            "when the article credits one. `itemReviewed.appearance` lists, at their own public URLs with "
            "headline and date, the claim's article and every article with a standing supporting link (not "
            "rejected, not withdrawn, not an unconfirmed suggestion), earliest first; `firstAppearance` is the "
            "earliest dated one. A part that is not known (no setting, no URL, no date) is left out, never made "
            "up. 404 (code not_reviewed) before any verdict."
        ),
        responses={200: OpenApiTypes.OBJECT, **DETAIL_ERRORS},
    )
    @action(detail=True, url_path="claimreview", renderer_classes=[JSONRenderer, exports.JSONLDRenderer])
    def claimreview(self, request: Request, pk: str) -> Response:
        return Response(exports.claim_review(self._exported(pk)))

    @extend_schema(
        summary="The claim's evidence as W3C Web Annotations (JSON-LD)",
        description=(
            "An AnnotationPage with one Annotation per evidence link (withdrawn links left out); "
            "each targets the article with a "
            "TextQuoteSelector (exact text, 32 characters of prefix and suffix) and a TextPositionSelector "
            "(character offsets into the article body, end exclusive)."
        ),
        responses={200: OpenApiTypes.OBJECT, **DETAIL_ERRORS},
    )
    @action(detail=True, url_path="annotations", renderer_classes=[JSONRenderer, exports.JSONLDRenderer])
    def annotations(self, request: Request, pk: str) -> Response:
        return Response(exports.web_annotations(self._exported(pk), request))
