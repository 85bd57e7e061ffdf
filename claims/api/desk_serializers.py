"""Representations of the review desk in the API (claims.api.desk): comments, the checklist, the assignee."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from claims.api.serializers import StrictCharField, StrictSlugRelatedField, id_field
from claims.models import ClaimComment
from claims.selectors import desk as desk_selectors
from claims.services.desk import COMMENT_MAX_CHARS


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false; "true", 1 and the like are refused."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class CommentSerializer(serializers.ModelSerializer[ClaimComment]):
    author = serializers.CharField(source="author.username", read_only=True, help_text="Username of the writer")
    mentions = serializers.SerializerMethodField(help_text="Usernames the comment names with @username")

    class Meta:
        model = ClaimComment
        fields = ["id", "claim", "author", "body", "created_at", "mentions"]
        read_only_fields = fields

    def get_mentions(self, comment: ClaimComment) -> list[str]:
        # Prefetched with their users (claims.api.desk): no query per comment.
        return [mention.user.username for mention in comment.mentions.all()]


class CommentCreateSerializer(serializers.Serializer[Any]):
    body = StrictCharField(
        max_length=COMMENT_MAX_CHARS,
        help_text="Plain text; each @username naming a user who can read claims becomes a mention",
    )


class ChecklistStepSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="item.pk", help_text="The step's id, to tick or untick it")
    # The names the admin gives the step's fields; Field itself has attributes of these names (hence the ignores).
    label = serializers.CharField(source="item.label")  # type: ignore[assignment]
    help_text = serializers.CharField(source="item.help_text")  # type: ignore[assignment]
    checked = serializers.BooleanField()
    by = serializers.CharField(
        source="by.username", allow_null=True, default=None, help_text="Who ticked or unticked it last; null: nobody"
    )
    at = serializers.DateTimeField(allow_null=True, help_text="When; null: never")


class ChecklistSerializer(serializers.Serializer[Any]):
    claim = serializers.IntegerField()
    checked = serializers.IntegerField(help_text="How many of the steps are ticked")
    total = serializers.IntegerField(help_text="How many steps the newsroom's checklist has (retired ones left out)")
    steps = ChecklistStepSerializer(many=True)


class CheckSetSerializer(serializers.Serializer[Any]):
    step = id_field(help_text="A step's id from GET …/checklist/")
    checked = StrictBooleanField(help_text="true ticks the step, false unticks it")


class _ReviewerField(StrictSlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", queryset=desk_selectors.reviewers(), allow_null=True, **kwargs)


class AssignSerializer(serializers.Serializer[Any]):
    assignee = _ReviewerField(help_text="Username of a reviewer, or null to assign the claim to nobody")
    # The service's concurrency rule: the write goes through only if the claim is still assigned as the
    # caller saw it, so two reviewers assigning at once never overwrite each other silently.
    expected_assignee = StrictSlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        allow_null=True,
        help_text=(
            "The claim's `assignee` as you read it (GET /api/v1/claims/{id}/), null for nobody; "
            "if someone assigned it since, nothing changes and the answer is 409"
        ),
    )


class AssigneeSerializer(serializers.Serializer[Any]):
    claim = serializers.IntegerField()
    assignee = serializers.CharField(allow_null=True, help_text="Username of the reviewer now assigned; null: nobody")
    changed = serializers.BooleanField(help_text="false when the claim was already assigned so (nothing written)")
