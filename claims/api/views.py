"""REST API v1 views: reads for the corpus, claims and jobs; reviews and ingestion as writes.

Permissions come from REST_FRAMEWORK (claims.permissions.CanView: any role reads,
reviewers write); querysets come from claims.api.selectors; writes go through the
services, whose exceptions claims.api.errors turns into the one error shape.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from claims import services
from claims.api import exports, filters, selectors
from claims.api.errors import PreconditionFailed, PreconditionRequired
from claims.api.idempotency import IDEMPOTENCY_KEY, idempotent
from claims.api.serializers import (
    ArticleBatchSerializer,
    ArticleDetailSerializer,
    ArticleSerializer,
    ArticleSingleCreateSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ErrorSerializer,
    IngestSerializer,
    JobDetailSerializer,
    JobSerializer,
    ReviewSerializer,
    SentenceSerializer,
)
from claims.models import Claim, Job, Review
from sources.models import Article, Sentence
from sources.text.reading import ArticleDocument, InvalidDocument, ReadError, document_from_mapping

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
    404: OpenApiResponse(ErrorSerializer, description="The page number is past the last page (or not a number)."),
}
DETAIL_ERRORS = errors(401, 403, 404)


def _user(request: Request) -> User:
    """The logged-in user of a write (CanView has already refused anonymous requests)."""
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user


# --- ETags of claims ----------------------------------------------------------

_ETAG = re.compile(r'^(?:W/)?"claim-(?P<claim>\d+)-v(?P<version>\d+)"$')


def claim_etag(claim: Claim) -> str:
    """The ETag of a claim's current state; it changes whenever a service bumps ``claim.version``."""
    return f'"claim-{claim.pk}-v{claim.version}"'


