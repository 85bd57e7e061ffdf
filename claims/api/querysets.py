"""The API's querysets: what each endpoint reads, shaped for its serializer, and scoped to the
caller where a resource is private (webhook subscriptions).

Every list queryset fetches its related rows in a fixed number of queries
(select_related / prefetch_related / subquery counts), so a page costs the same
number of queries however many rows it holds. Article bodies and job payloads can
be megabytes: list querysets defer them, and evidence quotes and span texts are
cut out of the body by the database instead of loading the body.

The names say what comes back; the pages' reads are in claims.selectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, F, IntegerField, Model, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr

from claims.models import (
    Claim,
    ClaimSpan,
    DuplicateGroup,
    Evidence,
    GroupDecision,
    GroupMember,
    Job,
    JobItem,
    Review,
    WebhookDelivery,
    WebhookEndpoint,
)
from claims.roles import can_admin
from claims.selectors import groups as group_selectors
from claims.selectors.groups import FigureRow, GroupMemberRow
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


# --- articles and sentences -------------------------------------------------------------------


def articles_with_counts() -> QuerySet[Article]:
    """Articles with their outlet and sentence and claim counts; the body is not loaded."""
    return (
        Article.objects.select_related("outlet")
        .defer("body", "source_name")
        .annotate(sentence_count=_count_of(Sentence, "article"), claim_count=_count_of(Claim, "article"))
    )


def articles_with_sentences() -> QuerySet[Article]:
    """As ``articles_with_counts``, with the body and the sentences in reading order."""
    return (
        articles_with_counts()
        .defer(None)
        .prefetch_related(Prefetch("sentences", queryset=Sentence.objects.order_by("position")))
    )


def sentences_in_order() -> QuerySet[Sentence]:
    return Sentence.objects.order_by("article_id", "position")


# --- claims, evidence and reviews -------------------------------------------------------------


def claims_by_article() -> QuerySet[Claim]:
    return Claim.objects.order_by("article_id", "id")


def claims_with_article() -> QuerySet[Claim]:
    """Claims with their article joined (its publication time dates their figures; its body is not loaded),
    and their assignee."""
    return claims_by_article().select_related("article", "assignee__user").defer("article__body")


def evidence_with_quotes(*, include_withdrawn: bool = True) -> QuerySet[Evidence]:
    """Evidence with its article id and exact quote; links a recompute withdrew only when asked."""
    evidence = Evidence.objects.annotate(
        article_pk=F("sentence__article_id"), quote=_body_slice("sentence__article__body")
    ).order_by("id")
    return evidence if include_withdrawn else evidence.filter(withdrawn_at__isnull=True)


def claims_with_provenance(*, include_withdrawn: bool = False) -> QuerySet[Claim]:
    """Claims with their spans (and span texts), evidence and reviews prefetched."""
    spans = ClaimSpan.objects.annotate(text=_body_slice("sentence__article__body")).order_by("start", "id")
    evidence = evidence_with_quotes(include_withdrawn=include_withdrawn)
    reviews = Review.objects.select_related("reviewer").order_by("created_at", "id")
    return claims_with_article().prefetch_related(
        Prefetch("spans", queryset=spans),
        Prefetch("evidence", queryset=evidence),
        Prefetch("reviews", queryset=reviews),
    )


def reviews_newest_first() -> QuerySet[Review]:
    return Review.objects.select_related("reviewer").order_by("-created_at", "-id")


# --- jobs -------------------------------------------------------------------------------------


def jobs_newest_first() -> QuerySet[Job]:
    return Job.objects.select_related("story").order_by("-created_at", "-id")


def jobs_with_items() -> QuerySet[Job]:
    # A queued item's payload holds the whole document; the API never shows it.
    items = JobItem.objects.defer("payload").order_by("position")
    return jobs_newest_first().prefetch_related(Prefetch("items", queryset=items))


# --- duplicate groups ------------------------------------------------------------------------


def _live_member_count() -> Coalesce:
    counted = (
        GroupMember.objects.filter(group=OuterRef("pk"), claim__deleted_at__isnull=True)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def nonempty_groups_with_size() -> QuerySet[DuplicateGroup]:
    """The groups the list shows (those with members), newest first, with their live size."""
    return group_selectors.groups_with_members().select_related("canonical_by").annotate(size=_live_member_count())


def all_groups_with_size() -> QuerySet[DuplicateGroup]:
    """Every group, emptied ones too: their history is still there to read."""
    return DuplicateGroup.objects.select_related("canonical", "canonical_by").annotate(size=_live_member_count())


@dataclass(frozen=True, slots=True)
class EventFigures:
    event: str
    figures: list[FigureRow]


@dataclass(frozen=True, slots=True)
class GroupDetail:
    group: DuplicateGroup
    members: list[GroupMemberRow]
    figures: list[EventFigures]
    history: list[GroupDecision]


def group_detail(*, group: DuplicateGroup) -> GroupDetail:
    members = group_selectors.group_members(group=group)
    figures = group_selectors.group_figures(rows=members)
    return GroupDetail(
        group=group,
        members=members,
        figures=[EventFigures(event, rows) for event, rows in figures.items()],
        history=list(group_selectors.group_history(group=group)),
    )


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """The duplicate group a claim is in, as the claim detail shows it."""

    id: int
    version: int
    canonical: int
    size: int


def claim_group(*, claim: Claim) -> ClaimGroup | None:
    """The claim's group (as ``group_selectors.group_for_claim`` finds it) with its live size, in one query."""
    live = (
        GroupMember.objects.filter(group=OuterRef("group"), claim__deleted_at__isnull=True)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        GroupMember.objects.filter(claim=claim)
        .order_by("pk")
        .annotate(size=Coalesce(Subquery(live, output_field=IntegerField()), Value(0)))
        .values_list("group_id", "group__version", "group__canonical_id", "size")
        .first()
    )
    if row is None:
        return None
    group_id, version, canonical, size = row
    return ClaimGroup(id=group_id, version=version, canonical=canonical, size=size)


# --- webhooks (private to their subscriber) ---------------------------------------------------


def active_webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(active=True).select_related("created_by").order_by("id")


def webhook_endpoints_of(user: User) -> QuerySet[WebhookEndpoint]:
    """The active subscriptions ``user`` may see: their own, or every one for admins."""
    endpoints = active_webhook_endpoints()
    return endpoints if can_admin(user) else endpoints.filter(created_by=user)


def webhook_deliveries_newest_first(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(message__endpoint=endpoint)
        .select_related("message")
        .order_by("-started_at", "-id")
    )
