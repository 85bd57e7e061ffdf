"""Representations of the REST API. Every field is listed; server-set fields are read-only.

One module for every resource: drf-spectacular names schema components after the classes,
so the names must be unique across the API, and the field factories below are shared.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django.core.validators import URLValidator
from django.db.models.functions import Length
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from claims.models import (
    Claim,
    ClaimSpan,
    DuplicateGroup,
    Evidence,
    GroupDecision,
    Job,
    JobItem,
    Rating,
    Review,
    Stance,
    TokenScope,
    Verdict,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from claims.selectors import claim_details
from claims.services.reviews import MAX_DECIDED_AT_ONCE
from sources.models import Article, Outlet, Sentence, Story
from sources.text.reading import source_label

MAX_INGEST_DOCUMENTS = 100
# Ids are PostgreSQL bigints; a larger number is refused here, not by the database.
MAX_ID = 2**63 - 1


# Offsets are PostgreSQL integers (PositiveIntegerField).
MAX_OFFSET = 2**31 - 1


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


# --- strict fields: a request body's JSON types are checked, never coerced -------------------
# DRF's own fields accept 123 for a string, "7" and 10.0 for a number and "true" for a choice;
# a client that sends the wrong type has a bug, and storing its guess hides it.


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class StrictCharField(serializers.CharField):
    """A JSON string; a number, boolean, list or object is refused."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number; a boolean, a string or a fraction is refused."""

    def to_internal_value(self, data: Any) -> int:
        if not _is_int(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, as a JSON string."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField[Any]):
    """An object by its id, a JSON whole number within the bigint range (10.5 is not claim 10)."""

    def to_internal_value(self, data: Any) -> Any:
        if not _is_int(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class StrictSlugRelatedField(serializers.SlugRelatedField[Any]):
    """An object by its slug, a JSON string PostgreSQL can compare (no NUL, no lone surrogate)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or _UNSTORABLE.search(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def http_url_field(**options: Any) -> serializers.URLField:
    """An http(s) address: it is shown as a link, so javascript: and the like are refused."""
    return serializers.URLField(
        validators=[URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")],
        **options,
    )


# --- fields several representations share ---------------------------------------------------


def note_field() -> serializers.CharField:
    """A reviewer's optional note on a write."""
    return StrictCharField(required=False, allow_blank=True, default="", max_length=2000)


def id_field(**options: Any) -> serializers.IntegerField:
    """An object named by id in a request body."""
    return StrictIntegerField(min_value=1, max_value=MAX_ID, **options)


def ids_field(**options: Any) -> serializers.ListField:
    return serializers.ListField(child=id_field(), **options)


def batch_field(child: serializers.Field[Any, Any, Any, Any]) -> serializers.ListField:
    """The documents of one ingest job: at least one, at most MAX_INGEST_DOCUMENTS."""
    return serializers.ListField(child=child, min_length=1, max_length=MAX_INGEST_DOCUMENTS, allow_empty=False)


# --- errors (documentation only: claims.api.errors builds the bodies) ---------


class ErrorSerializer(serializers.Serializer[Any]):
    error = inline_serializer(
        "ErrorBody",
        fields={
            "code": serializers.CharField(help_text="Machine-readable reason, e.g. not_found or stale_version"),
            "message": serializers.CharField(help_text="What went wrong, for a person"),
            "fields": serializers.DictField(
                child=serializers.JSONField(),
                required=False,
                help_text="Only on 400: each invalid field (or request header) and what is wrong with it",
            ),
        },
    )


# --- articles and sentences ---------------------------------------------------


class OutletSerializer(serializers.ModelSerializer[Outlet]):
    class Meta:
        model = Outlet
        fields = ["id", "name", "domain"]
        read_only_fields = fields


class SentenceSerializer(serializers.ModelSerializer[Sentence]):
    class Meta:
        model = Sentence
        fields = ["id", "article", "position", "paragraph", "start", "end", "text", "kind"]
        read_only_fields = fields


class ArticleSentenceSerializer(serializers.ModelSerializer[Sentence]):
    class Meta:
        model = Sentence
        fields = ["id", "position", "start", "end", "text", "kind"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer[Article]):
    outlet = OutletSerializer(read_only=True, allow_null=True)
    # A plain string, not format "uri": articles ingested from files often have no address ("").
    url = serializers.CharField(read_only=True, help_text="The article's address; empty when unknown")
    sentence_count = serializers.IntegerField(read_only=True)
    claim_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "outlet",
            "url",
            "published_at",
            "language",
            "content_hash",
            "sentence_count",
            "claim_count",
        ]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    sentences = ArticleSentenceSerializer(many=True, read_only=True)

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "sentences"]
        read_only_fields = fields


