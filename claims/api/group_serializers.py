"""Representations of duplicate groups: members side by side, conflicting figures, reviewer history."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from claims.models import Claim, DuplicateGroup, GroupDecision

# Ids are PostgreSQL bigints; a larger number is refused here, not by the database.
MAX_ID = 2**63 - 1


class GroupClaimSerializer(serializers.ModelSerializer[Claim]):
    class Meta:
        model = Claim
        fields = ["id", "text", "status", "version", "article"]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer[DuplicateGroup]):
    canonical = GroupClaimSerializer(read_only=True)
    canonical_by = serializers.CharField(
        source="canonical_by.username",
        read_only=True,
        allow_null=True,
        help_text="Reviewer who picked the canonical wording; null when it was picked automatically",
    )
    size = serializers.IntegerField(read_only=True, help_text="Live claims in the group")

    class Meta:
        model = DuplicateGroup
        fields = ["id", "version", "canonical", "canonical_by", "size", "created_at", "updated_at"]
        read_only_fields = fields


class GroupMemberSerializer(serializers.Serializer[Any]):
    claim = GroupClaimSerializer(read_only=True)
    outlet = serializers.CharField(read_only=True)
    article_title = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pinned = serializers.BooleanField(read_only=True, help_text="Placed by a reviewer: recomputes never move it")
    canonical = serializers.BooleanField(read_only=True)
    quantities = serializers.ListField(child=serializers.DictField(child=serializers.JSONField()), read_only=True)


class FigureSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(read_only=True, help_text="The figure as the article words it")
    value = serializers.FloatField(read_only=True)
    claim = serializers.IntegerField(source="claim_id", read_only=True)
    outlet = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EventFiguresSerializer(serializers.Serializer[Any]):
    event = serializers.CharField(read_only=True, help_text="What is counted (killed, injured, …)")
    figures = FigureSerializer(many=True, read_only=True, help_text="Every member's figure, in publication order")


class GroupDecisionSerializer(serializers.ModelSerializer[GroupDecision]):
    claims = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = GroupDecision
        fields = ["id", "group", "action", "claims", "other_group", "reviewer", "note", "created_at"]
        read_only_fields = fields


class GroupDetailSerializer(serializers.Serializer[Any]):
    """Built from claims.api.selectors.GroupDetail."""

    id = serializers.IntegerField(source="group.pk", read_only=True)
    version = serializers.IntegerField(source="group.version", read_only=True)
    canonical = GroupClaimSerializer(source="group.canonical", read_only=True)
    canonical_by = serializers.CharField(source="group.canonical_by.username", read_only=True, allow_null=True)
    size = serializers.IntegerField(source="group.size", read_only=True)
    created_at = serializers.DateTimeField(source="group.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="group.updated_at", read_only=True)
    members = GroupMemberSerializer(many=True, read_only=True, help_text="Live claims, earliest published first")
    figures = EventFiguresSerializer(
        many=True, read_only=True, help_text="Counted events whose figures differ between members"
    )
    history = GroupDecisionSerializer(many=True, read_only=True, help_text="Reviewer decisions, newest first")


# --- writes ---------------------------------------------------------------------------------


class GroupMergeSerializer(serializers.Serializer[Any]):
    claims = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=500
    )
    groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=100,
        help_text="Groups whose every member moves into this one",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_groups(self, value: list[int]) -> list[int]:
        found = set(DuplicateGroup.objects.filter(pk__in=value).values_list("pk", flat=True))
        missing = sorted(set(value) - found)
        if missing:
            raise serializers.ValidationError(f"No such group: {', '.join(map(str, missing))}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["claims"] and not attrs["groups"]:
            raise serializers.ValidationError({"claims": ["Name claims or groups to merge into this one."]})
        return attrs


class GroupCreateSerializer(serializers.Serializer[Any]):
    claims = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=2,
        max_length=500,
        help_text="Claims that state one fact; any group they were in loses them",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class GroupSplitSerializer(serializers.Serializer[Any]):
    claims = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=500,
        help_text="Claims to take out",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class GroupCanonicalSerializer(serializers.Serializer[Any]):
    claim = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A member whose wording stands for the group"
    )
