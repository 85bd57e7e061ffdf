"""Outlets, articles and their sentences: the text every claim points into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sources.text import reading
from sources.text.inference import DateKind, InferredDate, InferredMetadata, InferredName


class Outlet(models.Model):
    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=253, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            # Two outlets never claim one domain; blank means "not known".
            models.UniqueConstraint(fields=["domain"], condition=~Q(domain=""), name="outlet_domain_unique"),
        ]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Attribution:
    """Which outlet published an article: the given one, else the one its text credits itself to (marked)."""

    name: str  # empty: neither given nor named in its text
    inferred: InferredName | None  # None when ``name`` was given (or nothing is known)


@dataclass(frozen=True, slots=True)
class Publication:
    at: datetime | None
    inferred: InferredDate | None  # None when ``at`` was given (or nothing is known)

    @property
    def is_lower_bound(self) -> bool:
        """Only "not before" this day: the latest day the text names, not its publication day."""
        return self.inferred is not None and self.inferred.kind == DateKind.NOT_BEFORE

    @property
    def anchor(self) -> datetime | None:
        """The day "on Tuesday" or "yesterday" counts from: a given or printed time, never a bound."""
        return None if self.is_lower_bound else self.at


class Article(models.Model):
    outlet = models.ForeignKey(Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    title = models.CharField(max_length=500, blank=True, default="")
    url = models.URLField(max_length=2000, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    # The cleaned text; every sentence, claim and evidence offset points into it, so
    # a database trigger forbids changing it once stored.
    body = models.TextField()
    content_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the cleaned body")
    source_name = models.CharField(max_length=500, blank=True, default="", help_text="File or request it came from")
    ingested_at = models.DateTimeField(auto_now_add=True)
    # What the text itself says where the metadata was not given (``InferredMetadata.as_json``:
    # each value with its kind and the exact span it was read from). Kept apart from outlet and
    # published_at so a given value is never replaced and the screen can say which is which.
    inferred = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Article list: newest first, optionally per outlet.
            models.Index(fields=["outlet", "-published_at"], name="article_outlet_published"),
            models.Index(fields=["-published_at", "-id"], name="article_published"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        first_line = self.body.split("\n", 1)[0]
        return first_line if len(first_line) <= 90 else first_line[:87].rstrip() + "…"

    @property
    def source_label(self) -> str:
        """The file or request it came from, as screens show it: a file's name, never its server folders."""
        return reading.source_label(self.source_name)

    @property
    def inferred_metadata(self) -> InferredMetadata:
        return InferredMetadata.from_json(self.inferred)

    @cached_property
    def attribution(self) -> Attribution:
        """Its outlet by name: the given one, else the one its own text names, marked as inferred.

        Cached: the corroboration reads it several times per report, and each read would parse ``inferred``.
        """
        if self.outlet is not None:
            return Attribution(self.outlet.name, None)
        own = self.inferred_metadata.outlet
        return Attribution(own.value.strip(), own) if own is not None and own.value.strip() else Attribution("", None)

    @property
    def publication(self) -> Publication:
        """When it was published: the given time, else the day its text gives, marked as inferred."""
        if self.published_at is not None:
            return Publication(self.published_at, None)
        inferred = self.inferred_metadata.published
        if inferred is None:
            return Publication(None, None)
        return Publication(datetime.combine(inferred.on, time(), tzinfo=UTC), inferred)

    @property
    def link_url(self) -> str:
        """The address as a link target: only http(s), so an address stored before ingestion checked
        schemes (javascript:, data:) is shown as text, never made a link."""
        return self.url if self.url.lower().startswith(("http://", "https://")) else ""


class SentenceKind(models.TextChoices):
    TITLE = "title", "Title"
    HEADING = "heading", "Heading"
    BODY = "body", "Body"
    BOILERPLATE = "boilerplate", "Boilerplate"


class Sentence(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sentences")
    position = models.PositiveIntegerField()
    paragraph = models.PositiveIntegerField(default=0)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # Always equal to article.body[start:end]; enforced by a trigger (migration 0002).
    text = models.TextField()
    kind = models.CharField(max_length=16, choices=SentenceKind.choices, default=SentenceKind.BODY)

    class Meta:
        ordering = ["article_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="sentence_article_position_unique"),
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gt=F("start")), name="sentence_span_valid"),
        ]

    def __str__(self) -> str:
        return self.text


class Story(models.Model):
    """A named set of articles that a team checks together."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    articles: models.ManyToManyField[Article, StoryArticle] = models.ManyToManyField(
        Article, through="StoryArticle", related_name="stories", blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return self.name


class StoryArticle(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE)
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["story", "article"], name="story_article_unique")]
        indexes = [
            # Filtering claims and articles by story walks article -> stories.
            models.Index(fields=["article", "story"], name="storyarticle_article_story"),
        ]

    def __str__(self) -> str:
        return f"{self.story_id}:{self.article_id}"
