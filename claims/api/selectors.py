"""Querysets behind the REST API.

Every list queryset fetches its related rows in a fixed number of queries
(select_related / prefetch_related / subquery counts), so a page costs the same
number of queries however many rows it holds. Article bodies and job payloads can
be megabytes: list querysets defer them, and evidence quotes and span texts are
cut out of the body by the database instead of loading the body.
"""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, Model, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr

from claims.models import Claim, ClaimSpan, Evidence, Job, JobItem, Review
from sources.models import Article, Sentence


def _count_of(model: type[Model], fk: str) -> Coalesce:
    """Number of ``model`` rows whose ``fk`` points at the outer row, as a correlated subquery."""
    counted = (
        model._default_manager.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _body_slice(body: str) -> Substr:
    """``body[start:end]`` of the row's own ``start``/``end`` (SQL substrings count from 1)."""
    return Substr(body, F("start") + 1, F("end") - F("start"))


def article_list() -> QuerySet[Article]:
    return (
        Article.objects.select_related("outlet")
        .defer("body", "source_name")
        .annotate(sentence_count=_count_of(Sentence, "article"), claim_count=_count_of(Claim, "article"))
    )


def article_detail() -> QuerySet[Article]:
    return (
        article_list()
        .defer(None)
        .prefetch_related(Prefetch("sentences", queryset=Sentence.objects.order_by("position")))
    )


def sentence_list() -> QuerySet[Sentence]:
    return Sentence.objects.order_by("article_id", "position")


def claim_list() -> QuerySet[Claim]:
    return Claim.objects.order_by("article_id", "id")


def claim_detail() -> QuerySet[Claim]:
    spans = ClaimSpan.objects.annotate(text=_body_slice("sentence__article__body")).order_by("start", "id")
    evidence = Evidence.objects.annotate(
        article_pk=F("sentence__article_id"), quote=_body_slice("sentence__article__body")
    ).order_by("id")
    reviews = Review.objects.select_related("reviewer").order_by("created_at", "id")
    return claim_list().prefetch_related(
        Prefetch("spans", queryset=spans),
        Prefetch("evidence", queryset=evidence),
        Prefetch("reviews", queryset=reviews),
    )


def review_list() -> QuerySet[Review]:
    return Review.objects.select_related("reviewer").order_by("-created_at", "-id")


def job_list() -> QuerySet[Job]:
    return Job.objects.select_related("story").order_by("-created_at", "-id")


def job_detail() -> QuerySet[Job]:
    # A queued item's payload holds the whole document; the API never shows it.
    items = JobItem.objects.defer("payload").order_by("position")
    return job_list().prefetch_related(Prefetch("items", queryset=items))