def expected_version_from(if_match: str | None, claim_id: int) -> int | None:
    """The claim version an If-Match header expects, or None when there is no precondition.

    ``*`` only requires that the claim exists. A weak tag (``W/"…"``, as proxies that
    compress responses rewrite ETags) is accepted as the same version.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise ValidationError({"If-Match": ["Send the ETag of GET /api/v1/claims/{id}/ unchanged, or *."]})
    if int(match["claim"]) != claim_id:
        raise PreconditionFailed(f"If-Match is the ETag of claim {match['claim']}, not of claim {claim_id}.")
    return int(match["version"])


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "ETag of the claim from GET /api/v1/claims/{id}/. The review is recorded only if the claim "
        "is unchanged since; otherwise 412. Required (428 without it); `*` skips the version check."
    ),
)


# --- reads --------------------------------------------------------------------


def _document(data: dict[str, Any], position: int) -> ArticleDocument:
    html = data.get("html", "")
    return ArticleDocument(
        source=f"api:articles[{position}]",
        body=html or data["text"],
        is_html=bool(html),
        title=data.get("title", "").strip(),
        outlet=data.get("outlet", "").strip(),
        domain=data.get("domain", "").strip().lower(),
        url=data.get("url", "").strip(),
        published_at=data.get("published_at"),
        language=data.get("language", "").strip(),
    )


ARTICLE_CREATE_ERRORS = errors(400, 401, 403, 413, 422, 429)


@extend_schema_view(
    list=extend_schema(summary="List articles", responses={200: ArticleSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="An article with its body and sentences", responses={200: ArticleDetailSerializer, **DETAIL_ERRORS}
    ),
    create=extend_schema(
        summary="Store one article (queued as an ingest job)",
        description=(
            "Queues an ingest job for the article (reviewer role, token with the review scope) and returns "
            "the job to poll (Location). Send an Idempotency-Key so that a retry never stores it twice."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ArticleSingleCreateSerializer,
        responses={202: JobDetailSerializer, **ARTICLE_CREATE_ERRORS},
    ),
    batch=extend_schema(
        summary="Store a batch of articles (one ingest job)",
        description="As POST /articles/, for up to 100 articles in one job.",
        parameters=[IDEMPOTENCY_KEY],
        request=ArticleBatchSerializer,
        responses={202: JobDetailSerializer, **ARTICLE_CREATE_ERRORS},
    ),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Article],
):
    filterset_class = filters.ArticleFilter
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Article]:
        return selectors.article_detail() if self.action == "retrieve" else selectors.article_list()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return ArticleSingleCreateSerializer
        if self.action == "batch":
            return ArticleBatchSerializer
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def _queue(self, request: Request, documents: list[ArticleDocument], story: Any) -> Response:
        job = services.job_create_ingest(documents=documents, created_by=_user(request), story=story)
        job = selectors.job_detail().get(pk=job.pk)
        headers = {"Location": reverse("api:job-detail", args=[job.pk], request=request)}
        return Response(JobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers=headers)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def handle() -> Response:
            serializer = ArticleSingleCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            return self._queue(request, [_document(data, 0)], data.get("story"))

        return idempotent(request, _user(request), handle)

    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> Response:
        def handle() -> Response:
            serializer = ArticleBatchSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            documents = [_document(item, i) for i, item in enumerate(data["articles"])]
            return self._queue(request, documents, data.get("story"))

        return idempotent(request, _user(request), handle)


@extend_schema_view(
    list=extend_schema(summary="List sentences", responses={200: SentenceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="A sentence", responses={200: SentenceSerializer, **DETAIL_ERRORS}),
)
class SentenceViewSet(viewsets.ReadOnlyModelViewSet[Sentence]):
    serializer_class = SentenceSerializer
    filterset_class = filters.SentenceFilter

    def get_queryset(self) -> QuerySet[Sentence]:
        return selectors.sentence_list()


@extend_schema_view(
    list=extend_schema(summary="List claims", responses={200: ClaimSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="A claim with its spans, evidence and reviews",
        description="The ETag response header names the claim's version; send it as If-Match when reviewing.",
        responses={200: ClaimDetailSerializer, **DETAIL_ERRORS},
    ),
)
class ClaimViewSet(viewsets.ReadOnlyModelViewSet[Claim]):
    filterset_class = filters.ClaimFilter

    def get_queryset(self) -> QuerySet[Claim]:
        return selectors.claim_detail() if self.action == "retrieve" else selectors.claim_list()

    def get_serializer_class(self) -> type[BaseSerializer[Claim]]:
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        return Response(self.get_serializer(claim).data, headers={"ETag": claim_etag(claim)})

    @extend_schema(
        summary="The claim's review as schema.org ClaimReview (JSON-LD)",
        description=(
            "The latest verdict as a ClaimReview. `reviewRating.ratingValue` is on a 1-5 scale: "
            "1 = contested (reports disagree or do not bear the claim out), 5 = corroborated; "
            "`alternateName` is the verdict. `itemReviewed.appearance` lists the claim's article and every "
            "article with a supporting evidence link not rejected by a reviewer, earliest first; "
            "`firstAppearance` is the earliest published. 404 (code not_reviewed) before any verdict."
        ),
        responses={200: OpenApiTypes.OBJECT, **DETAIL_ERRORS},
    )
    @action(detail=True, url_path="claimreview", renderer_classes=[JSONRenderer, exports.JSONLDRenderer])
    def claimreview(self, request: Request, pk: str) -> Response:
        claim = get_object_or_404(selectors.claim_list(), pk=pk)
        return Response(exports.claim_review(claim, request))

    @extend_schema(
        summary="The claim's evidence as W3C Web Annotations (JSON-LD)",
        description=(
            "An AnnotationPage with one Annotation per evidence link; each targets the article with a "
            "TextQuoteSelector (exact text, 32 characters of prefix and suffix) and a TextPositionSelector "
            "(character offsets into the article body, end exclusive)."
        ),
        responses={200: OpenApiTypes.OBJECT, **DETAIL_ERRORS},
    )
    @action(detail=True, url_path="annotations", renderer_classes=[JSONRenderer, exports.JSONLDRenderer])
    def annotations(self, request: Request, pk: str) -> Response:
        claim = get_object_or_404(selectors.claim_list(), pk=pk)
        return Response(exports.web_annotations(claim, request))


@extend_schema_view(
    list=extend_schema(summary="List jobs", responses={200: JobSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="A job with its items", responses={200: JobDetailSerializer, **DETAIL_ERRORS}),
)
class JobViewSet(viewsets.ReadOnlyModelViewSet[Job]):
    filterset_class = filters.JobFilter

    def get_queryset(self) -> QuerySet[Job]:
        return selectors.job_detail() if self.action == "retrieve" else selectors.job_list()

    def get_serializer_class(self) -> type[BaseSerializer[Job]]:
        return JobDetailSerializer if self.action == "retrieve" else JobSerializer


# --- reviews ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List reviews, newest first", responses={200: ReviewSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="A review", responses={200: ReviewSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Record a verdict on a claim",
        description=(
            "Appends a review and makes its verdict the claim's status (reviewer role). "
            "Send the claim's ETag as If-Match to refuse the write if someone changed the claim meanwhile."
        ),
        parameters=[IF_MATCH],
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

    def get_queryset(self) -> QuerySet[Review]:
        return selectors.review_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim: Claim = serializer.validated_data["claim"]
        if request.headers.get("If-Match") is None:
            raise PreconditionRequired()
        expected = expected_version_from(request.headers.get("If-Match"), claim.pk)
        try:
            review = services.review_record(
                claim_id=claim.pk,
                reviewer=_user(request),
                verdict=serializer.validated_data["verdict"],
                rationale=serializer.validated_data["rationale"],
                expected_version=expected,
            )
        except services.StaleVersion as exc:
            raise PreconditionFailed(str(exc), code="stale_version") from exc
        headers = {"Location": reverse("api:review-detail", args=[review.pk], request=request)}
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED, headers=headers)


# --- ingestion ----------------------------------------------------------------


def _read_document(position: int, record: Any) -> ArticleDocument | ReadError:
    source = f"api:documents[{position}]"
    try:
        return document_from_mapping(record, source)
    except InvalidDocument as exc:
        return ReadError(source, str(exc))


class IngestView(GenericAPIView[Job]):
    serializer_class = IngestSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Job]:
        return selectors.job_detail()

    @extend_schema(
        summary="Queue documents for ingestion",
        description=(
            "Queues a job that stores each document as an article (with its sentences and claims). "
            "A document that cannot be read is recorded as a failed item of the job, not refused; "
            "follow the Location header to watch the job."
        ),
        request=IngestSerializer,
        responses={202: JobDetailSerializer, **errors(400, 401, 403, 413)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        documents = [_read_document(i, record) for i, record in enumerate(serializer.validated_data["documents"])]
        job = services.job_create_ingest(
            documents=documents,
            created_by=_user(request),
            story=serializer.validated_data.get("story"),
        )
        job = self.get_queryset().get(pk=job.pk)
        headers = {"Location": reverse("api:job-detail", args=[job.pk], request=request)}
        return Response(JobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers=headers)


# --- unknown paths ------------------------------------------------------------


class NotFoundView(APIView):
    """Any other path under /api/v1/: a 404 in the API's error shape, not an HTML page."""

    permission_classes = [AllowAny]
    authentication_classes = []
    schema = None  # not an endpoint: left out of the OpenAPI schema

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Runs before method dispatch, so every method gets the same 404 (not a 405).
        raise NotFound("No API endpoint at this path (paths end with a slash); see /api/v1/docs/.")
