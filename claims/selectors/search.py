"""Word search over claims and sentences, aware of every spelling of a name."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Left

from claims.extraction.entities import MIN_PARTIAL_LETTERS, fold
from claims.models import Claim, ClaimEntity
from claims.selectors import articles as article_selectors
from sources.models import Sentence


def _names_like(q: str, claim: OuterRef) -> Q:
    """Claims naming someone whose spelling-insensitive key starts or ends with the query's.

    "bagheri kani" finds "Ali Baqeri Kani", "ali bagheri" too; a fragment inside a name does not
    ("oman" is not in "Romania"). Keys are folded names without spaces, so ends stand for name parts.
    """
    folded = fold(q)
    if len(folded) < MIN_PARTIAL_LETTERS:
        return Q(pk__in=[])
    names = ClaimEntity.objects.filter(claim=claim).filter(Q(key__startswith=folded) | Q(key__endswith=folded))
    return Q(Exists(names))


def search_claims(*, q: str) -> QuerySet[Claim]:
    """Live claims whose wording contains ``q`` (case-insensitive) or that name ``q`` in any spelling."""
    return (
        Claim.objects.filter(deleted_at__isnull=True)
        .filter(Q(text__icontains=q) | _names_like(q, OuterRef("pk")))
        .select_related("article__outlet")
        .defer("article__body")
        .order_by("-id")
    )


def search_sentences(*, q: str) -> QuerySet[Sentence]:
    """Sentences containing ``q`` or naming it in any spelling, with their article (body not loaded) and outlet,
    newest articles first."""
    spelled = Exists(Claim.objects.filter(spans__sentence=OuterRef("pk")).filter(_names_like(q, OuterRef("pk"))))
    return (
        Sentence.objects.filter(Q(text__icontains=q) | Q(spelled))
        .select_related("article__outlet")
        .defer("article__body")
        .annotate(article_head=Left("article__body", article_selectors.TITLE_HEAD_CHARS))
        .order_by("-article_id", "position")
    )
