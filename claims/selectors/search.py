"""Search over claims and sentences: every word in any order, figures however grouped, every spelling of a
name, and meaning (``claims.selectors.meaning``), ranked together and filtered.

A result's score is its cosine to the query when it was among the query's meaning candidates, plus
``WORD_WEIGHT`` when it has the words: a claim with the words and close in meaning comes first, then
claims with the words or very close in meaning, then those only related in meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar, overload

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Model,
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
from claims.models import Claim, ClaimEntity, ClaimSpan, Review
from claims.selectors import articles as article_selectors
from sources.models import Outlet, Sentence, Story

# A query names someone in a run of at most this many words ("Mohammed bin Abdulrahman Al Thani" is 5);
# longer queries are read as the words around a name, and only their first words are tried as one.
MAX_NAME_WORDS = 5
MAX_QUERY_WORDS = query.MAX_WORDS
# Having the words counts as much as a cosine of 0.6: a claim with them outranks one only related in meaning.
WORD_WEIGHT = 0.6

M = TypeVar("M", bound=Model)


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
    # Each pattern behind a plain substring test that rules most texts out first: PostgreSQL evaluates the
    # conditions in the order written, and a case-insensitive LIKE costs a fraction of a regular expression.
    for word in words:
        found &= Q(**{f"{text_field}__icontains": word}) & Q(**{f"{text_field}__iregex": query.word_pattern(word)})
    for digits in numbers:
        found &= Q(**{f"{text_field}__contains": digits[-3:]}) & Q(
            **{f"{text_field}__iregex": query.number_pattern(digits)}
        )
    return found


def _text_or_names(q: str, text_field: str, names: Callable[[str], Q | None]) -> Q:
    """Every word and number of ``q`` in the text, or a run of its words naming someone (any spelling)
    with its other words and numbers in the text; nothing for a query without words or numbers.

    "bagheri kani" finds claims naming Ali Baqeri Kani; "bagheri kani doha" those of them that say "doha".
    ``names`` gives the condition for a folded run, or None when the run names no one.
    """
    terms = query.terms(q)
    if terms.empty:
        return Q(pk__in=[])
    found = _all_in_text(text_field, terms.words, terms.numbers)
    for others, folded in _name_runs(terms.words):
        named = names(folded)
        if named is not None:
            found |= named & _all_in_text(text_field, others, terms.numbers)
    return found


def claims_matching(q: str) -> Q:
    """Claims with every word of ``q`` in any order, or naming someone ``q`` names in any spelling (see module).

    The names are looked up inside the query (no query of its own): for filters that combine it with others.
    """
    return _text_or_names(q, "text", lambda folded: Q(_names_like(folded, OuterRef("pk"))))


def entity_keys() -> list[str]:
    """Every distinct name key, one probe of claimentity_key_claim per key (a skip scan, not a read of every row)."""
    table = ClaimEntity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE k(key) AS (
                    SELECT MIN(key) FROM {table}
                    UNION ALL
                    SELECT (SELECT MIN(e.key) FROM {table} e WHERE e.key > k.key) FROM k WHERE k.key IS NOT NULL
                ) SELECT key FROM k WHERE key IS NOT NULL"""
        )
        return [key for (key,) in cursor.fetchall()]


def named_keys(q: str) -> dict[str, list[str]]:
    """The name keys each run of ``q``'s words could stand for ("baqeri" -> ["alibaqerikani", …]), one query.

    A key matches a run when it starts or ends with it: keys are folded names without spaces, so
    ends stand for name parts ("oman" is not in "Romania"). Runs naming no one are left out.
    """
    runs = {folded for _, folded in _name_runs(query.terms(q).words)}
    if not runs:
        return {}
    keys = entity_keys()
    found = {run: [k for k in keys if k.startswith(run) or k.endswith(run)] for run in runs}
    return {run: matched for run, matched in found.items() if matched}


# --- the words through the full-text indexes (PostgreSQL) ----------------------------------------------


