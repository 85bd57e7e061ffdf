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
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from claims import services
from claims.api import filters, selectors
from claims.api.errors import PreconditionFailed
from claims.api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
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
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for error responses, all in the shape of claims.api.errors."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in codes}


READ_ERRORS = errors(401, 403)
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
    required=False,
    description=(
        "ETag of the claim from GET /api/v1/claims/{id}/. The review is recorded only if the claim "
        "is unchanged since; otherwise 412."
    ),
)


# --- reads --------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List articles", responses={200: ArticleSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="An article with its body and sentences", responses={200: ArticleDetailSerializer, **DETAIL_ERRORS}
    ),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet[Article]):
    filterset_class = filters.ArticleFilter

    def get_queryset(self) -> QuerySet[Article]:
        return selectors.article_detail() if self.action == "retrieve" else selectors.article_list()

    def get_serializer_class(self) -> type[BaseSerializer[Article]]:
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer


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
        responses={201: ReviewSerializer, **errors(400, 401, 403, 412, 413)},
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
