"""Representations of the REST API. Every field is listed; server-set fields are read-only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from claims.models import Claim, ClaimSpan, Evidence, Job, JobItem, Review, Verdict
from sources.models import Article, Outlet, Sentence, Story

MAX_INGEST_DOCUMENTS = 100


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


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    class Meta:
        model = Claim
        fields = ["id", "text", "status", "version", "extractor", "worthiness", "article", "created_at"]
        read_only_fields = fields


class ClaimSpanSerializer(serializers.ModelSerializer[ClaimSpan]):
    text = serializers.CharField(read_only=True, help_text="article.body[start:end]")

    class Meta:
        model = ClaimSpan
        fields = ["sentence", "start", "end", "text"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    article = serializers.IntegerField(source="article_pk", read_only=True, help_text="Article the sentence is in")
    quote = serializers.CharField(read_only=True, help_text="The quoted text: article.body[start:end]")

    class Meta:
        model = Evidence
        fields = ["id", "sentence", "article", "start", "end", "quote", "stance", "method", "score", "decision"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer[Review]):
    """A verdict on a claim. The reviewer and time are set by the server."""

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    rationale = serializers.CharField(trim_whitespace=True, allow_blank=False, help_text="Why: required")
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "claim", "verdict", "rationale", "reviewer", "created_at"]
        read_only_fields = ["id", "reviewer", "created_at"]


class ClaimReviewSerializer(serializers.ModelSerializer[Review]):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Review
        fields = ["verdict", "reviewer", "rationale", "created_at"]
        read_only_fields = fields


class ClaimDetailSerializer(ClaimSerializer):
    spans = ClaimSpanSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    reviews = ClaimReviewSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "spans", "evidence", "reviews"]
        read_only_fields = fields


# --- jobs and ingestion ---------------------------------------------------------


class JobItemSerializer(serializers.ModelSerializer[JobItem]):
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
        help_text="When finished: counts of created, duplicate and failed items, and the first errors",
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
        ]
        read_only_fields = fields


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


class IngestSerializer(serializers.Serializer[Any]):
    documents = serializers.ListField(
        child=IngestDocumentField(), min_length=1, max_length=MAX_INGEST_DOCUMENTS, allow_empty=False
    )
    story: serializers.SlugRelatedField[Story] = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Story.objects.all(),
        required=False,
        allow_null=True,
        help_text="Slug of an existing story to add the articles to",
    )
