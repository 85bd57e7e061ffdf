"""REST API v1 review desk of a claim: its comments (append-only, with @mentions), its checklist, its assignee.

Thin over claims.services.desk, which the claim page's desk uses: the same checks (reviewer role, a live
claim, a reviewer to assign to), the same mentions and the same refusal to overwrite an assignment made
meanwhile. Writes need the reviewer role and, with a token, the review scope (claims.permissions.CanView).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.generics import ListCreateAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.common import DETAIL_ERRORS, caller, errors, validated
from claims.api.desk_serializers import (
    AssigneeSerializer,
    AssignSerializer,
    ChecklistSerializer,
    CheckSetSerializer,
    CommentCreateSerializer,
    CommentSerializer,
)
from claims.api.pagination import IdCursorPagination
from claims.api.parsers import JSONParser
from claims.api.search_serializers import PagingQuerySerializer
from claims.api.serializers import ErrorSerializer
from claims.models import Claim, ClaimAssignee, ClaimComment, CommentMention
from claims.selectors import desk as desk_selectors
from claims.services import desk as desk_services

WRITE_ERRORS = errors(400, 401, 403, 404, 413, 429)
LIST_ERRORS = {
    **errors(401, 403),
    400: OpenApiResponse(ErrorSerializer, description="page_size is invalid; `fields` says why."),
    404: OpenApiResponse(ErrorSerializer, description="No such claim, or the cursor is not one we gave."),
}


class AssignmentConflict(APIException):
    """Someone assigned the claim after the caller read it (claims.services.desk.AssignmentChanged)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone assigned this claim after you read it; nothing was changed."
    default_code = "assignment_changed"


def _claim(pk: int) -> Claim:
    """The claim named in the path (deleted ones too: their desk still reads; the services refuse writes)."""
    return get_object_or_404(Claim.objects.only("pk"), pk=pk)


def _comments_of(claim: Claim) -> QuerySet[ClaimComment]:
    """A claim's comments with their authors and mentioned users: three queries a page, however long."""
    mentions = CommentMention.objects.select_related("user").order_by("user__username")
    return (
        ClaimComment.objects.filter(claim=claim)
        .select_related("author")
        .prefetch_related(Prefetch("mentions", queryset=mentions))
    )


@extend_schema_view(
    get=extend_schema(
        summary="A claim's comments, oldest first",
        responses={200: CommentSerializer(many=True), **LIST_ERRORS},
    ),
    post=extend_schema(
        summary="Comment on a claim",
        description=(
            "Appends a comment (comments are never changed or deleted). Each `@username` naming an active user "
            "who can read claims becomes a mention, listed in `mentions`. "
            "Reviewer role, token with the review scope. A deleted claim takes no comments (400)."
        ),
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **WRITE_ERRORS},
    ),
)
class ClaimCommentsView(ListCreateAPIView[ClaimComment]):
    serializer_class = CommentSerializer
    pagination_class = IdCursorPagination
    parser_classes = [JSONParser]
    filter_backends: list[Any] = []
    queryset = ClaimComment.objects.none()  # what the schema reads the model from

    def get_queryset(self) -> QuerySet[ClaimComment]:
        return _comments_of(_claim(self.kwargs["id"]))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        validated(PagingQuerySerializer(data=request.query_params))
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = _claim(self.kwargs["id"])
        data = validated(CommentCreateSerializer(data=request.data))
        comment = desk_services.comment_add(claim_id=claim.pk, author=caller(request), body=data["body"])
        return Response(CommentSerializer(_comments_of(claim).get(pk=comment.pk)).data, status=status.HTTP_201_CREATED)


def _checklist(claim: Claim) -> Response:
    rows = desk_selectors.claim_checklist(claim=claim)
    data = {"claim": claim.pk, "checked": sum(1 for r in rows if r.checked), "total": len(rows), "steps": rows}
    return Response(ChecklistSerializer(data).data)


class ClaimChecklistView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="A claim's checklist: the newsroom's steps, each ticked or not, by whom and when",
        responses={200: ChecklistSerializer, **DETAIL_ERRORS},
    )
    def get(self, request: Request, id: int) -> Response:
        return _checklist(_claim(id))

    @extend_schema(
        summary="Tick or untick a step of a claim's checklist",
        description=(
            "Appends a tick (or untick) when it changes the step; sending the state the step already has "
            "writes nothing. Returns the whole checklist. A retired or unknown step is a 400. "
            "Reviewer role, token with the review scope."
        ),
        request=CheckSetSerializer,
        responses={200: ChecklistSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, id: int) -> Response:
        claim = _claim(id)
        data = validated(CheckSetSerializer(data=request.data))
        try:
            desk_services.check_set(
                claim_id=claim.pk, item_id=data["step"], checked=data["checked"], user=caller(request)
            )
        except ValidationError as exc:
            # The service names the step "item"; the API calls it "step".
            if hasattr(exc, "error_dict") and "item" in exc.error_dict:
                raise ValidationError({"step": exc.error_dict["item"]}) from exc
            raise
        return _checklist(claim)


class ClaimAssigneeView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Assign a claim to a reviewer, or to nobody",
        description=(
            "Send `expected_assignee`: the claim's `assignee` as you read it (null: nobody). If someone assigned "
            "the claim since, nothing is written and the answer is 409 (code `assignment_changed`), as the claim "
            "page refuses it: an assignment does not change the claim's version, so it has no If-Match. "
            "Assigning to whom it already is writes nothing (`changed` false). Every assignment is kept in the "
            "claim's history. Reviewer role, token with the review scope."
        ),
        request=AssignSerializer,
        responses={
            200: AssigneeSerializer,
            **WRITE_ERRORS,
            409: OpenApiResponse(
                ErrorSerializer, description="Someone assigned the claim since `expected_assignee` was read."
            ),
        },
    )
    def post(self, request: Request, id: int) -> Response:
        claim = _claim(id)
        data = validated(AssignSerializer(data=request.data, context={"request": request}))
        expected = data["expected_assignee"]
        try:
            event = desk_services.claim_assign(
                claim_id=claim.pk,
                assignee=data["assignee"],
                by=caller(request),
                expected_assignee_id=expected.pk if expected is not None else None,
                check=True,
            )
        except desk_services.AssignmentChanged as exc:
            raise AssignmentConflict(str(exc)) from exc
        held = ClaimAssignee.objects.filter(claim=claim).select_related("user").first()
        data = {"claim": claim.pk, "assignee": held.user.username if held else None, "changed": event is not None}
        return Response(AssigneeSerializer(data).data)
