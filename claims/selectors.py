"""Reads for claims, evidence, reviews and jobs.

Pages get everything they show from one of these functions, each a fixed
number of queries whatever the size of the article or claim.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Left

from claims.models import (
    Claim,
    ClaimSpan,
    ClaimStatus,
    Evidence,
    EvidenceDecision,
    Job,
    JobItem,
    Review,
)
from sources import selectors as source_selectors
from sources.models import Article, Outlet, Sentence, SentenceKind, Story

# Enough of an article body to derive a title from its first line (see Article.display_title).
TITLE_HEAD_CHARS = 200
# How claim statuses rank when one sentence holds claims of several statuses.
_STATUS_RANK = {ClaimStatus.CONTESTED: 3, ClaimStatus.UNREVIEWED: 2, ClaimStatus.CORROBORATED: 1}


def title_from_head(title: str, body_head: str) -> str:
    """An article's display title from its title and the start of its body, without loading the body."""
    return Article(title=title, body=body_head).display_title


# --- article list -------------------------------------------------------------


def _claim_count(status: str | None = None) -> Coalesce:
    claims = Claim.objects.filter(article=OuterRef("pk"), deleted_at__isnull=True)
    if status is not None:
        claims = claims.filter(status=status)
    return Coalesce(Subquery(claims.order_by().values("article").annotate(n=Count("pk")).values("n")), 0)


@dataclass(frozen=True, slots=True)
class ArticleRow:
    article: Article
    title: str


def article_list(*, story: Story | None = None, outlet: Outlet | None = None) -> QuerySet[Article]:
    """Articles for the list page with sentence and per-status counts of live claims (body not loaded)."""
    return (
        source_selectors.article_list(story=story, outlet=outlet)
        .defer("body")
        .annotate(
            body_head=Left("body", TITLE_HEAD_CHARS),
            claim_count=_claim_count(),
            unreviewed_count=_claim_count(ClaimStatus.UNREVIEWED),
            corroborated_count=_claim_count(ClaimStatus.CORROBORATED),
            contested_count=_claim_count(ClaimStatus.CONTESTED),
        )
    )


def article_rows(articles: Iterable[Article]) -> list[ArticleRow]:
    """Rows of an ``article_list`` page with their display titles."""
    return [ArticleRow(a, title_from_head(a.title, a.body_head)) for a in articles]  # type: ignore[attr-defined]


# --- article reader -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a sentence's text, marked by ``claim`` when it is that claim's span."""

    text: str
    claim: Claim | None = None


@dataclass(frozen=True, slots=True)
class ReaderSentence:
    sentence: Sentence
    pieces: list[Piece]
    # Claims whose span overlaps a span already marked in this sentence; linked after it.
    more_claims: list[Claim]

    @property
    def muted(self) -> bool:
        return self.sentence.kind != SentenceKind.BODY

    @property
    def claims(self) -> list[Claim]:
        return [p.claim for p in self.pieces if p.claim is not None] + self.more_claims

    @property
    def status(self) -> str:
        return strongest_status(self.claims)


@dataclass(frozen=True, slots=True)
class ReaderParagraph:
    number: int
    sentences: list[ReaderSentence]

    @property
    def kind(self) -> str:
        kinds = {s.sentence.kind for s in self.sentences}
        return kinds.pop() if len(kinds) == 1 else SentenceKind.BODY


def _pieces(sentence: Sentence, spans: list[ClaimSpan]) -> ReaderSentence:
    text, cursor = sentence.text, 0
    pieces: list[Piece] = []
    overlapping: list[Claim] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.claim_id)):
        start = max(span.start - sentence.start, 0)
        end = min(span.end - sentence.start, len(text))
        if start >= end:
            continue
        if start < cursor:
            overlapping.append(span.claim)
            continue
        if start > cursor:
            pieces.append(Piece(text[cursor:start]))
        pieces.append(Piece(text[start:end], span.claim))
        cursor = end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    marked = {p.claim.pk for p in pieces if p.claim is not None}
    more = list({c.pk: c for c in overlapping if c.pk not in marked}.values())
    return ReaderSentence(sentence, pieces, more)


def article_reader(*, article: Article) -> list[ReaderParagraph]:
    """The article's sentences by paragraph, each split into plain text and the spans of its live claims."""
    spans_by_sentence: dict[int, list[ClaimSpan]] = defaultdict(list)
    live = ClaimSpan.objects.filter(sentence__article=article, claim__deleted_at__isnull=True)
    for span in live.select_related("claim"):
        spans_by_sentence[span.sentence_id].append(span)
    paragraphs: list[ReaderParagraph] = []
    for sentence in source_selectors.article_sentences(article=article):
        if not paragraphs or paragraphs[-1].number != sentence.paragraph:
            paragraphs.append(ReaderParagraph(sentence.paragraph, []))
        paragraphs[-1].sentences.append(_pieces(sentence, spans_by_sentence.get(sentence.pk, [])))
    return paragraphs


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    label: str
    count: int


