"""Matching's stored inputs: claim vectors, band rows and packed bucket parts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from claims.models.claims import Claim


class ClaimVector(models.Model):
    """A claim's sentence embedding, stored so that re-ranking and recomputes never re-encode it."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="vector")
    model = models.CharField(max_length=60, help_text="Encoder and version the vector came from")
    # The wording the vector encodes: a reviewer's edit changes it, and the vector is remade.
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float16 little-endian, unit length")

    def __str__(self) -> str:
        return f"vector of claim {self.claim_id} ({self.model})"


class MatchKey(models.Model):
    """One locality-sensitive band row of a claim: claims sharing (method, band, key) are candidates."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="match_keys")
    method = models.PositiveSmallIntegerField(help_text="claims.matching.linking.METHOD_IDS")
    band = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    # The claim's 128-bit embedding sketch (claims.matching.semantic.SimHashSketch), the same on all
    # its rows: the lookup ranks bucket members by Hamming distance without reading claim rows.
    sketch_hi = models.BigIntegerField(null=True, blank=True)
    sketch_lo = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "method", "band", "key"], name="matchkey_unique"),
        ]
        indexes = [
            # Candidate lookup: which claims share this band key. Covering (claim_id and sketch included)
            # so that PostgreSQL answers the self-join of matching_services._candidate_pairs, ranking
            # included, from the index alone (index-only scans), instead of one heap fetch per bucket
            # member; SQLite ignores INCLUDE.
            models.Index(
                fields=["method", "band", "key"], include=["claim", "sketch_hi", "sketch_lo"], name="matchkey_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} {self.method}/{self.band}/{self.key}"


class MatchBucket(models.Model):
    """Members of one band bucket, packed (``claims.matching.postings``): a copy of MatchKey rows made to be read fast.

    One indexing batch appends one part per bucket it touches; a bucket with too many parts is
    rebuilt from its MatchKey rows, which stay the truth (a rebuild also drops the members of
    claims whose rows were removed).
    """

    method = models.PositiveSmallIntegerField(help_text="claims.matching.linking.METHOD_IDS")
    band = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    members = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="matchbucket_not_empty")]
        indexes = [
            # Candidate lookup (matching_services._candidate_pairs): the parts of each of a claim's buckets;
            # also the part count that decides a rebuild.
            models.Index(fields=["method", "band", "key"], name="matchbucket_lookup"),
        ]

    def __str__(self) -> str:
        return f"bucket {self.method}/{self.band}/{self.key} ({self.size})"


class CalibrationSource(models.TextChoices):
    SHIPPED = "shipped", "Shipped with the pair scorer (validation part of its training data)"
    REVIEWERS = "reviewers", "This installation's reviewers' confirm and reject decisions"


class ScorerCalibration(models.Model):
    """One fitted calibration of link probabilities (``claims.matching.calibration.Calibration``).

    Rows are never changed: a recalibration adds a row and makes it the active one, so an
    installation can see every calibration it used and the figures each was chosen on.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, choices=CalibrationSource.choices)
    scorer = models.CharField(max_length=80, help_text="Pair-scorer version the logits came from")
    active = models.BooleanField(default=False)
    fitted = models.JSONField(help_text="Calibration.as_dict(): weights, bias, thresholds, cosine floor")
    validation = models.JSONField(
        help_text="Out-of-fold figures on the decisions it was fitted on: pairs, precision and recall"
    )

    class Meta:
        constraints = [
            # At most one active calibration: the matcher reads it on every chunk.
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_calibration"),
        ]

    def __str__(self) -> str:
        return f"calibration {self.pk} ({self.source}{', active' if self.active else ''})"
