"""Representations of API search (claims.api.search): its query parameters, checked strictly, and its results.

Apart from claims.api.serializers so that the search's fields stay in one place; component names are still
unique across the API (drf-spectacular names them after these classes).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.pagination import MAX_PAGE_SIZE
from claims.api.serializers import MAX_ID, StrictSlugRelatedField
from claims.matching import query
from claims.models import Claim, ClaimStatus
from claims.selectors import articles as article_selectors
from claims.selectors import search as search_selectors
from sources.models import Outlet, Sentence, Story

# As the search box (claims.forms.SearchForm): a longer text is not a search.
MAX_QUERY_CHARS = 200
# Read by the paginator, checked here so that a bad value is a 400 and not silently the default.
PAGING_PARAMETERS = ("page", "page_size")
# A search page ranks and loads its rows apart (claims.selectors.search.Ranked): smaller than other lists.
MAX_SEARCH_PAGE_SIZE = 100


class SentenceSearchQuerySerializer(serializers.Serializer[Any]):
    """The query and the filters that narrow sentences and claims alike."""

    q = serializers.CharField(
        max_length=MAX_QUERY_CHARS,
        trim_whitespace=True,
        help_text=(
            "Words in any order (each at the start of a word), figures however grouped (40000 finds 40,000), "
            "names in any spelling; also ranks what is close in meaning"
        ),
    )
    story = StrictSlugRelatedField(
        slug_field="slug", queryset=Story.objects.all(), required=False, help_text="Slug of a story"
    )
    outlet = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Outlet id")
    published_from = serializers.DateField(
        required=False, help_text="The article was published on this day or later (YYYY-MM-DD)"
    )
    published_to = serializers.DateField(
        required=False, help_text="The article was published on this day or earlier (YYYY-MM-DD)"
    )

    def validate_outlet(self, value: int) -> Outlet:
        outlet = Outlet.objects.filter(pk=value).first()
        if outlet is None:
            raise serializers.ValidationError(f"No outlet has id {value}.")
        return outlet

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields) - set(PAGING_PARAMETERS))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown query parameter."] for name in unknown})
        start, end = attrs.get("published_from"), attrs.get("published_to")
        if start and end and end < start:
            raise serializers.ValidationError({"published_to": ["The last day comes before the first."]})
        if query.terms(attrs["q"]).empty:
            raise serializers.ValidationError({"q": ["Search for at least one word or number."]})
        return attrs

    def filters(self) -> search_selectors.SearchFilters:
        data = self.validated_data
        return search_selectors.SearchFilters(
            story=data.get("story"),
            outlet=data.get("outlet"),
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
            status=data.get("status", ""),
            verdict=data.get("has_verdict", ""),
        )


class ClaimSearchQuerySerializer(SentenceSearchQuerySerializer):
    """Sentences have no status or verdict: these two narrow claims only."""

    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False, help_text="Review status")
    has_verdict = serializers.ChoiceField(
        choices=[search_selectors.HasVerdict.WITH, search_selectors.HasVerdict.WITHOUT],
        required=False,
        help_text="`with`: claims with a recorded verdict; `without`: claims without one",
    )


class PagingQuerySerializer(serializers.Serializer[Any]):
    """Validation only (the paginator documents these parameters): a bad value is a 400, not the default."""

    page = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)


class SearchPagingQuerySerializer(PagingQuerySerializer):
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_SEARCH_PAGE_SIZE, required=False)


class SearchMatchSerializer(serializers.Serializer[Any]):
    """How a result matched: by its words, by meaning, or both."""

    words = serializers.BooleanField(help_text="It has every word and figure of the query (or names whom it names)")
    meaning = serializers.FloatField(
        allow_null=True, help_text="Cosine to the query when close in meaning (0.45 or more); null otherwise"
    )
    closeness = serializers.CharField(help_text="The cosine in words, as the search page says it; empty without one")
    score = serializers.FloatField(help_text="What results are ranked by: the cosine, plus 0.6 with the words")


def _match(row: Model) -> dict[str, Any]:
    cosine: float | None = getattr(row, "meaning", None)
    return {
        "words": bool(getattr(row, "word_hit", False)),
        "meaning": cosine,
        "closeness": query.closeness(cosine) if cosine is not None else "",
        "score": float(getattr(row, "score", 0.0)),
    }


class ClaimSearchResultSerializer(serializers.ModelSerializer[Claim]):
    """A claim found by search, with its article's outlet and date (joined by the selector)."""

    outlet = serializers.CharField(source="article.outlet.name", default=None, allow_null=True, read_only=True)
    published_at = serializers.DateTimeField(source="article.published_at", allow_null=True, read_only=True)
    match = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "text", "status", "version", "article", "outlet", "published_at", "match"]
        read_only_fields = fields

    @extend_schema_field(SearchMatchSerializer)
    def get_match(self, claim: Claim) -> dict[str, Any]:
        return _match(claim)


class SentenceSearchResultSerializer(serializers.ModelSerializer[Sentence]):
    """A sentence found by search; its match by meaning is its closest claim's."""

    outlet = serializers.CharField(source="article.outlet.name", default=None, allow_null=True, read_only=True)
    published_at = serializers.DateTimeField(source="article.published_at", allow_null=True, read_only=True)
    article_title = serializers.SerializerMethodField(
        help_text="The article's title, or its first line when it has none (as the search page shows it)"
    )
    match = serializers.SerializerMethodField()

    class Meta:
        model = Sentence
        fields = ["id", "text", "article", "article_title", "position", "outlet", "published_at", "match"]
        read_only_fields = fields

    def get_article_title(self, sentence: Sentence) -> str:
        # The selector annotates the body's first characters (article_head) instead of loading the body.
        return article_selectors.title_from_head(sentence.article.title, getattr(sentence, "article_head", ""))

    @extend_schema_field(SearchMatchSerializer)
    def get_match(self, sentence: Sentence) -> dict[str, Any]:
        return _match(sentence)
