"""Reads for claims, evidence, reviews and jobs.

Pages get everything they show from one of these functions, each a fixed
number of queries whatever the size of the article or claim.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Left

from claims.group_selectors import claims_with_conflicting_figures, conflicting_figures_exists
from claims.matching_selectors import Corroboration, Report
from claims.models import (
    Claim,
    ClaimRevision,
    ClaimSpan,
    ClaimStatus,
    DuplicateGroup,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupAction,
    GroupDecision,
    GroupMember,
    Job,
    JobItem,
    JobState,
    Review,
    SentenceAssessment,
    Stance,
)
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
    status: str = ""  # how the claim is highlighted: its status, or FIGURES


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


def _shown_statuses(claims: set[Claim]) -> dict[int, str]:
    """Each claim's highlight: its status, except that an unreviewed claim with conflicting figures says so."""
    ids = [c.pk for c in claims if c.status == ClaimStatus.UNREVIEWED]
    figures = set(
        claims_with_conflicting_figures(Claim.objects.filter(pk__in=ids)).values_list("pk", flat=True) if ids else []
    )
    return {c.pk: FIGURES if c.pk in figures else c.status for c in claims}


def article_reader(*, article: Article) -> list[ReaderParagraph]:
    """The article's sentences by paragraph: plain text, the spans of live claims, numbered claim markers,
    and the extractor's assessment (why a sentence has no claim). Three queries whatever the article's size."""
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
        paragraphs[-1].sentences.append(ReaderSentence(sentence, _pieces(sentence, spans, shown), markers, assessment))
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
class Segment:
    text: str
    marked: bool


@dataclass(frozen=True, slots=True)
class SpanInContext:
    """One sentence of the claim's source with every span of the claim in it marked, and its neighbours."""

    span: ClaimSpan  # the first span in the sentence
    previous: Sentence | None
    segments: list[Segment]
    next: Sentence | None


def mark_all(sentence: Sentence, spans: list[tuple[int, int]]) -> list[Segment]:
    """``sentence`` cut into plain and marked runs for the body offsets ``spans`` (clamped, overlaps merged)."""
    text, cursor, out = sentence.text, 0, []
    for start, end in sorted(spans):
        a = min(max(start - sentence.start, cursor), len(text))
        b = min(max(end - sentence.start, a), len(text))
        if a > cursor:
            out.append(Segment(text[cursor:a], False))
        if b > a:
            if out and out[-1].marked:
                out[-1] = Segment(out[-1].text + text[a:b], True)
            else:
                out.append(Segment(text[a:b], True))
        cursor = max(cursor, b)
    if cursor < len(text):
        out.append(Segment(text[cursor:], False))
    return out


@dataclass(frozen=True, slots=True)
class LinkWhy:
    """How a machine link was found, in words: the threshold that fired and the signals behind the score."""

    summary: str
    reasons: list[str]
    signals: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    evidence: Evidence
    article_title: str
    text: Marked
    why: LinkWhy | None = None

    @property
    def outlet(self) -> str:
        outlet = self.evidence.sentence.article.outlet
        return outlet.name if outlet is not None else ""

    @property
    def published_at(self) -> datetime | None:
        return self.evidence.sentence.article.published_at

    @property
    def figure(self) -> bool:
        return self.evidence.method == EvidenceMethod.FIGURE


@dataclass(frozen=True, slots=True)
class OutletEvidence:
    """One outlet's evidence for a claim, earliest report first."""

    outlet: str  # empty: the outlet is not known
    rows: list[EvidenceRow]

    @property
    def first_published(self) -> datetime | None:
        return self.rows[0].published_at


@dataclass(frozen=True, slots=True)
class ClaimEvidence:
    outlets: list[OutletEvidence]
    total: int
    withdrawn: int  # links a recompute no longer finds: hidden unless asked for
    showing_withdrawn: bool


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    who: User
    kind: str  # "verdict", "evidence" or "revision"
    decision: str  # a verdict, an evidence decision or a revision action value
    label: str
    text: str
    evidence: Evidence | None = None
    before: str = ""  # a revision's wording before and after
    after: str = ""


