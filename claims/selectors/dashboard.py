"""Reads for the dashboard: stories with their claim counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from claims.models import (
    Claim,
    ClaimStatus,
)
from sources.models import Article, Story


@dataclass(frozen=True, slots=True)
class StoryRow:
    story: Story | None  # None: every article
    articles: int
    unreviewed: int
    corroborated: int
    contested: int

    @property
    def claims(self) -> int:
        return self.unreviewed + self.corroborated + self.contested

    @property
    def reviewed(self) -> int:
        return self.corroborated + self.contested

    @property
    def percent_reviewed(self) -> int:
        return round(100 * self.reviewed / self.claims) if self.claims else 0


def _live(status: str) -> Q:
    return Q(articles__claims__status=status, articles__claims__deleted_at__isnull=True)


def dashboard_stories(*, limit: int = 50) -> list[StoryRow]:
    """Each story with its article count and live claims by status, then a row for the whole corpus (three queries)."""
    stories = Story.objects.annotate(
        n_articles=Count("articles", distinct=True),
        n_unreviewed=Count("articles__claims", filter=_live(ClaimStatus.UNREVIEWED), distinct=True),
        n_corroborated=Count("articles__claims", filter=_live(ClaimStatus.CORROBORATED), distinct=True),
        n_contested=Count("articles__claims", filter=_live(ClaimStatus.CONTESTED), distinct=True),
    ).order_by("name")[:limit]
    rows = [StoryRow(s, s.n_articles, s.n_unreviewed, s.n_corroborated, s.n_contested) for s in stories]
    totals = Claim.objects.filter(deleted_at__isnull=True).aggregate(
        articles=Count("article", distinct=True),
        unreviewed=Count("pk", filter=Q(status=ClaimStatus.UNREVIEWED)),
        corroborated=Count("pk", filter=Q(status=ClaimStatus.CORROBORATED)),
        contested=Count("pk", filter=Q(status=ClaimStatus.CONTESTED)),
    )
    rows.append(
        StoryRow(None, Article.objects.count(), totals["unreviewed"], totals["corroborated"], totals["contested"])
    )
    return rows
