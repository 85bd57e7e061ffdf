"""Evidence links between claims and sentences, and reviewers' decisions on them (append-only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from claims.models.claims import Claim
from sources.models import Sentence


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"


class EvidenceMethod(models.TextChoices):
    ORIGIN = "origin", "Sentence the claim was extracted from"
    MANUAL = "manual", "Added by a reviewer"
    LEXICAL = "lexical", "Lexical overlap"
    SEMANTIC = "semantic", "Sentence embedding"
    FIGURE = "figure", "Same quantity, different figure"


class EvidenceDecisionChoice(models.TextChoices):
    PENDING = "pending", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class LinkStrength(models.TextChoices):
    GIVEN = "given", "Given (origin or reviewer)"
    AUTO = "auto", "Linked automatically (above the upper threshold)"
    SUGGESTED = "suggested", "Suggested for review (between the thresholds)"


class Evidence(models.Model):
    """A sentence span that supports or contradicts a claim, and how it was found."""

    # No index of their own: evidence_unique_span leads with claim and evidence_sentence serves sentence, and each
    # extra index costs every evidence upsert (thousands of rows per new article at a million claims).
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence", db_index=False)
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="evidence", db_index=False)
    start = models.PositiveIntegerField(help_text="Offset into the article body")
    end = models.PositiveIntegerField()
    stance = models.CharField(max_length=16, choices=Stance.choices)
    method = models.CharField(max_length=16, choices=EvidenceMethod.choices)
    score = models.FloatField()
    details = models.JSONField(default=dict, blank=True, help_text="Per-signal scores and the threshold that fired")
    decision = models.CharField(
        max_length=16, choices=EvidenceDecisionChoice.choices, default=EvidenceDecisionChoice.PENDING
    )
    strength = models.CharField(max_length=16, choices=LinkStrength.choices, default=LinkStrength.GIVEN)
    # The claim of the other article whose span this is (matched links); its wording is what was compared.
    via_claim = models.ForeignKey("Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A recompute that no longer finds an undecided machine link hides it instead of deleting it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["claim", "sentence", "start", "end"], name="evidence_unique_span"),
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gt=F("start")), name="evidence_span_valid"),
        ]
        indexes = [
            # Provenance of a sentence: which claims cite it.
            models.Index(fields=["sentence"], name="evidence_sentence"),
            # Conflicting figures: group_selectors.conflicting_figures_exists (queue, reader, API filter) and
            # groups_with_members(conflicting=...), which otherwise walk every link of every claim to find the few.
            models.Index(
                fields=["claim"],
                condition=Q(method=EvidenceMethod.FIGURE, stance=Stance.CONTRADICTS, withdrawn_at__isnull=True),
                name="evidence_open_figures",
            ),
            # Reviewers' vetoes of grouping (matching_services._vetoed, at every regroup): the few rejected
            # links of a component, found from either side without reading all its links.
            models.Index(
                fields=["claim"], condition=Q(decision=EvidenceDecisionChoice.REJECTED), name="evidence_rejected_claim"
            ),
            models.Index(
                fields=["via_claim"],
                condition=Q(decision=EvidenceDecisionChoice.REJECTED),
                name="evidence_rejected_via",
            ),
            # Review queue priority (review_queue.queue_claims): a claim's suggestions nobody decided yet.
            models.Index(
                fields=["claim"],
                condition=Q(
                    strength=LinkStrength.SUGGESTED,
                    decision=EvidenceDecisionChoice.PENDING,
                    withdrawn_at__isnull=True,
                ),
                name="evidence_open_suggestions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stance} {self.claim_id} <- sentence {self.sentence_id}"


class EvidenceDecision(models.Model):
    """Append-only record of a reviewer confirming or rejecting an evidence link."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=16, choices=EvidenceDecisionChoice.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evidence_id", "created_at", "id"]
        indexes = [
            # Claim history: decisions on a claim's evidence, newest first.
            models.Index(fields=["evidence", "-created_at"], name="evidencedecision_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} evidence {self.evidence_id}"
