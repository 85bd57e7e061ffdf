"""Reads for outlets, articles, sentences and stories."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sources.models import Article, Outlet, Sentence, Story


def article_list(*, story: Story | None = None, outlet: Outlet | None = None) -> QuerySet[Article]:
    """Articles newest first (undated last), with their outlet and ``sentence_count``."""
    sentence_counts = (
        Sentence.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("pk")).values("n")
    )
    articles = Article.objects.select_related("outlet").defer("body")
    if story is not None:
        articles = articles.filter(stories=story)
    if outlet is not None:
        articles = articles.filter(outlet=outlet)
    return articles.annotate(sentence_count=Coalesce(Subquery(sentence_counts), 0)).order_by(
        F("published_at").desc(nulls_last=True), "-id"
    )


def article_get(*, article_id: int) -> Article:
    """One article with its outlet and stories; raises ``Article.DoesNotExist``."""
    return Article.objects.select_related("outlet").prefetch_related("stories").get(pk=article_id)


def article_sentences(*, article: Article) -> QuerySet[Sentence]:
    return Sentence.objects.filter(article=article).order_by("position")


def sentences_around(*, sentences: list[Sentence]) -> dict[tuple[int, int], Sentence]:
    """The sentences just before and after each given one, keyed by (article id, position)."""
    wanted = {(s.article_id, p) for s in sentences for p in (s.position - 1, s.position + 1)}
    wanted -= {(s.article_id, s.position) for s in sentences}
    if not wanted:
        return {}
    articles = {a for a, _ in wanted}
    positions = {p for _, p in wanted}
    found = Sentence.objects.filter(article_id__in=articles, position__in=positions)
    return {(s.article_id, s.position): s for s in found if (s.article_id, s.position) in wanted}


def stories_all() -> QuerySet[Story]:
    return Story.objects.order_by("name")
