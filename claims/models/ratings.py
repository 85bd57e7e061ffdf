"""The rating scale a newsroom publishes its verdicts on (True, Mostly true, ..., Unproven)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Verdict(models.TextChoices):
    """What a review says about the reports; the claim's status. A rating maps to one (its ``summary``)."""

    CORROBORATED = "corroborated", "Corroborated"
    CONTESTED = "contested", "Contested"
    # Only through a rating of the newsroom's scale that says neither (e.g. "Unproven").
    UNPROVEN = "unproven", "Unproven"


class Rating(models.Model):
    """One step of the newsroom's scale, edited in the admin; reviews keep the rating they were given.

    ``rating_value`` is the ClaimReview ``ratingValue``; the scale's ``bestRating`` and
    ``worstRating`` are the highest and lowest values of all ratings (claims.selectors.ratings).
    A rating in use cannot be deleted (reviews protect it): retire it with ``active`` instead.
    """

    slug = models.SlugField(max_length=40, unique=True, help_text="Name the API takes, e.g. mostly-true")
    label = models.CharField(max_length=60, help_text="What reviewers pick, e.g. Mostly true")
    alternate_name = models.CharField(
        max_length=100, help_text="ClaimReview reviewRating.alternateName, as published, e.g. Mostly true"
    )
    rating_value = models.PositiveSmallIntegerField(help_text="ClaimReview reviewRating.ratingValue")
    summary = models.CharField(
        max_length=16, choices=Verdict.choices, help_text="The claim's status this rating gives it"
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the verdict form, lowest first")
    active = models.BooleanField(default=True, help_text="Offered to reviewers; old reviews keep a retired rating")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(label=""), name="rating_label_required"),
            models.CheckConstraint(condition=~Q(alternate_name=""), name="rating_alternate_name_required"),
            models.CheckConstraint(condition=Q(summary__in=Verdict.values), name="rating_summary_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_summary_display().lower()}, {self.rating_value})"


# The scale a new installation starts with (migration 0018 seeds it; edit it in the admin):
# (slug, label and alternateName, ratingValue, summary), in the order reviewers see them.
DEFAULT_SCALE: tuple[tuple[str, str, int, str], ...] = (
    ("true", "True", 5, Verdict.CORROBORATED),
    ("mostly-true", "Mostly true", 4, Verdict.CORROBORATED),
    ("misleading", "Misleading", 2, Verdict.CONTESTED),
    ("false", "False", 1, Verdict.CONTESTED),
    ("unproven", "Unproven", 3, Verdict.UNPROVEN),
)
