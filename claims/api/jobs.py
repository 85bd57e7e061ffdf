"""REST API v1 jobs: list, a job with its items, the admins' recompute, and the response every
endpoint that queues a job answers with."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from claims import filters
from claims.api import querysets
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, caller, errors
from claims.api.serializers import JobDetailSerializer, JobSerializer
from claims.jobs import match as match_jobs
from claims.models import Job
from claims.permissions import CanRecompute


def job_response(request: Request, job: Job, code: int = status.HTTP_202_ACCEPTED) -> Response:
    """A queued job as GET /jobs/{id}/ shows it, with its address to poll in Location."""
    # Re-read: the job was just created (or found) without its items prefetched.
    job = querysets.jobs_with_items().get(pk=job.pk)
    headers = {"Location": reverse("api:job-detail", args=[job.pk], request=request)}
    return Response(JobDetailSerializer(job).data, status=code, headers=headers)


@extend_schema_view(
    list=extend_schema(summary="List jobs", responses={200: JobSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="A job with its items", responses={200: JobDetailSerializer, **DETAIL_ERRORS}),
)
class JobViewSet(viewsets.ReadOnlyModelViewSet[Job]):
    filterset_class = filters.JobFilter

    def get_queryset(self) -> QuerySet[Job]:
        if self.action in ("retrieve", "recompute"):
            return querysets.jobs_with_items()
        return querysets.jobs_newest_first()

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
        job, created = match_jobs.job_request_recompute(user=caller(request))
        return job_response(request, job, status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
