"""REST API v1 views: reads for the corpus, claims and jobs; reviews and ingestion as writes.

Permissions come from REST_FRAMEWORK (claims.permissions.CanView: any role reads,
reviewers write); querysets come from claims.api.selectors; writes go through the
services, whose exceptions claims.api.errors turns into the one error shape.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from claims import api_services, matching_selectors, services
from claims.api import exports, filters, selectors
from claims.api.errors import PreconditionFailed
from claims.api.etags import etag, required_version
from claims.api.idempotency import IDEMPOTENCY_KEY, idempotent
from claims.api.pagination import IdCursorPagination, NewestFirstCursorPagination
from claims.api.serializers import (
    ArticleBatchSerializer,
    ArticleDetailSerializer,
    ArticleSerializer,
    ArticleSingleCreateSerializer,
    ClaimDetailQuerySerializer,
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
from claims.permissions import CanRecompute
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
    404: OpenApiResponse(
        ErrorSerializer, description="The page number is past the last page, or the cursor is not one we gave."
    ),
}
DETAIL_ERRORS = errors(401, 403, 404)


def _user(request: Request) -> User:
    """The logged-in user of a write (CanView has already refused anonymous requests)."""
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user


# --- ETags of claims ----------------------------------------------------------

CLAIM_SOURCE = "/api/v1/claims/{id}/"


def claim_etag(claim: Claim) -> str:
    """The ETag of a claim's current state; it changes whenever a service bumps ``claim.version``."""
    return etag("claim", claim.pk, claim.version)


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
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Sentence]:
        return selectors.sentence_list()


@extend_schema_view(
    list=extend_schema(summary="List claims", responses={200: ClaimSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="A claim with its attribution, spans, evidence across articles, reviews and duplicate group",
        description=(
            "Evidence lists every link with how it was found: `method`, `strength` (given, auto above the "
            "upper threshold, suggested between the thresholds), `score`, `details` (each signal and the "
            "threshold that fired) and `via_claim`. Links a recompute withdrew are left out unless "
            "`include_withdrawn=true`. `corroboration` counts the outlets for and against it (live, unrejected "
            "links), how many supporting reports are independent (copies of one text or one wire count once), "
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
            return selectors.claim_list()
        query = ClaimDetailQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.claim_detail(include_withdrawn=query.validated_data["include_withdrawn"])

    def get_serializer_class(self) -> type[BaseSerializer[Claim]]:
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        context = {
            **self.get_serializer_context(),
            "group": selectors.claim_group(claim=claim),
            "corroboration": matching_selectors.claim_corroboration(claim=claim),
        }
        return Response(ClaimDetailSerializer(claim, context=context).data, headers={"ETag": claim_etag(claim)})

    @extend_schema(
        summary="The claim's review as schema.org ClaimReview (JSON-LD)",
        description=(
            "The latest verdict as a ClaimReview. `reviewRating.ratingValue` is on a 1-5 scale: "
            "1 = contested (reports disagree or do not bear the claim out), 5 = corroborated; "
            "`alternateName` is the verdict. `itemReviewed.appearance` lists the claim's article and every "
            "article with a standing supporting link (not rejected, not withdrawn, not an unconfirmed "
            "suggestion), earliest first; "
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
            "An AnnotationPage with one Annotation per evidence link (withdrawn links left out); "
            "each targets the article with a "
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
        return selectors.job_detail() if self.action in ("retrieve", "recompute") else selectors.job_list()

    def get_serializer_class(self) -> type[BaseSerializer[Job]]:
        return JobDetailSerializer if self.action in ("retrieve", "recompute") else JobSerializer

    @extend_schema(
        summary="Recompute every evidence link and duplicate group (admins)",
        description=(
            "Queues a job that re-links every live claim against the corpus and regroups duplicates; "
            "reviewers' decisions, pinned group members and canonical picks are kept, and machine links "
            "no longer found are withdrawn, never deleted. Admin role; with a token, the review scope. "
            "Returns the job to poll (Location): 202 when queued, 200 with the recompute already queued or "
            "running instead of a second one."
        ),
        request=None,
        responses={202: JobDetailSerializer, 200: JobDetailSerializer, **errors(401, 403, 429)},
    )
    @action(detail=False, methods=["post"], permission_classes=[CanRecompute])
    def recompute(self, request: Request) -> Response:
        job, created = api_services.job_request_recompute(user=_user(request))
        job = self.get_queryset().get(pk=job.pk)
        headers = {"Location": reverse("api:job-detail", args=[job.pk], request=request)}
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(JobDetailSerializer(job).data, status=code, headers=headers)


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
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self) -> QuerySet[Review]:
        return selectors.review_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim: Claim = serializer.validated_data["claim"]
        expected = required_version(request, kind="claim", pk=claim.pk, source=CLAIM_SOURCE)
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