def _tsquery(words: Sequence[str], numbers: Sequence[str]) -> str | None:
    """A to_tsquery ('simple') narrowing texts to those that may hold every word and number, or None.

    A word is a prefix of a text's word ("refus:*"); a number is its digits as one word or its groups of
    thousands as words ("40000 | 40 & 000": the parser splits "40,000" at the comma). Words with other
    characters ("u.s", "al-aqsa") are left to the pattern that follows.
    """
    parts = [f"{word}:*" for word in words if _PLAIN.fullmatch(word)]
    for digits in numbers:
        groups = query.thousands(digits)
        parts.append(f"({digits} | {' & '.join(groups)})" if len(groups) > 1 else digits)
    return " & ".join(parts) or None


_PLAIN = re.compile(r"[^\W_]+")


def _indexed(queryset: QuerySet[M], words: Sequence[str], numbers: Sequence[str]) -> QuerySet[M]:
    """``queryset`` narrowed by the full-text index (PostgreSQL), then to every word and number by pattern."""
    tsquery = _tsquery(words, numbers) if connection.vendor == "postgresql" else None
    if tsquery is None:
        return queryset.filter(_all_in_text("text", words, numbers))
    queryset = queryset.annotate(_words=SearchVector("text", config="simple")).filter(
        _words=SearchQuery(tsquery, search_type="raw", config="simple")
    )
    # The index already holds a plain word at the start of a word ("bagheri:*"); the rest is tested by pattern.
    return queryset.filter(_all_in_text("text", [w for w in words if not _PLAIN.fullmatch(w)], numbers))


def _claim_ids(q: str, names: dict[str, list[str]]) -> list[QuerySet[Any]]:
    """Ids of claims with every word, and of claims naming someone a run of words names with the other words:
    one subquery each, each served by an index (the full-text index, claimentity_key_claim)."""
    terms = query.terms(q)
    if terms.empty:
        return []
    branches: list[QuerySet[Any]] = [_indexed(Claim.objects.all(), terms.words, terms.numbers).values("pk")]
    for others, folded in _name_runs(terms.words):
        if folded not in names:
            continue
        named: QuerySet[Any] = ClaimEntity.objects.filter(key__in=names[folded]).values("claim_id")
        if others or terms.numbers:
            named = _indexed(Claim.objects.filter(pk__in=named), others, terms.numbers).values("pk")
        branches.append(named)
    return branches


def _sentence_ids(q: str, names: dict[str, list[str]]) -> list[QuerySet[Any]]:
    """The same for sentences: with every word, or holding a claim naming whom a run names, with the others."""
    terms = query.terms(q)
    if terms.empty:
        return []
    branches: list[QuerySet[Any]] = [_indexed(Sentence.objects.all(), terms.words, terms.numbers).values("pk")]
    for others, folded in _name_runs(terms.words):
        if folded not in names:
            continue
        named: QuerySet[Any] = ClaimSpan.objects.filter(claim__entity_mentions__key__in=names[folded]).values(
            "sentence_id"
        )
        if others or terms.numbers:
            named = _indexed(Sentence.objects.filter(pk__in=named), others, terms.numbers).values("pk")
        branches.append(named)
    return branches


def _any_of(branches: list[QuerySet[Any]]) -> Q:
    """Rows whose id one of the branches gives: one UNION, which PostgreSQL hashes once and joins by primary
    key, where an OR of IN-subqueries would test every claim against each branch."""
    if not branches:
        return Q(pk__in=[])
    # Unordered: SQLite refuses an ORDER BY (the models' default ordering) inside a compound SELECT.
    first, *rest = (branch.order_by() for branch in branches)
    return Q(pk__in=first.union(*rest) if rest else first)


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the search's queries without PostgreSQL's JIT compiler, in one transaction.

    Dozens of pattern and name conditions make the planner's cost estimate large enough to compile
    the plan: at 100,000 claims that took 5 s for a query that runs in a tenth of that.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


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


@dataclass(frozen=True, slots=True)
class _Scored:
    pk: int
    cosine: float
    word_hit: bool

    @property
    def score(self) -> float:
        return self.cosine + (WORD_WEIGHT if self.word_hit else 0.0)


