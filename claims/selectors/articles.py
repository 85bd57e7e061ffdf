"""Reads for the article list and the article reader."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Left

from claims.models import (
    Claim,
    ClaimSpan,
    ClaimStatus,
    SentenceAssessment,
)
from claims.selectors.groups import claims_with_conflicting_figures
from sources import selectors as source_selectors
from sources.models import Article, Outlet, Sentence, SentenceKind, Story

# Enough of an article body to derive a title from its first line (see Article.display_title).
TITLE_HEAD_CHARS = 200


# An unreviewed claim whose figures other reports contradict: shown apart in the reader and the queue.
FIGURES = "figures"


FIGURES_LABEL = "Conflicting figures"


# How claim statuses rank when one sentence holds claims of several statuses.
_STATUS_RANK = {ClaimStatus.CONTESTED: 4, FIGURES: 3, ClaimStatus.UNREVIEWED: 2, ClaimStatus.CORROBORATED: 1}


def title_from_head(title: str, body_head: str) -> str:
    """An article's display title from its title and the start of its body, without loading the body."""
    return Article(title=title, body=body_head).display_title


def _claim_count(status: str | None = None) -> Coalesce:
    claims = Claim.objects.filter(article=OuterRef("pk"), deleted_at__isnull=True)
    if status is not None:
        claims = claims.filter(status=status)
    return Coalesce(Subquery(claims.order_by().values("article").annotate(n=Count("pk")).values("n")), 0)


@dataclass(frozen=True, slots=True)
class ArticleRow:
    article: Article
    title: str


def articles_with_claim_counts(*, story: Story | None = None, outlet: Outlet | None = None) -> QuerySet[Article]:
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
    """Rows of the article list page with their display titles."""
    return [ArticleRow(a, title_from_head(a.title, a.body_head)) for a in articles]  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Run:
    """Text of a piece, ``marked`` when it lies in the reviewer's selection (the link form's passage)."""

    text: str
    marked: bool = False


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a sentence's text, marked by ``claim`` when it is that claim's span."""

    text: str
    claim: Claim | None = None
    status: str = ""  # how the claim is highlighted: its status, or FIGURES
    # The selected part of ``text`` (offsets into it), highlighted while the link form is open.
    selected: tuple[int, int] | None = None

    @property
    def runs(self) -> list[Run]:
        if self.selected is None:
            return [Run(self.text)]
        a, b = self.selected
        return [r for r in (Run(self.text[:a]), Run(self.text[a:b], True), Run(self.text[b:])) if r.text]


@dataclass(frozen=True, slots=True)
class Marker:
    """A claim of a sentence, numbered in reading order across the article."""

    claim: Claim
    number: int
    status: str = ""

    @property
    def label(self) -> str:
        return FIGURES_LABEL if self.status == FIGURES else self.claim.get_status_display()


@dataclass(frozen=True, slots=True)
class ReaderSentence:
    sentence: Sentence
    pieces: list[Piece]
    # Every live claim of the sentence (several with atomic extraction), in the order of their spans.
    markers: list[Marker]
    assessment: SentenceAssessment | None = None

    @property
    def muted(self) -> bool:
        return self.sentence.kind != SentenceKind.BODY

    @property
    def claims(self) -> list[Claim]:
        return [m.claim for m in self.markers]

    @property
    def status(self) -> str:
        return strongest_status(m.status for m in self.markers)

    @property
    def why_no_claim(self) -> str:
        """Why extraction found no claim here (empty when it found some, or never looked)."""
        if self.markers:
            return ""
        if self.assessment is None:
            return "not assessed yet"
        return self.assessment.reason


@dataclass(frozen=True, slots=True)
class ReaderParagraph:
    number: int
    sentences: list[ReaderSentence]

    @property
    def kind(self) -> str:
        kinds = {s.sentence.kind for s in self.sentences}
        return kinds.pop() if len(kinds) == 1 else SentenceKind.BODY


def _pieces(sentence: Sentence, spans: list[ClaimSpan], shown: dict[int, str]) -> list[Piece]:
    """The sentence as plain runs and claim spans; where spans overlap, the earlier (longer) one is marked."""
    text, cursor = sentence.text, 0
    pieces: list[Piece] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.claim_id)):
        start = max(span.start - sentence.start, 0)
        end = min(span.end - sentence.start, len(text))
        if start >= end or start < cursor:
            continue
        if start > cursor:
            pieces.append(Piece(text[cursor:start]))
        pieces.append(Piece(text[start:end], span.claim, shown[span.claim_id]))
        cursor = end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    return pieces


def _select(sentence: Sentence, pieces: list[Piece], selection: Sequence[tuple[int, int]]) -> list[Piece]:
    """The pieces with the parts of ``selection`` (body offsets) that fall in this sentence selected."""
    out, at = [], sentence.start
    for piece in pieces:
        end = at + len(piece.text)
        cut = [(max(a, at) - at, min(b, end) - at) for a, b in selection if a < end and b > at]
        # The link form's selection is one part per sentence, so a piece holds at most one.
        out.append(replace(piece, selected=cut[0]) if cut else piece)
        at = end
    return out


def _shown_statuses(claims: set[Claim]) -> dict[int, str]:
    """Each claim's highlight: its status, except that an unreviewed claim with conflicting figures says so."""
    ids = [c.pk for c in claims if c.status == ClaimStatus.UNREVIEWED]
    figures = set(
        claims_with_conflicting_figures(Claim.objects.filter(pk__in=ids)).values_list("pk", flat=True) if ids else []
    )
    return {c.pk: FIGURES if c.pk in figures else c.status for c in claims}


