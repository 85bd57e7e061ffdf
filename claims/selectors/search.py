"""Word search over claims and sentences."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Left

from claims.models import (
    Claim,
)
from claims.selectors import articles as article_selectors
from sources.models import Sentence


def search_claims(*, q: str) -> QuerySet[Claim]:
    """Live claims whose wording contains ``q`` (case-insensitive), with their article and outlet."""
    return (
        Claim.objects.filter(deleted_at__isnull=True, text__icontains=q)
        .select_related("article__outlet")
        .defer("article__body")
        .order_by("-id")
    )


def search_sentences(*, q: str) -> QuerySet[Sentence]:
    """Sentences containing ``q``, with their article (body not loaded) and outlet, newest articles first."""
    return (
        Sentence.objects.filter(text__icontains=q)
        .select_related("article__outlet")
        .defer("article__body")
        .annotate(article_head=Left("article__body", article_selectors.TITLE_HEAD_CHARS))
        .order_by("-article_id", "position")
    )
