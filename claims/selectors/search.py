"""Search over claims and sentences: every word in any order, figures however grouped, every spelling of a
name, and meaning (``claims.selectors.meaning``), ranked together and filtered.

A result's score is its cosine to the query when it was among the query's meaning candidates, plus
``WORD_WEIGHT`` when it has the words: a claim with the words and close in meaning comes first, then
claims with the words or very close in meaning, then those only related in meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Left
from django.utils import timezone

from claims.extraction.entities import MIN_PARTIAL_LETTERS, fold
from claims.matching import query
from claims.models import Claim, ClaimEntity, Review
from claims.selectors import articles as article_selectors
from sources.models import Outlet, Sentence, Story

# A query names someone in a run of at most this many words ("Mohammed bin Abdulrahman Al Thani" is 5);
# longer queries are read as the words around a name, and only their first words are tried as one.
MAX_NAME_WORDS = 5
MAX_QUERY_WORDS = query.MAX_WORDS
# Having the words counts as much as a cosine of 0.6: a claim with them outranks one only related in meaning.
WORD_WEIGHT = 0.6


class HasVerdict:
    """The has-verdict filter's values."""

    WITH = "with"
    WITHOUT = "without"


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What the results are narrowed to; status and verdict narrow claims only (a sentence has neither)."""

    story: Story | None = None
    outlet: Outlet | None = None
    published_from: date | None = None  # the article's publication day, inclusive
    published_to: date | None = None  # inclusive
    status: str = ""
    verdict: str = ""  # "", HasVerdict.WITH or Verdict.WITHOUT


def _names_like(folded: str, claim: OuterRef) -> Exists:
    """Claims naming someone whose spelling-insensitive key starts or ends with ``folded``.

    "bagheri kani" finds "Ali Baqeri Kani", "ali bagheri" too; a fragment inside a name does not
    ("oman" is not in "Romania"). Keys are folded names without spaces, so ends stand for name parts.
    """
    return Exists(ClaimEntity.objects.filter(claim=claim).filter(Q(key__startswith=folded) | Q(key__endswith=folded)))


def _name_runs(words: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
    """Each run of the query's words that could name someone, folded, with the query's other words:
    ("bagheri", "kani", "doha") gives ((doha,), "baqerikani"), ((kani, doha), "baqeri"), …"""
    runs = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + MAX_NAME_WORDS) + 1):
            folded = fold(" ".join(words[start:end]))
            if len(folded) >= MIN_PARTIAL_LETTERS:
                runs.append(((*words[:start], *words[end:]), folded))
    return runs


def _all_in_text(text_field: str, words: Sequence[str], numbers: Sequence[str]) -> Q:
    """Every word at the start of a word of the text and every number in any grouping, in any order."""
    found = Q()
    for word in words:
        found &= Q(**{f"{text_field}__iregex": query.word_pattern(word)})
    for digits in numbers:
        found &= Q(**{f"{text_field}__iregex": query.number_pattern(digits)})
    return found


def _text_or_names(q: str, text_field: str, names: Callable[[str], Exists]) -> Q:
    """Every word and number of ``q`` in the text, or a run of its words naming someone (any spelling)
    with its other words and numbers in the text; nothing for a query without words or numbers.

    "bagheri kani" finds claims naming Ali Baqeri Kani; "bagheri kani doha" those of them that say "doha".
    """
    terms = query.terms(q)
    if terms.empty:
        return Q(pk__in=[])
    found = _all_in_text(text_field, terms.words, terms.numbers)
    for others, folded in _name_runs(terms.words):
        found |= Q(names(folded)) & _all_in_text(text_field, others, terms.numbers)
    return found


def claims_matching(q: str) -> Q:
    """Claims with every word of ``q`` in any order, or naming someone ``q`` names in any spelling (see module)."""
    return _text_or_names(q, "text", lambda folded: _names_like(folded, OuterRef("pk")))


def _sentence_names(folded: str) -> Exists:
    return Exists(Claim.objects.filter(spans__sentence=OuterRef("pk")).filter(_names_like(folded, OuterRef("pk"))))


def sentences_matching(q: str) -> Q:
    """Sentences with every word of ``q`` in any order, or holding a claim naming someone ``q`` names."""
    return _text_or_names(q, "text", _sentence_names)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _article_filters(filters: SearchFilters, prefix: str) -> Q:
    """Story, outlet and publication days, on the article at ``prefix`` ("article__")."""
    found = Q()
    if filters.story is not None:
        found &= Q(**{f"{prefix}stories": filters.story})
    if filters.outlet is not None:
        found &= Q(**{f"{prefix}outlet": filters.outlet})
    if filters.published_from is not None:
        found &= Q(**{f"{prefix}published_at__gte": _day_start(filters.published_from)})
    if filters.published_to is not None:
        found &= Q(**{f"{prefix}published_at__lt": _day_start(filters.published_to + timedelta(days=1))})
    return found


def _claim_filters(filters: SearchFilters) -> Q:
    found = _article_filters(filters, "article__")
    if filters.status:
        found &= Q(status=filters.status)
    if filters.verdict:
        reviewed = Exists(Review.objects.filter(claim=OuterRef("pk")))
        found &= Q(reviewed) if filters.verdict == HasVerdict.WITH else ~Q(reviewed)
    return found


def _ranked(queryset: QuerySet, words: Q, close: dict[int, float]) -> QuerySet:
    """Results with the words or close in meaning, annotated ``word_hit``, ``meaning`` (cosine or None), ``score``."""
    meaning = (
        Case(*(When(pk=pk, then=Value(score)) for pk, score in close.items()), default=None, output_field=FloatField())
        if close
        else Value(None, output_field=FloatField())
    )
    return (
        queryset.filter(words | Q(pk__in=list(close)))
        .annotate(
            word_hit=Case(When(words, then=Value(True)), default=Value(False), output_field=BooleanField()),
            meaning=meaning,
        )
        .annotate(
            score=Case(When(word_hit=True, then=Value(WORD_WEIGHT)), default=Value(0.0), output_field=FloatField())
            + Case(When(meaning__isnull=False, then=F("meaning")), default=Value(0.0), output_field=FloatField())
        )
    )


def find_claims(
    *, q: str, filters: SearchFilters = SearchFilters(), close: dict[int, float] | None = None
) -> QuerySet[Claim]:
    """Live claims with the words of ``q`` (or naming whom it names) or among ``close`` (claim id: cosine),
    filtered, best score first, then newest."""
    return (
        _ranked(
            Claim.objects.filter(deleted_at__isnull=True).filter(_claim_filters(filters)),
            claims_matching(q),
            close or {},
        )
        .select_related("article__outlet")
        .defer("article__body")
        .order_by("-score", "-id")
    )


def find_sentences(
    *, q: str, filters: SearchFilters = SearchFilters(), close: dict[int, float] | None = None
) -> QuerySet[Sentence]:
    """Sentences with the words of ``q`` (or naming whom it names) or among ``close`` (sentence id: cosine of its
    closest claim), filtered by story, outlet and days, with article (body not loaded) and outlet, best first."""
    return (
        _ranked(Sentence.objects.filter(_article_filters(filters, "article__")), sentences_matching(q), close or {})
        .select_related("article__outlet")
        .defer("article__body")
        .annotate(article_head=Left("article__body", article_selectors.TITLE_HEAD_CHARS))
        .order_by("-score", "-article_id", "position")
    )


def search_claims(*, q: str) -> QuerySet[Claim]:
    """Live claims with the words of ``q`` or naming whom it names, in any spelling (words only, no meaning)."""
    return find_claims(q=q)


def search_sentences(*, q: str) -> QuerySet[Sentence]:
    """Sentences with the words of ``q`` or naming whom it names (words only, no meaning)."""
    return find_sentences(q=q)
