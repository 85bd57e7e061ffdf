"""REST API v1 duplicate groups: list, read, and the reviewer's merge, split and canonical pick.

Writes go through claims.services.groups and carry If-Match with the group's ETag (its
version), exactly as reviews carry the claim's: 428 without it, 412 when stale.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from claims import filters
from claims.api import querysets
from claims.api.common import DETAIL_ERRORS, READ_ERRORS, ListFiltersOnly, caller, errors, validated
from claims.api.etags import Versioned
from claims.api.pagination import NewestFirstCursorPagination
from claims.api.parsers import JSONParser
from claims.api.serializers import (
    ErrorSerializer,
    GroupCanonicalSerializer,
    GroupCreateSerializer,
    GroupDetailSerializer,
    GroupMergeSerializer,
    GroupSerializer,
    GroupSplitSerializer,
)
from claims.models import DuplicateGroup
from claims.services import groups as group_services

GROUP = Versioned("group", "/api/v1/groups/{id}/", group_services.GroupChanged)
GROUP_IF_MATCH = GROUP.if_match("The change is made")
GROUP_WRITE_ERRORS = {
    **errors(400, 401, 403, 404, 413, 429),
    412: OpenApiResponse(ErrorSerializer, description="The group changed since the ETag in If-Match was read."),
    428: OpenApiResponse(ErrorSerializer, description="If-Match is required: send the group's ETag (or *)."),
}


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
        description=(
            "Returns the new group (Location, ETag). Every claim involved is pinned. A side left with one "
            "claim is dissolved (its claim ungrouped, a `dissolve` decision in its history): the new group "
            "returned then has no members."
        ),
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
    ListFiltersOnly[DuplicateGroup],  # an emptied group is off the list but still reads by its id
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[DuplicateGroup],
):
    filterset_class = filters.GroupFilter
    pagination_class = NewestFirstCursorPagination
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[DuplicateGroup]:
        if self.action == "list":
            return querysets.nonempty_groups_with_size()
        return querysets.all_groups_with_size()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return GroupCreateSerializer
        return GroupSerializer if self.action == "list" else GroupDetailSerializer

    def _detail(self, group: DuplicateGroup | int, code: int = status.HTTP_200_OK, **headers: str) -> Response:
        """The group as it is now (an id is re-read: after a write its version and members changed)."""
        if isinstance(group, int):
            group = querysets.all_groups_with_size().get(pk=group)
        data = GroupDetailSerializer(querysets.group_detail(group=group)).data
        return Response(data, status=code, headers={"ETag": GROUP.etag(group), **headers})

    def _created(self, request: Request, group: DuplicateGroup) -> Response:
        location = reverse("api:group-detail", args=[group.pk], request=request)
        return self._detail(group.pk, status.HTTP_201_CREATED, Location=location)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(GroupCreateSerializer(data=request.data))
        group = group_services.group_create(claim_ids=data["claims"], user=caller(request), note=data["note"])
        return self._created(request, group)

    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        data = validated(GroupMergeSerializer(data=request.data))
        with GROUP.stale_is_412():
            group_services.group_merge(
                group_id=group.pk,
                user=caller(request),
                claim_ids=data["claims"],
                other_group_ids=data["groups"],
                note=data["note"],
                expected_version=GROUP.required_version(request, group.pk),
            )
        return self._detail(group.pk)

    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        data = validated(GroupSplitSerializer(data=request.data))
        with GROUP.stale_is_412():
            new = group_services.group_split(
                group_id=group.pk,
                claim_ids=data["claims"],
                user=caller(request),
                note=data["note"],
                expected_version=GROUP.required_version(request, group.pk),
            )
        return self._created(request, new)

    @action(detail=True, methods=["post"])
    def canonical(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        data = validated(GroupCanonicalSerializer(data=request.data))
        with GROUP.stale_is_412():
            group_services.group_set_canonical(
                group_id=group.pk,
                claim_id=data["claim"],
                user=caller(request),
                expected_version=GROUP.required_version(request, group.pk),
            )
        return self._detail(group.pk)