ATTRIBUTION_KINDS = {
    "direct_quote": "Direct quote",
    "reported_speech": "Reported speech",
    "according_to": "According to",
}


@dataclass(frozen=True, slots=True)
class AttributionRow:
    """One level of who is credited; ``depth`` 0 is the innermost speaker, 1 who reported them, and so on."""

    source: str
    resolved: str
    verb: str
    kind: str
    kind_label: str
    depth: int


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    attribution: list[AttributionRow]
    quantities: list[dict[str, Any]]
    dates: list[dict[str, Any]]
    entities: list[dict[str, Any]]

    @property
    def any(self) -> bool:
        return bool(self.attribution or self.quantities or self.dates or self.entities)


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def claim_facts(*, claim: Claim) -> ClaimFacts:
    """The structured data stored beside a claim's wording, ready to show (no query)."""
    attribution = [
        AttributionRow(
            source=str(a.get("source") or ""),
            resolved=str(a.get("resolved") or "") if a.get("resolved") != a.get("source") else "",
            verb=str(a.get("verb") or ""),
            kind=str(a.get("kind") or ""),
            kind_label=ATTRIBUTION_KINDS.get(str(a.get("kind")), str(a.get("kind") or "").replace("_", " ")),
            depth=depth,
        )
        for depth, a in enumerate(_dicts(claim.attribution))
    ]
    entities = list({str(e.get("key") or e.get("name") or e.get("text")): e for e in _dicts(claim.entities)}.values())
    return ClaimFacts(attribution, _dicts(claim.quantities), _dicts(claim.dates), entities)


def claim_get(*, claim_id: int) -> Claim:
    """A claim with its article, outlet and the claim it was split from; raises ``Claim.DoesNotExist``."""
    return Claim.objects.select_related("article__outlet", "split_from").get(pk=claim_id)


def claim_spans_in_context(*, claim: Claim) -> list[SpanInContext]:
    """The claim's source sentences in order, each shown once with all of the claim's spans in it marked."""
    spans = list(ClaimSpan.objects.filter(claim=claim).select_related("sentence").order_by("start"))
    by_sentence: dict[int, list[ClaimSpan]] = defaultdict(list)
    for span in spans:
        by_sentence[span.sentence_id].append(span)
    around = source_selectors.sentences_around(sentences=[s.sentence for s in spans])
    rows = []
    for group in by_sentence.values():
        sentence = group[0].sentence
        rows.append(
            SpanInContext(
                span=group[0],
                previous=around.get((sentence.article_id, sentence.position - 1)),
                segments=mark_all(sentence, [(s.start, s.end) for s in group]),
                next=around.get((sentence.article_id, sentence.position + 1)),
            )
        )
    return rows


_SIGNAL_LABELS = {
    "cosine": "Embedding cosine",
    "jaccard": "Word overlap (Jaccard)",
    "containment": "Word containment",
    "entity_overlap": "Name overlap",
}