def article_reader(*, article: Article, selection: Sequence[tuple[int, int]] = ()) -> list[ReaderParagraph]:
    """The article's sentences by paragraph: plain text, the spans of live claims, numbered claim markers,
    and the extractor's assessment (why a sentence has no claim). Three queries whatever the article's size.

    ``selection``: spans of the body (start, end offsets, each within one sentence) to highlight, the
    passage of the link form opened on this article.
    """
    spans_by_sentence: dict[int, list[ClaimSpan]] = defaultdict(list)
    live = ClaimSpan.objects.filter(sentence__article=article, claim__deleted_at__isnull=True)
    for span in live.select_related("claim").order_by("start", "claim_id"):
        spans_by_sentence[span.sentence_id].append(span)
    shown = _shown_statuses({s.claim for spans in spans_by_sentence.values() for s in spans})
    numbers: dict[int, int] = {}
    paragraphs: list[ReaderParagraph] = []
    sentences = source_selectors.article_sentences(article=article).select_related("assessment")
    for sentence in sentences:
        if not paragraphs or paragraphs[-1].number != sentence.paragraph:
            paragraphs.append(ReaderParagraph(sentence.paragraph, []))
        spans = spans_by_sentence.get(sentence.pk, [])
        claims = list({s.claim_id: s.claim for s in spans}.values())
        markers = [Marker(c, numbers.setdefault(c.pk, len(numbers) + 1), shown[c.pk]) for c in claims]
        assessment: SentenceAssessment | None = getattr(sentence, "assessment", None)
        pieces = _pieces(sentence, spans, shown)
        if selection:
            pieces = _select(sentence, pieces, selection)
        paragraphs[-1].sentences.append(ReaderSentence(sentence, pieces, markers, assessment))
    return paragraphs


def reader_sentence(paragraphs: list[ReaderParagraph], position: int) -> ReaderSentence | None:
    """The reader's sentence at ``position``, if the article has one."""
    return next((s for p in paragraphs for s in p.sentences if s.sentence.position == position), None)


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    label: str
    count: int


def reader_claims(paragraphs: list[ReaderParagraph]) -> list[Marker]:
    """Each claim marked in the reader once, in reading order, with its highlight status."""
    seen: dict[int, Marker] = {}
    for paragraph in paragraphs:
        for sentence in paragraph.sentences:
            for marker in sentence.markers:
                seen.setdefault(marker.claim.pk, marker)
    return list(seen.values())


def claim_status_counts(markers: Iterable[Marker]) -> list[StatusCount]:
    counts = Counter(m.status for m in markers)
    order = (ClaimStatus.CONTESTED, ClaimStatus.CORROBORATED, ClaimStatus.UNREVIEWED)
    rows = [StatusCount(s.value, s.label, counts.get(s.value, 0)) for s in order]
    return [*rows[:2], StatusCount(FIGURES, FIGURES_LABEL, counts.get(FIGURES, 0)), *rows[2:]]


def strongest_status(statuses: Iterable[str]) -> str:
    """The status a sentence holding claims of these statuses is shown with: contested wins, then figures."""
    return max(statuses, key=lambda s: _STATUS_RANK.get(s, 0), default="")
