"""Duplicate groups of claims, their members, and reviewers' decisions on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models.claims import Claim


class DuplicateGroup(models.Model):
    """Claims that state the same fact across articles, reviewed once under a canonical wording."""

    canonical = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="+")
    # Set when a reviewer picked the canonical wording; a recompute never changes it then.
    canonical_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"group {self.pk}: {self.canonical_id}"


class GroupMember(models.Model):
    """A claim's place in a duplicate group: a claim is in at most one group."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="group_member")
    # Placed by a reviewer (merge or split): recomputes never move a pinned claim.
    pinned = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "claim_id"]
        indexes = [
            # Group view: the members of a group.
            models.Index(fields=["group", "claim"], name="groupmember_group_claim"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} in group {self.group_id}"


class GroupAction(models.TextChoices):
    MERGE = "merge", "Merged groups"
    SPLIT = "split", "Split claims out"
    CANONICAL = "canonical", "Chose the canonical wording"
    # One live claim was left (after a split, a merge took the rest, or a regrouping): not a group any more.
    DISSOLVE = "dissolve", "Dissolved: one claim left"


class GroupDecision(models.Model):
    """Append-only record of a reviewer's merge, split or canonical pick, and of a group's dissolution."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=16, choices=GroupAction.choices)
    claims = models.JSONField(default=list, help_text="Ids of the claims the action moved or picked")
    other_group = models.ForeignKey(
        DuplicateGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The group merged in, or the group split claims went to",
    )
    # Null only for a dissolution the matcher's regrouping (or the cleanup command) made, not a reviewer.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "created_at", "id"]
        constraints = [
            # Merges, splits and canonical picks are a reviewer's; only a dissolution can be the machine's.
            models.CheckConstraint(
                condition=Q(reviewer__isnull=False) | Q(action="dissolve"), name="groupdecision_reviewer_or_dissolve"
            ),
        ]
        indexes = [
            # Group and claim history: a group's decisions, newest first.
            models.Index(fields=["group", "-created_at"], name="groupdecision_group"),
        ]

    def __str__(self) -> str:
        return f"{self.action} group {self.group_id}"
