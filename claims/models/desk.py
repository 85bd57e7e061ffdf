"""The review desk: who a claim is assigned to, reviewers' comments on it, and a newsroom's checklist.

Assignments, comments and checklist ticks are append-only (database triggers, migration 0017);
``ClaimAssignee`` is the cache of a claim's latest assignment, written in the same transaction,
so the queue filters on it without reading the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models.claims import Claim


class ClaimAssignment(models.Model):
    """Append-only: a reviewer assigned a claim to someone (``assignee``) or to nobody (empty)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        indexes = [
            # Claim desk: a claim's assignments, newest first.
            models.Index(fields=["claim", "-created_at", "-id"], name="claimassignment_claim"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} to {self.assignee_id or 'nobody'}"


class ClaimAssignee(models.Model):
    """The claim's current assignee: the latest ClaimAssignment, kept for the queue's filter (no row: nobody)."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="assignee")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Queue's "assigned to me" filter: a reviewer's claims.
            models.Index(fields=["user", "claim"], name="claimassignee_user_claim"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} assigned to {self.user_id}"


class ClaimComment(models.Model):
    """Append-only: a reviewer's note on a claim; ``@username`` mentions become CommentMention rows."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="claimcomment_body_not_empty")]
        indexes = [
            # Claim desk: a claim's comments in the order they were written.
            models.Index(fields=["claim", "created_at", "id"], name="claimcomment_claim"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on claim {self.claim_id}"


class CommentMention(models.Model):
    """A user named with ``@username`` in a comment (written with the comment, never changed)."""

    comment = models.ForeignKey(ClaimComment, on_delete=models.PROTECT, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="commentmention_unique")]
        indexes = [
            # Mentions page and count: the comments naming a user, newest first.
            models.Index(fields=["user", "-comment"], name="commentmention_user"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} in comment {self.comment_id}"


class ChecklistItem(models.Model):
    """One step of the newsroom's per-claim checklist, configured in the admin (retired, not deleted)."""

    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=500, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Retired steps keep their ticks but are not offered")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=~Q(label=""), name="checklistitem_label_not_empty")]

    def __str__(self) -> str:
        return self.label


class ClaimCheck(models.Model):
    """Append-only: a reviewer ticked (``checked``) or unticked a checklist step for a claim."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="checks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    checked = models.BooleanField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        indexes = [
            # Claim desk: each step's latest tick for a claim.
            models.Index(fields=["claim", "item", "-created_at", "-id"], name="claimcheck_claim_item"),
        ]

    def __str__(self) -> str:
        return f"{'ticked' if self.checked else 'unticked'} {self.item_id} on claim {self.claim_id}"
