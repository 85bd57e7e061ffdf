"""REST API v1 ingestion: queue documents in any layout sources.text.reading accepts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api import querysets
from claims.api.common import caller, errors, validated
from claims.api.jobs import job_response
from claims.api.parsers import JSONParser
from claims.api.serializers import IngestSerializer, JobDetailSerializer
from claims.jobs import ingest as ingest_jobs
from claims.models import Job
from sources.text.reading import ArticleDocument, InvalidDocument, ReadError, document_from_mapping


def _read_document(position: int, record: Any) -> ArticleDocument | ReadError:
    # An unreadable document becomes a failed item of the job, not a refused request.
    source = f"api:documents[{position}]"
    try:
        return document_from_mapping(record, source)
    except InvalidDocument as exc:
        return ReadError(source, str(exc))


class IngestView(GenericAPIView[Job]):
    serializer_class = IngestSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Job]:
        return querysets.jobs_with_items()

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
        data = validated(self.get_serializer(data=request.data))
        documents = [_read_document(i, record) for i, record in enumerate(data["documents"])]
        job = ingest_jobs.job_create_ingest(documents=documents, created_by=caller(request), story=data.get("story"))
        return job_response(request, job)
