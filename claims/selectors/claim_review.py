"""The schema.org ClaimReview a newsroom publishes for a claim's latest verdict, and what stops it.

Everything in it is real: the organisation from settings, the claim's credited source, the
reviewed articles' own public addresses with their headline and date, the rating of the
newsroom's scale, and the fact-check's public address. A part that is not known is left out
(never made up), and ``problems`` says in words why the document cannot be published yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max, Min, Q

from claims.extraction import figures
from claims.models import Claim, ClaimStatus, Evidence, Rating, Review, Stance, Verdict
from claims.selectors import corroboration as corroboration_selectors
from sources.models import Article

# Reviews recorded before the rating scale existed keep the rating they were exported with.
LEGACY_RATING_VALUES = {Verdict.CONTESTED: 1, Verdict.CORROBORATED: 5}
LEGACY_WORST, LEGACY_BEST = 1, 5
# A credited source without a title that names a body rather than a person ("the health ministry").
_ORGANISATION = re.compile(
    r"\b(ministry|agency|army|forces|military|police|government|office|council|committee|authority|"
    r"department|organi[sz]ation|union|party|movement|news|press|media|cabinet|parliament|court|"
    r"spokes(?:man|woman|person)'s office|group|brigades?|company|bank|nations)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Publication:
    """The ClaimReview document and why it cannot be published yet (empty: it can)."""

    review: Review
    document: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def publishable(self) -> bool:
        return not self.problems


def latest_review(claim: Claim) -> Review | None:
    return claim.reviews.select_related("reviewer", "rating").order_by("-created_at", "-id").first()


def claim_publication(claim: Claim) -> Publication | None:
    """The claim's ClaimReview, or None before any verdict."""
    # Only a verdict moves a claim off "unreviewed", and nothing moves it back: no query for the queue's claims.
    if claim.status == ClaimStatus.UNREVIEWED:
        return None
    review = latest_review(claim)
    if review is None:
        return None
    problems: list[str] = []
    appearance = [_creative_work(a) for a in _supporting_articles(claim) if a.link_url]
    if not appearance:
        problems.append("None of the reviewed articles has a public address (URL) to cite as where the claim appeared.")
    item: dict[str, Any] = {"@type": "Claim", "appearance": appearance}
    dated = [work for work in appearance if "datePublished" in work]
    if dated:
        item["firstAppearance"] = dated[0]
    claimant = _claimant(claim)
    if claimant is not None:
        item["author"] = claimant
    document: dict[str, Any] = {"@context": "https://schema.org", "@type": "ClaimReview"}
    url = _public_url(claim)
    if url:
        document["url"] = url
    else:
        problems.append("No public address for the fact-check: set CLAIMREVIEW_URL_TEMPLATE.")
    author = _author()
    if author is not None:
        document["author"] = author
    else:
        problems.append("No publishing organisation: set CLAIMREVIEW_AUTHOR_NAME.")
    if review.rating is None:
        problems.append("The verdict has no rating of the newsroom's scale; record it again with a rating.")
    document |= {
        "claimReviewed": claim.text,
        "datePublished": review.created_at.date().isoformat(),
        "reviewBody": review.rationale,
        "reviewRating": review_rating(review),
        "itemReviewed": item,
    }
    return Publication(review=review, document=document, problems=problems)


def review_rating(review: Review) -> dict[str, Any]:
    """The reviewRating: the review's rating on the scale's range, or, for a review recorded before
    the scale, the verdict on the 1-5 range it was always exported with."""
    if review.rating is None:
        verdict = Verdict(review.verdict)
        return {
            "@type": "Rating",
            "ratingValue": LEGACY_RATING_VALUES[verdict],
            "worstRating": LEGACY_WORST,
            "bestRating": LEGACY_BEST,
            "alternateName": verdict.label,
        }
    worst, best = scale_range()
    return {
        "@type": "Rating",
        "ratingValue": review.rating.rating_value,
        "worstRating": worst,
        "bestRating": best,
        "alternateName": review.rating.alternate_name,
    }


def scale_range() -> tuple[int, int]:
    """The scale's worst and best ratingValue: the lowest and highest of every rating, retired ones too,
    so a retired rating's old reviews still sit inside the range."""
    bounds = Rating.objects.aggregate(worst=Min("rating_value"), best=Max("rating_value"))
    return int(bounds["worst"] or 0), int(bounds["best"] or 0)


def _public_url(claim: Claim) -> str:
    template: str = settings.CLAIMREVIEW_URL_TEMPLATE
    return template.replace("{claim}", str(claim.pk)) if template else ""


def _author() -> dict[str, Any] | None:
    name: str = settings.CLAIMREVIEW_AUTHOR_NAME
    if not name:
        return None
    author: dict[str, Any] = {"@type": "Organization", "name": name}
    if settings.CLAIMREVIEW_AUTHOR_URL:
        author["url"] = settings.CLAIMREVIEW_AUTHOR_URL
    return author


def _claimant(claim: Claim) -> dict[str, Any] | None:
    """Who the claim is credited to, when the article credits anyone; a title beside a name credits a person."""
    credit = figures.credited(claim.attribution if isinstance(claim.attribution, list) else [])
    if credit is None:
        return None
    if credit.role:
        return {"@type": "Person", "name": credit.source, "jobTitle": credit.role}
    kind = "Organization" if _ORGANISATION.search(credit.source) else "Person"
    return {"@type": kind, "name": credit.source}


def _creative_work(article: Article) -> dict[str, Any]:
    """An article at its own public address, with its headline and date when it has them."""
    work: dict[str, Any] = {"@type": "NewsArticle", "url": article.link_url}
    if article.title:
        work["headline"] = article.title
    if article.published_at is not None:
        work["datePublished"] = article.published_at.isoformat()
    if article.outlet is not None:
        work["publisher"] = {"@type": "Organization", "name": article.outlet.name}
        if article.outlet.domain:
            work["publisher"]["url"] = f"https://{article.outlet.domain}/"
    return work


def _supporting_articles(claim: Claim) -> list[Article]:
    """The claim's own article and every article with a standing supporting link.

    Standing: not rejected by a reviewer, not withdrawn by a recompute, and not a machine
    suggestion nobody has confirmed yet (a published ClaimReview must not cite guesses).
    """
    ids = set(
        Evidence.objects.filter(claim=claim, stance=Stance.SUPPORTS, withdrawn_at__isnull=True)
        .filter(Q(via_claim__isnull=True) | Q(via_claim__deleted_at__isnull=True))
        .filter(corroboration_selectors.counted())
        .values_list("sentence__article_id", flat=True)
    )
    ids.add(claim.article_id)
    articles = list(Article.objects.filter(pk__in=ids).select_related("outlet").defer("body"))
    # Earliest first; articles without a publication time last.
    return sorted(articles, key=lambda a: (a.published_at is None, a.published_at or datetime.min, a.pk))
