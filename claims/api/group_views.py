"""REST API v1 for duplicate groups: list, read, and the reviewer's merge, split and canonical pick.

Writes go through claims.group_services and carry If-Match with the group's ETag (its
version), exactly as reviews carry the claim's: 428 without it, 412 when stale.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from claims import group_services
from claims.api import filters, selectors
from claims.api.errors import PreconditionFailed
from claims.api.etags import etag, required_version
from claims.api.group_serializers import (
    GroupCanonicalSerializer,
    GroupCreateSerializer,
    GroupDetailSerializer,
    GroupMergeSerializer,
    GroupSerializer,
    GroupSplitSerializer,
)
from claims.api.pagination import NewestFirstCursorPagination
from claims.api.serializers import ErrorSerializer
from claims.api.views import DETAIL_ERRORS, READ_ERRORS, errors
from claims.models import DuplicateGroup

GROUP_SOURCE = "/api/v1/groups/{id}/"

GROUP_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "ETag of the group from GET /api/v1/groups/{id}/. The change is made only if the group is "
        "unchanged since; otherwise 412. Required (428 without it); `*` skips the version check."
    ),
)
GROUP_WRITE_ERRORS = {
    **errors(400, 401, 403, 404, 413, 429),
    412: OpenApiResponse(ErrorSerializer, description="The group changed since the ETag in If-Match was read."),
    428: OpenApiResponse(ErrorSerializer, description="If-Match is required: send the group's ETag (or *)."),
}

_Row = TypeVar("_Row")


def group_etag(group: DuplicateGroup) -> str:
    return etag("group", group.pk, group.version)


def _user(request: Request) -> User:
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user


@extend_schema_view(
    list=extend_schema(
        summary="List duplicate groups, newest first", responses={200: GroupSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(
        summary="A duplicate group: members side by side, differing figures, reviewer history",
        description="The ETag response header names the group's version; send it as If-Match to change the group.",
        responses={200: GroupDetailSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Group claims that state one fact (a new group, pinned)",
        description=(
            "Reviewer role, token with the review scope. The first claim (lowest id) is the canonical wording "
            "until a reviewer picks another. Claims already in a group move to the new one."
        ),
        request=GroupCreateSerializer,
        responses={201: GroupDetailSerializer, **errors(400, 401, 403, 413, 429)},
    ),
    merge=extend_schema(
        summary="Move claims, and every member of other groups, into this group",
        description=(
            "Reviewer role, token with the review scope. Moved claims are pinned: recomputes never move them. "
            "Groups merged in are left empty (their history stays readable)."
        ),
        parameters=[GROUP_IF_MATCH],
        request=GroupMergeSerializer,
        responses={200: GroupDetailSerializer, **GROUP_WRITE_ERRORS},
    ),
    split=extend_schema(
        summary="Take claims out of this group into a new group (a different fact)",
        description="Returns the new group (Location, ETag). Every claim involved is pinned.",
        parameters=[GROUP_IF_MATCH],
        request=GroupSplitSerializer,
        responses={201: GroupDetailSerializer, **GROUP_WRITE_ERRORS},
    ),
    canonical=extend_schema(
        summary="Pick the member whose wording stands for the group",
        description="Recomputes keep a reviewer's pick.",
        parameters=[GROUP_IF_MATCH],
        request=GroupCanonicalSerializer,
        responses={200: GroupDetailSerializer, **GROUP_WRITE_ERRORS},
    ),
)
class GroupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[DuplicateGroup],
):
    filterset_class = filters.GroupFilter
    pagination_class = NewestFirstCursorPagination
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[DuplicateGroup]:
        return selectors.group_list() if self.action == "list" else selectors.group_detail_queryset()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return GroupCreateSerializer
        return GroupSerializer if self.action == "list" else GroupDetailSerializer

    def filter_queryset(self, queryset: QuerySet[DuplicateGroup, _Row]) -> QuerySet[DuplicateGroup, _Row]:
        # List filters do not apply to one group named by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _detail(self, group: DuplicateGroup | int, code: int = status.HTTP_200_OK, **headers: str) -> Response:
        """The group as it is now (an id is re-read: after a write its version and members changed)."""
        if isinstance(group, int):
            group = selectors.group_detail_queryset().get(pk=group)
        data = GroupDetailSerializer(selectors.group_detail(group=group)).data
        return Response(data, status=code, headers={"ETag": group_etag(group), **headers})

    def _version(self, request: Request, group: DuplicateGroup) -> int | None:
        return required_version(request, kind="group", pk=group.pk, source=GROUP_SOURCE)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = GroupCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = group_services.group_create(
            claim_ids=serializer.validated_data["claims"], user=_user(request), note=serializer.validated_data["note"]
        )
        location = reverse("api:group-detail", args=[group.pk], request=request)
        return self._detail(group.pk, status.HTTP_201_CREATED, Location=location)

    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        serializer = GroupMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            group_services.group_merge(
                group_id=group.pk,
                user=_user(request),
                claim_ids=data["claims"],
                other_group_ids=data["groups"],
                note=data["note"],
                expected_version=self._version(request, group),
            )
        except group_services.GroupChanged as exc:
            raise PreconditionFailed(str(exc), code="stale_version") from exc
        return self._detail(group.pk)

    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        serializer = GroupSplitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            new = group_services.group_split(
                group_id=group.pk,
                claim_ids=serializer.validated_data["claims"],
                user=_user(request),
                note=serializer.validated_data["note"],
                expected_version=self._version(request, group),
            )
        except group_services.GroupChanged as exc:
            raise PreconditionFailed(str(exc), code="stale_version") from exc
        location = reverse("api:group-detail", args=[new.pk], request=request)
        return self._detail(new.pk, status.HTTP_201_CREATED, Location=location)

    @action(detail=True, methods=["post"])
    def canonical(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        serializer = GroupCanonicalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            group_services.group_set_canonical(
                group_id=group.pk,
                claim_id=serializer.validated_data["claim"],
                user=_user(request),
                expected_version=self._version(request, group),
            )
        except group_services.GroupChanged as exc:
            raise PreconditionFailed(str(exc), code="stale_version") from exc
        return self._detail(group.pk)