# --- claims, evidence and reviews -----------------------------------------------


class AttributionSerializer(serializers.Serializer[Any]):
    """One level of who a claim is credited to, innermost first."""

    # A field named "source" shadows Field.source in the stubs only; DRF reads declared fields by name.
    source = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="Who is credited: the person when the sentence names one beside a title"
    )
    role = serializers.CharField(
        read_only=True, default="", help_text="The title the sentence gives them ('Health Ministry spokesman')"
    )
    resolved = serializers.CharField(
        read_only=True, default="", help_text="The name a pronoun source ('he') stands for, when the article gave it"
    )
    verb = serializers.CharField(read_only=True, help_text="The reporting verb ('said'), '' when none")
    kind = serializers.ChoiceField(
        choices=["direct_quote", "reported_speech", "according_to"], read_only=True, help_text="How it is credited"
    )
    start = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Offset of the source's words in the claim's sentence; null when carried",
    )
    end = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    carried = serializers.BooleanField(
        read_only=True, default=False, help_text="Credited from the end of a quotation over several sentences"
    )


class EntitySerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True, help_text="As the article spells it")
    key = serializers.CharField(
        read_only=True,
        help_text="Spelling-insensitive key: 'Ali Bagheri Kani' and 'Ali Baqeri Kani' share one; search matches it",
    )


class FigureInTimeSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(read_only=True, help_text="The figure as written")
    value = serializers.FloatField(read_only=True)
    qualifier = serializers.CharField(read_only=True, help_text="exact, at least, over, nearly, about, up to, under…")
    event = serializers.CharField(
        read_only=True,
        help_text=(
            "What it counts, one key for every wording: killed (killed, dead, deaths, death toll), "
            "injured (injured, wounded, hurt), missing, displaced, held; '' when the claim does not say"
        ),
    )
    part = serializers.CharField(
        read_only=True, help_text="The part of the population counted ('children'), '' for the whole"
    )
    unit = serializers.CharField(read_only=True, help_text="The words after the number")
    percent = serializers.BooleanField(read_only=True)
    low = serializers.FloatField(read_only=True, help_text="Lowest value the qualified figure allows")
    high = serializers.FloatField(read_only=True, help_text="Highest value the qualified figure allows")
    as_of = serializers.DateField(
        read_only=True, allow_null=True, help_text="The date it describes: a date the claim names, else publication"
    )
    source = serializers.CharField(  # type: ignore[assignment]  # (see AttributionSerializer.source)
        read_only=True,
        allow_null=True,
        help_text="Who the figure is credited to ('the health ministry', a named speaker); null: the outlet's own",
    )
    source_role = serializers.CharField(read_only=True, help_text="The credited person's title, '' when none")


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    """A claim with who it is credited to, the names it mentions and its figures (read from stored fields,
    no query of their own: the list's article is joined)."""

    attribution = AttributionSerializer(many=True, read_only=True, help_text="Who is credited, innermost first")
    entities = serializers.SerializerMethodField(help_text="Names the claim mentions, one per key")
    figures = serializers.SerializerMethodField(
        help_text="Each figure as matching compares it: what it counts, its range, its date and its source"
    )
    assignee = serializers.CharField(
        source="assignee.user.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Username of the reviewer the claim is assigned to (review desk); null: nobody",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "status",
            "version",
            "extractor",
            "worthiness",
            "article",
            "created_at",
            "attribution",
            "entities",
            "figures",
            "assignee",
        ]
        read_only_fields = fields

    # One nested serializer for every claim of a list, not a new one per claim: a new serializer
    # deep-copies its declared fields, which cost a 50-claim page more CPU than all its queries.
    @cached_property
    def _entity(self) -> EntitySerializer:
        return EntitySerializer()

    @cached_property
    def _figure(self) -> FigureInTimeSerializer:
        return FigureInTimeSerializer()

    @extend_schema_field(EntitySerializer(many=True))
    def get_entities(self, claim: Claim) -> list[dict[str, Any]]:
        return [dict(self._entity.to_representation(row)) for row in claim_details.unique_entities(claim=claim)]

    @extend_schema_field(FigureInTimeSerializer(many=True))
    def get_figures(self, claim: Claim) -> list[dict[str, Any]]:
        return [dict(self._figure.to_representation(row)) for row in claim_details.figures_in_time(claim=claim)]


