"""Verdicts (append-only) and the review queue's leases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models.claims import Claim
from claims.models.groups import DuplicateGroup
from claims.models.ratings import Rating, Verdict


class ClaimLease(models.Model):
    """A review-queue claim held by one reviewer for a while, so two never review it at once."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="lease")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Queue: a reviewer's current lease, and sweeping expired ones.
            models.Index(fields=["user", "expires_at"], name="claimlease_user_expires"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} held by {self.user_id} until {self.expires_at:%H:%M}"


class Review(models.Model):
    """One verdict on a claim. Never updated: a new verdict is a new row."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    rationale = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the verdict was given to the group's canonical claim and carried to this member, which had
    # no verdict of its own; a member's own verdict (via_group empty) is never overridden by its group's.
    via_group = models.ForeignKey(DuplicateGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The newsroom's rating (its summary is ``verdict``); empty on reviews recorded before the scale existed,
    # which keep showing and exporting their verdict as they did.
    rating = models.ForeignKey(Rating, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="review_rationale_required"),
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values), name="review_verdict_valid"),
        ]
        indexes = [
            # Claim history and latest verdict: a claim's reviews, newest first.
            models.Index(fields=["claim", "-created_at", "-id"], name="review_claim_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} claim {self.claim_id}"
