"""Query-string filters of the lists (django-filter): one FilterSet per list, shared by the API and the pages.

The API's list endpoints use these FilterSets as they are; a reviewer page filters through the same
FilterSet, or through one derived from it where the page picks values from a list (see ArticleListFilter).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from claims.models import (
    Claim,
    ClaimStatus,
    DuplicateGroup,
    Evidence,
    EvidenceDecisionChoice,
    Job,
    JobKind,
    JobState,
    Review,
    Stance,
)
from claims.selectors import groups as group_selectors
from claims.selectors import search as search_selectors
from sources.models import Article, Outlet, Sentence, SentenceKind, Story


class IdFilter(filters.Filter):
    """An exact match on a whole-number id; an id that matches nothing gives an empty page."""

    field_class = forms.IntegerField

    def __init__(self, *, field_name: str, help_text: str) -> None:
        super().__init__(field_name=field_name, min_value=1, help_text=help_text)
        # The schema of this one filter (django-filter alone would call it a string).
        extend_schema_field({"type": "integer", "minimum": 1, "description": help_text})(self)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is a 400, where django-filter's boolean would ignore it."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        parsed = self.VALUES.get(str(value).strip().lower())
        if parsed is None:
            raise forms.ValidationError("Send true or false.", code="invalid")
        return parsed


class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField

    def __init__(self, *, method: str, help_text: str) -> None:
        super().__init__(method=method, help_text=help_text)
        extend_schema_field({"type": "boolean", "description": help_text})(self)


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC here: PostgreSQL refuses some offsets Python accepts
    (e.g. -16:43), and a time near year 1 or 9999 may not exist in UTC at all."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("This time is out of range.", code="invalid") from None


class UTCIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class ArticleFilter(filters.FilterSet):
    story = filters.CharFilter(field_name="stories__slug", help_text="Slug of a story the article belongs to")
    outlet = IdFilter(field_name="outlet_id", help_text="Outlet id")
    published_after = UTCIsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="Published at or after (ISO 8601 date or time)"
    )
    published_before = UTCIsoDateTimeFilter(
        field_name="published_at", lookup_expr="lt", help_text="Published strictly before (ISO 8601 date or time)"
    )

    class Meta:
        model = Article
        fields = ["story", "outlet", "published_after", "published_before"]


class ArticleListFilter(ArticleFilter):
    """The article list page: the API's article filters, with story and outlet picked from lists.

    A choice says "not one of the choices" where the API's text filter quietly matches nothing (the page then
    shows every article and says why), and hands the page the Story and Outlet to name in its heading.
    """

    story = filters.ModelChoiceFilter(
        field_name="stories",
        to_field_name="slug",
        queryset=Story.objects.order_by("name"),
        empty_label="All stories",
        label="Story",
    )
    outlet = filters.ModelChoiceFilter(
        queryset=Outlet.objects.order_by("name"), empty_label="All outlets", label="Outlet"
    )


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
    q = filters.CharFilter(
        method="filter_q",
        help_text=(
            "Every word in the claim's text in any order ('refused delegation'; '40000' finds '40,000'), or a name "
            "it mentions in any spelling ('bagheri kani' finds 'Baqeri Kani') with the query's other words in its text"
        ),
    )
    published_after = UTCIsoDateTimeFilter(
        field_name="article__published_at",
        lookup_expr="gte",
        help_text="The claim's article was published at or after (ISO 8601 date or time)",
    )
    published_before = UTCIsoDateTimeFilter(
        field_name="article__published_at",
        lookup_expr="lt",
        help_text="The claim's article was published strictly before (ISO 8601 date or time)",
    )

    has_conflicting_figures = StrictBooleanFilter(
        method="filter_conflicting_figures",
        help_text="Linked to another report that gives the same quantity a different figure (link not rejected)",
    )

    class Meta:
        model = Claim
        fields = [
            "status",
            "story",
            "article",
            "outlet",
            "q",
            "published_after",
            "published_before",
            "has_conflicting_figures",
        ]

    def filter_q(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(search_selectors.claims_matching(value))

    def filter_conflicting_figures(self, queryset: QuerySet[Claim], name: str, value: bool) -> QuerySet[Claim]:
        conflicting = group_selectors.conflicting_figures_exists()
        return queryset.filter(conflicting) if value else queryset.exclude(conflicting)


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


class EvidenceFilter(filters.FilterSet):
    claim = IdFilter(field_name="claim_id", help_text="Claim id")
    article = IdFilter(field_name="sentence__article_id", help_text="Article the evidence span is in")
    stance = filters.ChoiceFilter(choices=Stance.choices, help_text="Supports or contradicts")
    decision = filters.ChoiceFilter(choices=EvidenceDecisionChoice.choices, help_text="Reviewer decision")

    include_withdrawn = StrictBooleanFilter(
        method="filter_include_withdrawn",
        help_text="Also list machine links a recompute withdrew (hidden by default)",
    )

    class Meta:
        model = Evidence
        fields = ["claim", "article", "stance", "decision", "include_withdrawn"]

    def filter_include_withdrawn(self, queryset: QuerySet[Evidence], name: str, value: bool) -> QuerySet[Evidence]:
        # The hiding itself is in filter_queryset: a method filter only runs when its parameter is sent.
        return queryset

    def filter_queryset(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("include_withdrawn"):
            return queryset
        return queryset.filter(withdrawn_at__isnull=True)


class GroupFilter(filters.FilterSet):
    conflicting = StrictBooleanFilter(
        method="filter_conflicting",
        help_text="Some member is linked to a report giving the same quantity a different figure",
    )

    class Meta:
        model = DuplicateGroup
        fields = ["conflicting"]

    def filter_conflicting(
        self, queryset: QuerySet[DuplicateGroup], name: str, value: bool
    ) -> QuerySet[DuplicateGroup]:
        return queryset.filter(pk__in=group_selectors.groups_with_members(conflicting=value).values("pk"))