class Ranked(Generic[M]):
    """Results best first, for a Paginator: the few close in meaning ranked here, the word matches by the database.

    A result with the words and no cosine scores ``WORD_WEIGHT``; one close in meaning scores its cosine,
    plus ``WORD_WEIGHT`` with the words. So the order is: close ones scoring above ``WORD_WEIGHT`` (ranked
    here), then every other word match (newest first, paged by the database), then the close ones below.
    No query ranks by an expression over every match. Each row carries ``word_hit``, ``meaning``, ``score``.
    """

    def __init__(self, rows: QuerySet[M], words: Q, close: dict[int, float], newest: tuple[str, ...]) -> None:
        self._rows = rows
        scored: list[_Scored] = []
        if close:
            hit = Case(When(words, then=Value(True)), default=Value(False), output_field=BooleanField())
            found = rows.filter(pk__in=list(close)).annotate(_hit=hit).values_list("pk", "_hit")
            scored = sorted((_Scored(pk, close[pk], bool(h)) for pk, h in found), key=lambda r: (-r.score, -r.pk))
        self._head = [r for r in scored if r.score > WORD_WEIGHT]
        self._tail = [r for r in scored if r.score <= WORD_WEIGHT]
        self._words = rows.filter(words).exclude(pk__in=[r.pk for r in scored]).order_by(*newest)
        self._words_count: int | None = None

    def count(self) -> int:
        if self._words_count is None:
            self._words_count = self._words.count()
        return len(self._head) + self._words_count + len(self._tail)

    def __len__(self) -> int:
        return self.count()

    def exists(self) -> bool:
        return self.count() > 0

    def __iter__(self) -> Iterator[M]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, window: int) -> M: ...

    @overload
    def __getitem__(self, window: slice) -> list[M]: ...

    def __getitem__(self, window: int | slice) -> M | list[M]:
        if isinstance(window, int):
            return self[window : window + 1][0]
        start, stop = window.start or 0, window.stop if window.stop is not None else self.count()
        head, words_end = len(self._head), len(self._head) + self.count() - len(self._head) - len(self._tail)
        out: list[M] = self._scored(self._head[start:stop])
        if stop > head and start < words_end:
            words = list(self._words[max(start - head, 0) : stop - head])
            for row in words:
                row.word_hit, row.meaning, row.score = True, None, WORD_WEIGHT  # type: ignore[attr-defined]
            out += words
        if stop > words_end:
            out += self._scored(self._tail[max(start - words_end, 0) : stop - words_end])
        return out

    def _scored(self, scored: list[_Scored]) -> list[M]:
        if not scored:
            return []
        rows = self._rows.in_bulk([r.pk for r in scored])
        out = []
        for r in scored:
            row = rows[r.pk]
            row.word_hit, row.meaning, row.score = r.word_hit, r.cosine, r.score  # type: ignore[attr-defined]
            out.append(row)
        return out


def find_claims(
    *,
    q: str,
    filters: SearchFilters = SearchFilters(),
    close: dict[int, float] | None = None,
    names: dict[str, list[str]] | None = None,
) -> Ranked[Claim]:
    """Live claims with the words of ``q`` (or naming whom it names) or among ``close`` (claim id: cosine),
    filtered, best score first, then newest."""
    rows = (
        Claim.objects.filter(deleted_at__isnull=True)
        .filter(_claim_filters(filters))
        .select_related("article__outlet")
        .defer("article__body")
    )
    words = _any_of(_claim_ids(q, named_keys(q) if names is None else names))
    return Ranked(rows, words, close or {}, ("-id",))


def find_sentences(
    *,
    q: str,
    filters: SearchFilters = SearchFilters(),
    close: dict[int, float] | None = None,
    names: dict[str, list[str]] | None = None,
) -> Ranked[Sentence]:
    """Sentences with the words of ``q`` (or naming whom it names) or among ``close`` (sentence id: cosine of its
    closest claim), filtered by story, outlet and days, with article (body not loaded) and outlet, best first."""
    rows = (
        Sentence.objects.filter(_article_filters(filters, "article__"))
        .select_related("article__outlet")
        .defer("article__body")
        .annotate(article_head=Left("article__body", article_selectors.TITLE_HEAD_CHARS))
    )
    words = _any_of(_sentence_ids(q, named_keys(q) if names is None else names))
    return Ranked(rows, words, close or {}, ("-article_id", "position"))


def search_claims(*, q: str) -> Ranked[Claim]:
    """Live claims with the words of ``q`` or naming whom it names, in any spelling (words only, no meaning)."""
    return find_claims(q=q)


def search_sentences(*, q: str) -> Ranked[Sentence]:
    """Sentences with the words of ``q`` or naming whom it names (words only, no meaning)."""
    return find_sentences(q=q)
