"""Claims, where they come from, and how reviewers changed them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sources.models import Article, Sentence


class ClaimStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    CORROBORATED = "corroborated", "Corroborated"
    CONTESTED = "contested", "Contested"
    UNPROVEN = "unproven", "Unproven"


class SentenceAssessment(models.Model):
    """Why a sentence did or did not yield claims, so a reviewer can see and override it."""

    sentence = models.OneToOneField(Sentence, on_delete=models.CASCADE, related_name="assessment")
    worthy = models.BooleanField()
    score = models.FloatField()
    reason = models.CharField(max_length=200)
    extractor = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="assessment_score_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.score:.2f})"


class ClaimOrigin(models.TextChoices):
    EXTRACTED = "extracted", "Extracted automatically"
    MANUAL = "manual", "Added by a reviewer"
    SPLIT = "split", "Split from another claim by a reviewer"


class ClaimKind(models.TextChoices):
    CLAUSE = "clause", "Clause"
    APPOSITIVE = "appositive", "Appositive"
    RELATIVE = "relative", "Relative clause"
    SENTENCE = "sentence", "Whole sentence"
    MANUAL = "manual", "Written by a reviewer"


class Claim(models.Model):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    text = models.TextField(help_text="Normalised wording of one checkable statement")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.UNREVIEWED)
    origin = models.CharField(max_length=16, choices=ClaimOrigin.choices, default=ClaimOrigin.EXTRACTED)
    kind = models.CharField(max_length=16, choices=ClaimKind.choices, default=ClaimKind.SENTENCE)
    # Who is credited, innermost first: [{"source", "verb", "kind", "start", "end", "resolved"?}].
    attribution = models.JSONField(default=list, blank=True)
    # Figures with qualifier and what they count; dates resolved against the publication time.
    quantities = models.JSONField(default=list, blank=True)
    dates = models.JSONField(default=list, blank=True)
    entities = models.JSONField(default=list, blank=True)
    extractor = models.CharField(max_length=40, help_text="Extractor name and version, or 'manual'")
    # Natural key of an extracted claim (hash of its spans and text): re-running
    # extraction upserts on it instead of adding a second copy.
    key = models.CharField(max_length=64)
    worthiness = models.FloatField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every write through a service; writers compare it (optimistic concurrency).
    version = models.PositiveIntegerField(default=1)
    # A reviewer's hand: an edited claim is never rewritten by extraction, a deleted one is only hidden.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="split_into")

    class Meta:
        ordering = ["article_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="claim_key_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_empty"),
        ]
        indexes = [
            # Review queue: next unreviewed claim, oldest first.
            models.Index(fields=["status", "id"], name="claim_status_id"),
            # Article reader and claim lists: live claims of an article.
            models.Index(fields=["article", "deleted_at"], name="claim_article_live"),
            # Candidate lookup (matching_services._candidate_pairs): the few deleted claims, excluded
            # from every lookup as one hashed set instead of a claim-row fetch per bucket member.
            models.Index(fields=["id"], condition=Q(deleted_at__isnull=False), name="claim_deleted"),
        ]

    def __str__(self) -> str:
        return self.text


class ClaimEntity(models.Model):
    """A name mentioned by a claim, under a spelling-insensitive key (Baqeri = Bagheri)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="entity_mentions")
    key = models.CharField(max_length=200)
    name = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "key"], name="claimentity_claim_key_unique")]
        indexes = [
            # Claims about one person or organisation, across articles.
            models.Index(fields=["key", "claim"], name="claimentity_key_claim"),
        ]

    def __str__(self) -> str:
        return self.name


class RevisionAction(models.TextChoices):
    CREATED = "created", "Added by hand"
    EDITED = "edited", "Edited"
    SPLIT = "split", "Split"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"


class ClaimRevision(models.Model):
    """Append-only history of a reviewer's changes to a claim's wording or existence."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="revisions")
    action = models.CharField(max_length=16, choices=RevisionAction.choices)
    text_before = models.TextField(blank=True, default="")
    text_after = models.TextField(blank=True, default="")
    note = models.TextField(blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        indexes = [
            # Claim history, newest first.
            models.Index(fields=["claim", "-created_at"], name="claimrevision_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.action} claim {self.claim_id}"


class ClaimSpan(models.Model):
    """A character span of an article body that a claim was taken from."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="spans")
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="claim_spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["claim_id", "start"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "sentence", "start", "end"], name="claimspan_unique"),
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gt=F("start")), name="claimspan_span_valid"),
        ]
        indexes = [
            # Article reader: which claims mark this sentence.
            models.Index(fields=["sentence", "claim"], name="claimspan_sentence_claim"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} @ {self.start}-{self.end}"