def _number(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else ""


def _threshold_summary(decision: str, score: float, threshold: dict[str, Any]) -> str:
    upper, lower = _number(threshold.get("upper")), _number(threshold.get("lower"))
    fired = threshold.get("name")
    if fired == "upper" and decision == "auto":
        return f"score {score:.2f} reached the upper threshold {upper}: linked automatically"
    if fired == "upper":
        return f"score {score:.2f} reached the upper threshold {upper}, but is only suggested (see below)"
    if fired == "lower":
        return f"score {score:.2f} is between the lower threshold {lower} and the upper {upper}: suggested for review"
    return f"score {score:.2f} is below the lower threshold {lower}"


def link_why(details: object, score: float) -> LinkWhy | None:
    """A scoring decision (``Evidence.details``) explained; None for links nobody scored (origin, manual)."""
    if not isinstance(details, dict) or not isinstance(details.get("threshold"), dict):
        return None
    signals = details.get("signals") if isinstance(details.get("signals"), dict) else {}
    assert isinstance(signals, dict)
    shown = [(label, _number(signals.get(key))) for key, label in _SIGNAL_LABELS.items() if _number(signals.get(key))]
    if signals.get("entities_shared"):
        shown.append(("Shared names", ", ".join(map(str, signals["entities_shared"]))))
    quantities = signals.get("quantities")
    if isinstance(quantities, dict) and quantities.get("status") not in (None, "", "none"):
        shown.append(("Figures", str(quantities["status"]).replace("_", " ")))
    reasons = [str(r) for r in details.get("reasons", []) if r] if isinstance(details.get("reasons"), list) else []
    summary = _threshold_summary(str(details.get("decision", "")), score, details["threshold"])
    return LinkWhy(summary, reasons, shown)


def _evidence_rows(claim: Claim) -> list[EvidenceRow]:
    evidence = (
        Evidence.objects.filter(claim=claim)
        .select_related("sentence__article__outlet", "via_claim")
        .defer("sentence__article__body")
        .annotate(article_head=Left("sentence__article__body", TITLE_HEAD_CHARS))
        .order_by(F("sentence__article__published_at").asc(nulls_last=True), "sentence__article_id", "start", "id")
    )
    return [
        EvidenceRow(
            evidence=e,
            article_title=title_from_head(e.sentence.article.title, e.article_head),
            text=mark(e.sentence, e.start, e.end),
            why=link_why(e.details, e.score),
        )
        for e in evidence
    ]


def claim_evidence(*, claim: Claim, include_withdrawn: bool = False) -> ClaimEvidence:
    """The claim's evidence grouped by outlet (by article where none is named), in publication order (one query).

    Withdrawn links (a recompute no longer finds them) are counted but hidden unless asked for:
    they stay in the database because a reviewer may have looked at them.
    """
    rows = _evidence_rows(claim)
    withdrawn = sum(1 for r in rows if r.evidence.withdrawn_at is not None)
    shown = rows if include_withdrawn else [r for r in rows if r.evidence.withdrawn_at is None]
    by_outlet: dict[tuple[str, int], list[EvidenceRow]] = {}
    for row in shown:
        # An article that names no outlet is a source of its own, as in the corroboration summary.
        key = (row.outlet, 0 if row.outlet else row.evidence.sentence.article_id)
        by_outlet.setdefault(key, []).append(row)
    outlets = [OutletEvidence(name, group) for (name, _), group in by_outlet.items()]
    return ClaimEvidence(outlets, len(shown), withdrawn, include_withdrawn)


@dataclass(frozen=True, slots=True)
class GroupSuggestion:
    """A claim of another article that the matcher says states the same fact: a candidate to group with."""

    claim: Claim
    article_title: str
    score: float | None
    strength: str
    group_id: int | None = None  # the partner's group: join it there rather than pull the partner out


GROUP_SUGGESTIONS = 5


def claim_group_suggestions(*, evidence: ClaimEvidence) -> list[GroupSuggestion]:
    """The claims behind standing supporting links (best score first), each with the group it is in.

    Reads the evidence already loaded, plus one query for the partners' groups when there are any.
    Figure and negation links contradict, so they never suggest a group; rejected, withdrawn and
    deleted ones are left out.
    """
    best: dict[int, GroupSuggestion] = {}
    for outlet in evidence.outlets:
        for row in outlet.rows:
            e, other = row.evidence, row.evidence.via_claim
            if (
                other is None
                or other.deleted_at is not None
                or e.stance != Stance.SUPPORTS
                or e.method not in (EvidenceMethod.SEMANTIC, EvidenceMethod.LEXICAL)
                or e.withdrawn_at is not None
                or e.decision == EvidenceDecisionChoice.REJECTED
            ):
                continue
            known = best.get(other.pk)
            if known is None or (e.score or 0) > (known.score or 0):
                best[other.pk] = GroupSuggestion(other, row.article_title, e.score, e.strength)
    ranked = sorted(best.values(), key=lambda s: (-(s.score or 0), s.claim.pk))[:GROUP_SUGGESTIONS]
    if not ranked:
        return []
    groups = dict(
        GroupMember.objects.filter(claim_id__in=[s.claim.pk for s in ranked]).values_list("claim_id", "group_id")
    )
    return [replace(s, group_id=groups.get(s.claim.pk)) for s in ranked]


def claim_history(*, claim: Claim) -> list[HistoryEntry]:
    """Every verdict, evidence decision and reviewer edit of the claim, newest first (three queries)."""
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
    entries += [
        HistoryEntry(
            r.created_at,
            r.user,
            "revision",
            r.action,
            r.get_action_display(),
            r.note,
            before=r.text_before,
            after=r.text_after,
        )
        for r in ClaimRevision.objects.filter(claim=claim).select_related("user")
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def claim_split_relatives(*, claim: Claim) -> list[Claim]:
    """The claims this one was split into (one query)."""
    return list(Claim.objects.filter(split_from=claim).only("id", "text", "status", "deleted_at").order_by("id"))


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


def jobs_active(*, limit: int = 20) -> list[Job]:
    """Queued and running jobs, newest first: the dashboard polls their progress."""
    active = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING])
    return list(active.order_by("-created_at", "-id").defer("result")[:limit])