def reader_claims(paragraphs: list[ReaderParagraph]) -> list[Claim]:
    """Each claim marked in the reader once, in reading order."""
    seen: dict[int, Claim] = {}
    for paragraph in paragraphs:
        for sentence in paragraph.sentences:
            for claim in sentence.claims:
                seen.setdefault(claim.pk, claim)
    return list(seen.values())


def claim_status_counts(claims: Iterable[Claim]) -> list[StatusCount]:
    counts = Counter(c.status for c in claims)
    order = (ClaimStatus.CONTESTED, ClaimStatus.CORROBORATED, ClaimStatus.UNREVIEWED)
    return [StatusCount(s.value, s.label, counts.get(s.value, 0)) for s in order]


def strongest_status(claims: Iterable[Claim]) -> str:
    """The status a sentence holding these claims is shown with: contested wins, then unreviewed."""
    statuses = [c.status for c in claims]
    return max(statuses, key=lambda s: _STATUS_RANK.get(ClaimStatus(s), 0)) if statuses else ""


# --- claim view -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Marked:
    """A sentence split around a highlighted span."""

    before: str
    marked: str
    after: str


def mark(sentence: Sentence, start: int, end: int) -> Marked:
    """Split ``sentence`` around the body offsets ``start``-``end`` (clamped to the sentence)."""
    a = min(max(start - sentence.start, 0), len(sentence.text))
    b = min(max(end - sentence.start, a), len(sentence.text))
    return Marked(sentence.text[:a], sentence.text[a:b], sentence.text[b:])


@dataclass(frozen=True, slots=True)
class SpanInContext:
    span: ClaimSpan
    previous: Sentence | None
    text: Marked
    next: Sentence | None


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    evidence: Evidence
    article_title: str
    text: Marked


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    who: User
    kind: str  # "verdict" or "evidence"
    decision: str  # a verdict or an evidence decision value
    label: str
    text: str
    evidence: Evidence | None = None


def claim_get(*, claim_id: int) -> Claim:
    """A claim with its article and outlet; raises ``Claim.DoesNotExist``."""
    return Claim.objects.select_related("article__outlet").get(pk=claim_id)


def claim_spans_in_context(*, claim: Claim) -> list[SpanInContext]:
    spans = list(ClaimSpan.objects.filter(claim=claim).select_related("sentence").order_by("start"))
    around = source_selectors.sentences_around(sentences=[s.sentence for s in spans])
    return [
        SpanInContext(
            span=span,
            previous=around.get((span.sentence.article_id, span.sentence.position - 1)),
            text=mark(span.sentence, span.start, span.end),
            next=around.get((span.sentence.article_id, span.sentence.position + 1)),
        )
        for span in spans
    ]


def claim_evidence(*, claim: Claim) -> list[EvidenceRow]:
    """The claim's evidence, strongest first, each with its article and highlighted sentence."""
    evidence = (
        Evidence.objects.filter(claim=claim)
        .select_related("sentence__article__outlet")
        .defer("sentence__article__body")
        .annotate(article_head=Left("sentence__article__body", TITLE_HEAD_CHARS))
        .order_by("-score", "id")
    )
    return [
        EvidenceRow(
            evidence=e,
            article_title=title_from_head(e.sentence.article.title, e.article_head),
            text=mark(e.sentence, e.start, e.end),
        )
        for e in evidence
    ]


def claim_history(*, claim: Claim) -> list[HistoryEntry]:
    """Every verdict on the claim and every decision on its evidence, newest first."""
    entries = [
        HistoryEntry(r.created_at, r.reviewer, "verdict", r.verdict, r.get_verdict_display(), r.rationale)
        for r in Review.objects.filter(claim=claim).select_related("reviewer")
    ]
    entries += [
        HistoryEntry(
            d.created_at,
            d.reviewer,
            "evidence",
            d.decision,
            f"{d.get_decision_display()} evidence",
            d.note,
            d.evidence,
        )
        for d in EvidenceDecision.objects.filter(evidence__claim=claim).select_related("reviewer", "evidence__sentence")
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def evidence_get(*, evidence_id: int) -> Evidence:
    """Raises ``Evidence.DoesNotExist``."""
    return Evidence.objects.only("id", "claim_id").get(pk=evidence_id)


# --- jobs -------------------------------------------------------------------------


def jobs_recent(*, limit: int = 5) -> list[Job]:
    return list(Job.objects.order_by("-created_at", "-id").defer("result")[:limit])


def job_get(*, job_id: int) -> Job:
    """A job with who started it and its story; raises ``Job.DoesNotExist``."""
    return Job.objects.select_related("created_by", "story").get(pk=job_id)


def job_items_report(*, job: Job) -> QuerySet[JobItem]:
    # "job" must be loaded: the related manager attaches ``job`` to each item by reading its job_id,
    # which would otherwise be a deferred field fetched with one query per item.
    return job.items.order_by("position").only("job", "position", "source", "state", "message", "article_id")