class ClaimSpanSerializer(serializers.ModelSerializer[ClaimSpan]):
    text = serializers.CharField(read_only=True, help_text="article.body[start:end]")

    class Meta:
        model = ClaimSpan
        fields = ["sentence", "start", "end", "text"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    article = serializers.IntegerField(source="article_pk", read_only=True, help_text="Article the sentence is in")
    quote = serializers.CharField(read_only=True, help_text="The quoted text: article.body[start:end]")
    details = serializers.DictField(
        child=serializers.JSONField(),
        read_only=True,
        help_text="How a matched link was scored: every signal and the threshold that fired",
    )
    via_claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The other article's claim whose wording was matched"
    )
    withdrawn_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Set when a recompute no longer finds this undecided machine link (hidden unless asked for)",
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "sentence",
            "article",
            "start",
            "end",
            "quote",
            "stance",
            "method",
            "strength",
            "score",
            "details",
            "via_claim",
            "decision",
            "withdrawn_at",
        ]
        read_only_fields = fields


class RatingSlugField(StrictSlugRelatedField):
    """An active rating of the newsroom's scale by its slug; an unknown one is named in the 400."""

    default_error_messages = {
        "does_not_exist": "Unknown rating {value}; GET /api/v1/ratings/ lists the scale.",
        "invalid": "A rating is a slug string, e.g. mostly-true.",
    }


class RatingSerializer(serializers.ModelSerializer[Rating]):
    """One step of the newsroom's rating scale (edited in the admin)."""

    worst_rating = serializers.SerializerMethodField(help_text="The scale's lowest ratingValue")
    best_rating = serializers.SerializerMethodField(help_text="The scale's highest ratingValue")

    class Meta:
        model = Rating
        fields = ["slug", "label", "alternate_name", "rating_value", "worst_rating", "best_rating", "summary", "active"]
        read_only_fields = fields

    def get_worst_rating(self, rating: Rating) -> int:
        return int(self.context["scale_range"][0])

    def get_best_rating(self, rating: Rating) -> int:
        return int(self.context["scale_range"][1])


class ReviewSerializer(serializers.ModelSerializer[Review]):
    """A verdict on a claim. The reviewer and time are set by the server."""

    claim = StrictPrimaryKeyRelatedField(queryset=Claim.objects.all())
    rating = RatingSlugField(
        slug_field="slug",
        queryset=Rating.objects.filter(active=True),
        required=False,
        allow_null=True,  # in responses: reviews recorded before the scale have none; refused as input
        help_text=(
            "Slug of an active rating of the newsroom's scale (GET /api/v1/ratings/); it sets the verdict. "
            "Null on reviews recorded before the scale."
        ),
    )
    verdict = StrictChoiceField(
        choices=Verdict.choices,
        required=False,
        help_text="The rating's summary; send it alone (corroborated or contested) to record no rating, "
        "or beside a rating it must agree with",
    )
    rationale = StrictCharField(trim_whitespace=True, allow_blank=False, help_text="Why: required")
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "claim", "rating", "verdict", "rationale", "reviewer", "created_at"]
        read_only_fields = ["id", "reviewer", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "rating" in attrs and attrs["rating"] is None:
            raise serializers.ValidationError(
                {"rating": "Give a rating's slug, or leave it out to record a bare verdict."}
            )
        if "rating" not in attrs and "verdict" not in attrs:
            raise serializers.ValidationError({"rating": "Give a rating (or a verdict: corroborated or contested)."})
        return attrs


class ClaimReviewSerializer(serializers.ModelSerializer[Review]):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    rating: serializers.SlugRelatedField[Rating] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Review
        fields = ["verdict", "rating", "reviewer", "rationale", "created_at"]
        read_only_fields = fields


class ClaimGroupSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True, help_text="GET /api/v1/groups/{id}/ for members and figures")
    version = serializers.IntegerField(read_only=True)
    canonical = serializers.IntegerField(read_only=True, help_text="Claim whose wording stands for the group")
    size = serializers.IntegerField(read_only=True, help_text="Live claims in the group, this one included")