def job_active(*, kind: str) -> Job | None:
    """The queued or running job of this kind, if any (the dashboard starts a recompute only once)."""
    return Job.objects.filter(kind=kind, state__in=[JobState.QUEUED, JobState.RUNNING]).defer("result").first()


def jobs_finished(*, limit: int = 8) -> list[Job]:
    finished = Job.objects.filter(state__in=[JobState.SUCCEEDED, JobState.FAILED])
    return list(finished.order_by("-created_at", "-id").defer("result")[:limit])


# --- dashboard ----------------------------------------------------------------------


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


# --- search ---------------------------------------------------------------------------


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
        .annotate(article_head=Left("article__body", TITLE_HEAD_CHARS))
        .order_by("-article_id", "position")
    )


# --- duplicate groups -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: DuplicateGroup
    members: int
    outlets: int
    conflicting: bool


def group_rows(groups: Iterable[DuplicateGroup]) -> list[GroupRow]:
    """A page of groups with live member and outlet counts and whether figures conflict (two queries)."""
    groups = list(groups)
    ids = [g.pk for g in groups]
    counts = {
        row["group_id"]: row
        for row in GroupMember.objects.filter(group_id__in=ids, claim__deleted_at__isnull=True)
        .values("group_id")
        .annotate(n=Count("pk"), outlets=Count("claim__article__outlet", distinct=True))
    }
    conflicting = set(
        Claim.objects.filter(group_member__group_id__in=ids)
        .filter(conflicting_figures_exists())
        .values_list("group_member__group_id", flat=True)
    )
    return [
        GroupRow(g, counts.get(g.pk, {}).get("n", 0), counts.get(g.pk, {}).get("outlets", 0), g.pk in conflicting)
        for g in groups
    ]


def groups_missing(*, group_ids: Iterable[int]) -> list[int]:
    """Which of these group numbers do not exist (a merge names them by hand)."""
    wanted = set(group_ids)
    return sorted(wanted - set(DuplicateGroup.objects.filter(pk__in=wanted).values_list("pk", flat=True)))


@dataclass(frozen=True, slots=True)
class GroupHistoryRow:
    decision: GroupDecision
    title: str  # a word or two for the history badge
    label: str
    other_group_id: int | None  # the group the sentence links to, if any


