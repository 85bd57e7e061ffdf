"""REST API v1 articles and their sentences: reads, and storing articles (queued as an ingest job).

Sentences live here too: they exist only as parts of an article, read from the same tables.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from claims import filters
from claims.api import querysets
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, caller, errors, validated
from claims.api.idempotency import IDEMPOTENCY_KEY, idempotent
from claims.api.jobs import job_response
from claims.api.pagination import IdCursorPagination
from claims.api.parsers import JSONParser
from claims.api.serializers import (
    ArticleBatchSerializer,
    ArticleDetailSerializer,
    ArticleSerializer,
    ArticleSingleCreateSerializer,
    JobDetailSerializer,
    SentenceSerializer,
)
from claims.jobs import ingest as ingest_jobs
from sources.models import Article, Sentence, Story
from sources.text.reading import ArticleDocument

ARTICLE_CREATE_ERRORS = errors(400, 401, 403, 413, 422, 429)


def _document(data: dict[str, Any], position: int) -> ArticleDocument:
    """A document from an ArticleCreateSerializer's validated fields.

    Not sources.text.reading's readers: those take untrusted JSON (published_at a string, the
    first non-empty of several body keys), while these fields are already typed and checked.
    """
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
        if self.action == "retrieve":
            return querysets.articles_with_sentences()
        return querysets.articles_with_counts()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return ArticleSingleCreateSerializer
        if self.action == "batch":
            return ArticleBatchSerializer
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def _queue(self, request: Request, documents: list[ArticleDocument], story: Story | None) -> Response:
        job = ingest_jobs.job_create_ingest(documents=documents, created_by=caller(request), story=story)
        return job_response(request, job)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def handle() -> Response:
            data = validated(ArticleSingleCreateSerializer(data=request.data))
            return self._queue(request, [_document(data, 0)], data.get("story"))

        return idempotent(request, caller(request), handle)

    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> Response:
        def handle() -> Response:
            data = validated(ArticleBatchSerializer(data=request.data))
            documents = [_document(item, i) for i, item in enumerate(data["articles"])]
            return self._queue(request, documents, data.get("story"))

        return idempotent(request, caller(request), handle)


@extend_schema_view(
    list=extend_schema(summary="List sentences", responses={200: SentenceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="A sentence", responses={200: SentenceSerializer, **DETAIL_ERRORS}),
)
class SentenceViewSet(viewsets.ReadOnlyModelViewSet[Sentence]):
    serializer_class = SentenceSerializer
    filterset_class = filters.SentenceFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Sentence]:
        return querysets.sentences_in_order()