class ReportSerializer(serializers.Serializer[Any]):
    """One article that reports the claim (or contradicts it), through one evidence link."""

    outlet = serializers.CharField(
        read_only=True, help_text="The given outlet, else the one the article's text credits itself to; else empty"
    )
    outlet_source = serializers.CharField(
        read_only=True, help_text="given; inferred (read from the article's dateline or sign-off); empty when unknown"
    )
    outlet_evidence = serializers.CharField(
        read_only=True, help_text="The words of the text an inferred outlet was read from"
    )
    article = serializers.IntegerField(source="article_id", read_only=True)
    article_title = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    published_at_source = serializers.CharField(
        source="date_source",
        read_only=True,
        help_text=(
            "given; printed (no time was given: the day printed at the head of the article's text); "
            "not_before (only a lower bound: the latest past day its text names); empty when undated"
        ),
    )
    published_at_evidence = serializers.CharField(
        source="date_evidence", read_only=True, help_text="The words of the text an inferred date was read from"
    )
    stance = serializers.ChoiceField(choices=Stance.choices, read_only=True)
    evidence = serializers.IntegerField(source="evidence_id", read_only=True)
    copy_of_article = serializers.IntegerField(
        source="copy_of_article_id",
        read_only=True,
        allow_null=True,
        help_text="The earlier article whose text or wire source this report repeats (not independent)",
    )
    score = serializers.FloatField(read_only=True, allow_null=True, help_text="The link's score (1 for given links)")


class CorroborationSerializer(serializers.Serializer[Any]):
    supporting_outlets = serializers.IntegerField(
        read_only=True, help_text="Distinct outlets with a counted supporting link (suggestions not included)"
    )
    contradicting_outlets = serializers.IntegerField(
        read_only=True, help_text="Distinct outlets with a counted contradicting link (suggestions not included)"
    )
    independent_supporting = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Independent sources the supporting reports come down to: one outlet's reports, copies of one "
            "text and credits to one wire agency count once"
        ),
    )
    unnamed_outlets = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Articles among the reports that name no outlet, neither given nor credited in their own text; "
            "each counts as an outlet of its own"
        ),
    )
    first_appearance = ReportSerializer(read_only=True, allow_null=True, help_text="Earliest dated supporting report")
    reports = ReportSerializer(
        many=True,
        read_only=True,
        help_text="Counted links (given, automatic or confirmed by a reviewer), in publication order",
    )
    suggested_supporting = serializers.IntegerField(
        read_only=True, help_text="Suggested supporting links not yet reviewed: listed apart, never counted"
    )
    suggested_contradicting = serializers.IntegerField(
        read_only=True, help_text="Suggested contradicting links not yet reviewed: listed apart, never counted"
    )
    suggestions = ReportSerializer(
        many=True, read_only=True, help_text="Machine suggestions nobody has decided yet, best score first"
    )