def group_history_rows(*, group: DuplicateGroup, decisions: Iterable[GroupDecision]) -> list[GroupHistoryRow]:
    """Decisions worded from this group's side. A split is recorded on both groups; each page shows its own copy."""
    rows = []
    for d in decisions:
        mine = d.group_id == group.pk
        if d.action == GroupAction.SPLIT and not mine:
            continue
        if d.action == GroupAction.SPLIT:
            # The new group is created by the split, so it has the larger number.
            out = (d.other_group_id or 0) > group.pk
            label = "Moved claims out to group" if out else "Split off from group"
            rows.append(GroupHistoryRow(d, "Split", label, d.other_group_id))
        elif d.action == GroupAction.MERGE and not mine:
            rows.append(GroupHistoryRow(d, "Merged away", "Merged into group", d.group_id))
        elif d.action == GroupAction.MERGE:
            label = "Merged in group" if d.other_group_id else "Added claims"
            rows.append(GroupHistoryRow(d, "Merged" if d.other_group_id else "Grouped", label, d.other_group_id))
        else:
            rows.append(GroupHistoryRow(d, "Canonical wording", "Chose the canonical wording", None))
    return rows


# --- claim view: provenance timeline -----------------------------------------------------

TIMELINE_WIDTH = 640
TIMELINE_LABEL_WIDTH = 150  # outlet names left of the plot
TIMELINE_LANE = 26
TIMELINE_TOP = 12
TIMELINE_AXIS = 30  # room under the lanes for the time axis


@dataclass(frozen=True, slots=True)
class TimelineDot:
    x: float
    y: float
    report: Report
    first: bool  # where the claim appeared first
    copy: bool  # repeats an earlier article's text or source


@dataclass(frozen=True, slots=True)
class TimelineLane:
    y: float
    outlet: str


@dataclass(frozen=True, slots=True)
class TimelineTick:
    x: float
    at: datetime
    anchor: str  # SVG text-anchor


@dataclass(frozen=True, slots=True)
class Timeline:
    """Where and when a claim was reported: one lane per outlet, one dot per report (drawn server-side as SVG)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    lanes: list[TimelineLane]
    dots: list[TimelineDot]
    ticks: list[TimelineTick]
    undated: list[Report]


def claim_timeline(corroboration: Corroboration) -> Timeline | None:
    """Lay out the dated reports of a claim in time; None when no report has a date (no query)."""
    dated = [r for r in corroboration.reports if r.published_at is not None]
    if not dated:
        return None
    outlets = list(dict.fromkeys(r.outlet or "Unknown outlet" for r in dated))
    lane_y = {name: TIMELINE_TOP + TIMELINE_LANE * (n + 0.5) for n, name in enumerate(outlets)}
    left, right = TIMELINE_LABEL_WIDTH + 10, TIMELINE_WIDTH - 40
    times = [r.published_at for r in dated if r.published_at is not None]
    start, end = min(times), max(times)
    span = (end - start).total_seconds()

    def x_of(at: datetime) -> float:
        # A single instant sits mid-plot rather than on an edge.
        return (left + right) / 2 if span == 0 else left + (right - left) * (at - start).total_seconds() / span

    first = corroboration.first_appearance
    dots = [
        TimelineDot(
            round(x_of(r.published_at), 1),
            lane_y[r.outlet or "Unknown outlet"],
            r,
            first is not None and r.evidence_id == first.evidence_id,
            r.copy_of_article_id is not None,
        )
        for r in dated
        if r.published_at is not None
    ]
    axis_y = TIMELINE_TOP + TIMELINE_LANE * len(outlets) + 6
    ticks = [TimelineTick(round(x_of(start), 1), start, "middle" if span == 0 else "start")]
    if span:
        ticks.append(TimelineTick(round(x_of(end), 1), end, "end"))
    return Timeline(
        width=TIMELINE_WIDTH,
        height=int(axis_y + TIMELINE_AXIS),
        plot_left=left,
        plot_right=right,
        axis_y=axis_y,
        lanes=[TimelineLane(y, name) for name, y in lane_y.items()],
        dots=dots,
        ticks=ticks,
        undated=[r for r in corroboration.reports if r.published_at is None],
    )
