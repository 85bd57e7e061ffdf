"""Query-string filters of the list endpoints (django-filter)."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from claims.models import Claim, ClaimStatus, Job, JobKind, JobState, Review
from sources.models import Article, Sentence, SentenceKind


class IdFilter(filters.Filter):
    """An exact match on a whole-number id; an id that matches nothing gives an empty page."""

    field_class = forms.IntegerField

    def __init__(self, *, field_name: str, help_text: str) -> None:
        super().__init__(field_name=field_name, min_value=1, help_text=help_text)
        # The schema of this one filter (django-filter alone would call it a string).
        extend_schema_field({"type": "integer", "minimum": 1, "description": help_text})(self)


class ArticleFilter(filters.FilterSet):
    story = filters.CharFilter(field_name="stories__slug", help_text="Slug of a story the article belongs to")
    outlet = IdFilter(field_name="outlet_id", help_text="Outlet id")
    published_after = filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="Published at or after (ISO 8601 date or time)"
    )
    published_before = filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="lt", help_text="Published strictly before (ISO 8601 date or time)"
    )

    class Meta:
        model = Article
        fields = ["story", "outlet", "published_after", "published_before"]


class SentenceFilter(filters.FilterSet):
    article = IdFilter(field_name="article_id", help_text="Article id")
    kind = filters.ChoiceFilter(choices=SentenceKind.choices, help_text="Sentence kind")

    class Meta:
        model = Sentence
        fields = ["article", "kind"]


class ClaimFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ClaimStatus.choices, help_text="Review status")
    story = filters.CharFilter(field_name="article__stories__slug", help_text="Slug of a story the article is in")
    article = IdFilter(field_name="article_id", help_text="Article id")
    outlet = IdFilter(field_name="article__outlet_id", help_text="Outlet id of the claim's article")
    q = filters.CharFilter(field_name="text", lookup_expr="icontains", help_text="Text the claim contains")

    class Meta:
        model = Claim
        fields = ["status", "story", "article", "outlet", "q"]


class ReviewFilter(filters.FilterSet):
    claim = IdFilter(field_name="claim_id", help_text="Claim id")

    class Meta:
        model = Review
        fields = ["claim"]


class JobFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=JobState.choices, help_text="Job state")
    kind = filters.ChoiceFilter(choices=JobKind.choices, help_text="Job kind")

    class Meta:
        model = Job
        fields = ["state", "kind"]