class ClaimDetailQuerySerializer(serializers.Serializer[Any]):
    include_withdrawn = serializers.BooleanField(
        default=False, help_text="Also list machine links a recompute withdrew (hidden by default)"
    )


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with its spans, evidence and reviews; the view passes its group and corroboration in the context."""

    spans = ClaimSpanSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    reviews = ClaimReviewSerializer(many=True, read_only=True)
    quantities = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        read_only=True,
        help_text="Figures as stored, with qualifier and what they count (see figures for their reading)",
    )
    group = serializers.SerializerMethodField(help_text="The duplicate group the claim is in, if any")
    corroboration = serializers.SerializerMethodField(help_text="Who reports the claim, how independently, first")

    class Meta(ClaimSerializer.Meta):
        fields = [
            *ClaimSerializer.Meta.fields,
            "quantities",
            "spans",
            "evidence",
            "reviews",
            "group",
            "corroboration",
        ]
        read_only_fields = fields

    @extend_schema_field(ClaimGroupSerializer(allow_null=True))
    def get_group(self, claim: Claim) -> dict[str, Any] | None:
        group = self.context.get("group")
        return None if group is None else dict(ClaimGroupSerializer(group).data)

    @extend_schema_field(CorroborationSerializer(allow_null=True))
    def get_corroboration(self, claim: Claim) -> dict[str, Any] | None:
        corroboration = self.context.get("corroboration")
        return None if corroboration is None else dict(CorroborationSerializer(corroboration).data)


# --- jobs and ingestion ---------------------------------------------------------


class JobItemSerializer(serializers.ModelSerializer[JobItem]):
    source = serializers.CharField(  # type: ignore[assignment]  # (see AttributionSerializer.source)
        source="source_label",
        read_only=True,
        help_text="The document's file name (no server folders), upload name, API position or article",
    )

    class Meta:
        model = JobItem
        fields = ["position", "source", "state", "message", "article"]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer[Job]):
    story: serializers.SlugRelatedField[Story] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    result = serializers.DictField(
        child=serializers.JSONField(),
        read_only=True,
        help_text=(
            "When finished, the job's own result: for ingest and extract jobs the counts of created, duplicate "
            "and failed items and the first errors; for match and recompute jobs the chunks, claims, groups "
            "created/changed/moved and live machine links, with what was asked for (articles or claim_ids)"
        ),
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "done",
            "total",
            "error",
            "result",
            "story",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "sent_at",
            "sends",
            "heartbeat_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Job) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        result = data.get("result")
        if isinstance(result, dict) and isinstance(result.get("errors"), list):
            # The stored errors name each input as the ingest command read it, server folders included.
            data["result"] = {**result, "errors": [_error_shown(e) for e in result["errors"]]}
        return data


def _error_shown(error: object) -> object:
    if isinstance(error, dict) and isinstance(error.get("source"), str):
        return {**error, "source": source_label(error["source"])}
    return error


class JobDetailSerializer(JobSerializer):
    items = JobItemSerializer(many=True, read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "items"]
        read_only_fields = fields


class IngestDocumentSerializer(serializers.Serializer[Any]):
    """One document to ingest (documentation of the accepted keys; see IngestDocumentField)."""

    text = serializers.CharField(required=False, help_text="Plain article text (give this or html)")
    html = serializers.CharField(required=False, help_text="An HTML page; the article text is extracted")
    title = serializers.CharField(required=False)
    outlet = serializers.CharField(required=False, help_text="Outlet name, created if new")
    domain = serializers.CharField(required=False, help_text="Outlet domain")
    url = serializers.CharField(required=False)
    published_at = serializers.CharField(required=False, help_text="ISO 8601 date or date-time; UTC if no zone")
    language = serializers.CharField(required=False)


@extend_schema_field(IngestDocumentSerializer)
class IngestDocumentField(serializers.JSONField):
    """Any JSON value: each is read by sources.text.reading, and one that is not a usable
    document becomes a failed job item instead of failing the whole request."""


def story_field(what: str) -> serializers.SlugRelatedField[Story]:
    """An optional story, by slug, that the sent documents join."""
    return StrictSlugRelatedField(
        slug_field="slug",
        queryset=Story.objects.all(),
        required=False,
        allow_null=True,
        help_text=f"Slug of an existing story to add the {what} to",
    )


class IngestSerializer(serializers.Serializer[Any]):
    documents = batch_field(IngestDocumentField())
    story = story_field("articles")


# --- article creation (idempotent, queued as an ingest job) ----------------------------------


class ArticleCreateSerializer(serializers.Serializer[Any]):
    """One article to store: its text (or HTML, reduced to the article text) and metadata."""

    text = StrictCharField(required=False, trim_whitespace=False, help_text="Plain text; or send html")
    html = StrictCharField(required=False, trim_whitespace=False, help_text="HTML; the article text is kept")
    title = StrictCharField(required=False, allow_blank=True, max_length=500)
    outlet = StrictCharField(required=False, allow_blank=True, max_length=200, help_text="Outlet name")
    domain = StrictCharField(required=False, allow_blank=True, max_length=200, help_text="Outlet domain")
    url = http_url_field(required=False, allow_blank=True, max_length=2000)
    published_at = serializers.DateTimeField(required=False, allow_null=True, help_text="ISO 8601; UTC if no zone")
    language = StrictCharField(required=False, allow_blank=True, max_length=16)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_text, has_html = bool(attrs.get("text", "").strip()), bool(attrs.get("html", "").strip())
        if has_text == has_html:
            raise serializers.ValidationError({"text": ["Send exactly one of text or html, not empty."]})
        return attrs


class ArticleBatchSerializer(serializers.Serializer[Any]):
    articles = batch_field(ArticleCreateSerializer())
    story = story_field("articles")


class ArticleSingleCreateSerializer(ArticleCreateSerializer):
    story = story_field("article")


# --- evidence writes --------------------------------------------------------------------------


class EvidenceDecisionSerializer(serializers.Serializer[Any]):
    decision = StrictChoiceField(choices=["confirmed", "rejected"])
    note = note_field()


class EvidenceCreateSerializer(serializers.Serializer[Any]):
    """A manual evidence link: a claim and a character span of an article body (through
    the sentence it lies in, or the article, whose sentence is then found)."""

    claim = StrictPrimaryKeyRelatedField(queryset=Claim.objects.all())
    sentence = StrictPrimaryKeyRelatedField(queryset=Sentence.objects.all(), required=False)
    article = StrictPrimaryKeyRelatedField(queryset=Article.objects.all(), required=False)
    start = StrictIntegerField(min_value=0, max_value=MAX_OFFSET, help_text="Offset into the article body")
    end = StrictIntegerField(min_value=1, max_value=MAX_OFFSET, help_text="End offset (exclusive)")
    stance = StrictChoiceField(choices=Stance.choices)
    note = note_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sentence: Sentence | None = attrs.get("sentence")
        article: Article | None = attrs.get("article")
        start, end = attrs["start"], attrs["end"]
        if (sentence is None) == (article is None):
            raise serializers.ValidationError({"sentence": ["Give exactly one of sentence or article."]})
        if end <= start:
            raise serializers.ValidationError({"end": ["end must be greater than start."]})
        if sentence is not None and article is None:
            article = sentence.article
        assert article is not None
        body_length = Article.objects.filter(pk=article.pk).values_list(Length("body"), flat=True).get()
        if end > body_length:
            raise serializers.ValidationError({"end": [f"The article body has {body_length} characters."]})
        if sentence is not None:
            if not sentence.start <= start < end <= sentence.end:
                raise serializers.ValidationError(
                    {"start": [f"The span must lie within the sentence ({sentence.start}-{sentence.end})."]}
                )
        else:
            found = Sentence.objects.filter(article=article, start__lte=start, end__gte=end).first()
            if found is None:
                raise serializers.ValidationError({"start": ["The span must lie within one sentence of the article."]})
            attrs["sentence"] = found
        return attrs


class EvidenceBulkDecisionSerializer(serializers.Serializer[Any]):
    """Several links of one claim confirmed or rejected together, with one rationale: all, or none."""

    claim = StrictPrimaryKeyRelatedField(queryset=Claim.objects.all(), help_text="The claim whose links these are")
    evidence = ids_field(
        min_length=1, max_length=MAX_DECIDED_AT_ONCE, allow_empty=False, help_text="Ids of the claim's links"
    )
    decision = StrictChoiceField(choices=["confirmed", "rejected"])
    note = StrictCharField(max_length=2000, help_text="The rationale, recorded on every decision")


class EvidenceBulkResultSerializer(serializers.Serializer[Any]):
    claim = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="The claim's version after the decisions")
    results = EvidenceSerializer(many=True, read_only=True, help_text="Each decided link as it is now")


# --- webhooks ------------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    url = http_url_field(max_length=2000, help_text="http(s) URL that receives POSTed events")
    events = serializers.ListField(
        child=StrictChoiceField(choices=WebhookEvent.choices), allow_empty=False, max_length=10
    )
    description = StrictCharField(required=False, allow_blank=True, default="", max_length=200)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signing secret (whsec_…): shown only in this response; store it now"
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    msg_id = serializers.CharField(source="message.msg_id", read_only=True, help_text="The webhook-id header")
    event = serializers.CharField(source="message.event", read_only=True)
    message_state = serializers.CharField(source="message.state", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "msg_id",
            "event",
            "message_state",
            "attempt",
            "status_code",
            "error",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


# --- tokens ---------------------------------------------------------------------------------


class TokenLoginSerializer(serializers.Serializer[Any]):
    username = StrictCharField(write_only=True)
    password = StrictCharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    scope = StrictChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expiry_hours = StrictIntegerField(required=False, min_value=1, max_value=24 * 365, allow_null=True)
    client = StrictCharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="Which client will hold the token"
    )


class TokenIssuedSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token <token>`; shown once")
    scope = serializers.ChoiceField(choices=TokenScope.choices, read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


# --- duplicate groups: members side by side, conflicting figures, reviewer history ----------


class GroupClaimSerializer(serializers.ModelSerializer[Claim]):
    class Meta:
        model = Claim
        fields = ["id", "text", "status", "version", "article"]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer[DuplicateGroup]):
    canonical = GroupClaimSerializer(read_only=True)
    canonical_by = serializers.CharField(
        source="canonical_by.username",
        read_only=True,
        allow_null=True,
        help_text="Reviewer who picked the canonical wording; null when it was picked automatically",
    )
    size = serializers.IntegerField(read_only=True, help_text="Live claims in the group")

    class Meta:
        model = DuplicateGroup
        fields = ["id", "version", "canonical", "canonical_by", "size", "created_at", "updated_at"]
        read_only_fields = fields


class GroupMemberSerializer(serializers.Serializer[Any]):
    claim = GroupClaimSerializer(read_only=True)
    outlet = serializers.CharField(read_only=True)
    article_title = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pinned = serializers.BooleanField(read_only=True, help_text="Placed by a reviewer: recomputes never move it")
    canonical = serializers.BooleanField(read_only=True)
    quantities = serializers.ListField(child=serializers.DictField(child=serializers.JSONField()), read_only=True)


class FigureSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(read_only=True, help_text="The figure as the article words it")
    value = serializers.FloatField(read_only=True)
    claim = serializers.IntegerField(source="claim_id", read_only=True)
    outlet = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EventFiguresSerializer(serializers.Serializer[Any]):
    event = serializers.CharField(read_only=True, help_text="What is counted (killed, injured, …)")
    figures = FigureSerializer(many=True, read_only=True, help_text="Every member's figure, in publication order")


class GroupDecisionSerializer(serializers.ModelSerializer[GroupDecision]):
    claims = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    reviewer = serializers.CharField(
        source="reviewer.username",
        read_only=True,
        allow_null=True,
        help_text="Null only for a dissolution the matcher made (a group left with one claim)",
    )

    class Meta:
        model = GroupDecision
        fields = ["id", "group", "action", "claims", "other_group", "reviewer", "note", "created_at"]
        read_only_fields = fields


class GroupDetailSerializer(serializers.Serializer[Any]):
    """A duplicate group with its members, their figures side by side, and its history."""

    id = serializers.IntegerField(source="group.pk", read_only=True)
    version = serializers.IntegerField(source="group.version", read_only=True)
    canonical = GroupClaimSerializer(source="group.canonical", read_only=True)
    canonical_by = serializers.CharField(source="group.canonical_by.username", read_only=True, allow_null=True)
    size = serializers.IntegerField(source="group.size", read_only=True)
    created_at = serializers.DateTimeField(source="group.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="group.updated_at", read_only=True)
    members = GroupMemberSerializer(many=True, read_only=True, help_text="Live claims, earliest published first")
    figures = EventFiguresSerializer(
        many=True, read_only=True, help_text="Counted events whose figures differ between members"
    )
    history = GroupDecisionSerializer(many=True, read_only=True, help_text="Reviewer decisions, newest first")


# --- group writes ---------------------------------------------------------------------------------


class GroupMergeSerializer(serializers.Serializer[Any]):
    claims = ids_field(required=False, default=list, max_length=500)
    groups = ids_field(
        required=False, default=list, max_length=100, help_text="Groups whose every member moves into this one"
    )
    note = note_field()

    def validate_groups(self, value: list[int]) -> list[int]:
        found = set(DuplicateGroup.objects.filter(pk__in=value).values_list("pk", flat=True))
        missing = sorted(set(value) - found)
        if missing:
            raise serializers.ValidationError(f"No such group: {', '.join(map(str, missing))}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["claims"] and not attrs["groups"]:
            raise serializers.ValidationError({"claims": ["Name claims or groups to merge into this one."]})
        return attrs


class GroupCreateSerializer(serializers.Serializer[Any]):
    claims = ids_field(
        min_length=2, max_length=500, help_text="Claims that state one fact; any group they were in loses them"
    )
    note = note_field()


class GroupSplitSerializer(serializers.Serializer[Any]):
    claims = ids_field(allow_empty=False, max_length=500, help_text="Claims to take out")
    note = note_field()


class GroupCanonicalSerializer(serializers.Serializer[Any]):
    claim = id_field(help_text="A member whose wording stands for the group")
