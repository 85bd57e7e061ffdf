"""Reads for one claim: its facts, spans in context, evidence, history and grouping suggestions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F
from django.db.models.functions import Left

from claims.extraction import figures
from claims.matching.scoring import figure_group, figure_interval
from claims.models import (
    Claim,
    ClaimRevision,
    ClaimSpan,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupMember,
    LinkStrength,
    Review,
    Stance,
)
from claims.selectors import articles as article_selectors
from sources import selectors as source_selectors
from sources.models import Sentence
from sources.text.inference import InferredName


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
        """The given outlet, else the one the article's text credits itself to (as the corroboration counts it)."""
        return self.evidence.sentence.article.attribution.name

    @property
    def outlet_inferred(self) -> InferredName | None:
        return self.evidence.sentence.article.attribution.inferred

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
    def inferred(self) -> InferredName | None:
        """Set when the outlet was read from the articles' text, not given with them."""
        inferred = [r.outlet_inferred for r in self.rows]
        return inferred[0] if self.outlet and all(inferred) else None

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
    role: str  # the title the sentence gives a named source ("Health Ministry spokesman"), or ""
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
            role=str(a.get("role") or ""),
            resolved=str(a.get("resolved") or "") if a.get("resolved") != a.get("source") else "",
            verb=str(a.get("verb") or ""),
            kind=str(a.get("kind") or ""),
            kind_label=ATTRIBUTION_KINDS.get(str(a.get("kind")), str(a.get("kind") or "").replace("_", " ")),
            depth=depth,
        )
        for depth, a in enumerate(_dicts(claim.attribution))
    ]
    return ClaimFacts(attribution, _dicts(claim.quantities), _dicts(claim.dates), unique_entities(claim=claim))


@dataclass(frozen=True, slots=True)
class FigureInTime:
    """A figure as matching compares it: what it counts, the range its qualifier allows, the day it
    describes and who it is credited to."""

    text: str
    value: float
    qualifier: str
    event: str  # what it counts, one word for every wording: killed (dead, deaths, death toll), injured …
    part: str  # the part of the population counted ("children"), "" for the whole
    unit: str
    percent: bool
    low: float
    high: float
    as_of: date | None
    source: str | None
    source_role: str


def figures_in_time(*, claim: Claim) -> list[FigureInTime]:
    """The claim's figures with their intervals, as-of date and credited source (no query: the article is loaded)."""
    quantities = [q for q in _dicts(claim.quantities) if "value" in q]
    if not quantities:
        return []
    as_of = figures.as_of(claim.text, _dicts(claim.dates), claim.article.published_at)
    credit = figures.credited(_dicts(claim.attribution))
    rows = []
    for q in quantities:
        low, high = figure_interval(q)
        rows.append(
            FigureInTime(
                text=str(q.get("text", "")),
                value=float(q["value"]),
                qualifier=str(q.get("qualifier") or "exact"),
                event=str(q.get("event") or ""),
                part=figure_group(q),
                unit=str(q.get("unit") or ""),
                percent=bool(q.get("percent")),
                low=low,
                high=high,
                as_of=as_of,
                source=credit.source if credit else None,
                source_role=credit.role if credit else "",
            )
        )
    return rows


def unique_entities(*, claim: Claim) -> list[dict[str, Any]]:
    """The names a claim mentions, one per spelling-insensitive key, as first spelled."""
    return list({str(e.get("key") or e.get("name") or e.get("text")): e for e in _dicts(claim.entities)}.values())


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
    "probability": "Link probability (calibrated)",
    "support_probability": "Support probability (calibrated)",
    "pair_logit": "Pair scorer logit",
    "support_logit": "Support head logit",
    "cosine": "Embedding cosine",
    "jaccard": "Word overlap (Jaccard)",
    "containment": "Word containment",
    "entity_overlap": "Name overlap",
}


def _number(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else ""


def _support_summary(score: float, threshold: dict[str, Any]) -> str:
    """scoring._supported: the score is the support probability; only the paraphrase probability links by itself."""
    lower, cosine_lower = _number(threshold.get("lower")), _number(threshold.get("cosine_lower"))
    automatic = f"automatic links need the paraphrase probability to reach {_number(threshold.get('upper'))}"
    if threshold.get("basis") == "support+cosine":
        return (
            f"support probability {score:.2f}; the cosine reached the lower threshold {cosine_lower}: "
            f"suggested for review ({automatic})"
        )
    if threshold.get("basis") == "support+same":
        return (
            f"support probability {score:.2f}; the paraphrase probability reached {_number(threshold.get('same_at'))}, "
            f"where a pair reads as the same fact: suggested for review ({automatic})"
        )
    if threshold.get("name") == "lower":
        return (
            f"support probability {score:.2f} reached the lower threshold {lower}: suggested for review ({automatic})"
        )
    return f"support probability {score:.2f} is below the lower threshold {lower}"


def _threshold_summary(decision: str, score: float, threshold: dict[str, Any]) -> str:
    upper, lower = _number(threshold.get("upper")), _number(threshold.get("lower"))
    fired = threshold.get("name")
    if str(threshold.get("basis", "")).startswith("support"):
        return _support_summary(score, threshold)
    if "cosine_lower" in threshold:
        # scoring._calibrated: the score is the calibrated probability of the link.
        if fired == "upper" and decision == "auto":
            return f"link probability {score:.2f} reached the upper threshold {upper}: linked automatically"
        if fired == "upper":
            return (
                f"link probability {score:.2f} reached the upper threshold {upper}, but is only suggested (see below)"
            )
        if fired == "lower" and threshold.get("basis") == "same":
            return (
                f"link probability {score:.2f} reached {_number(threshold.get('same_at'))}, where a pair reads as "
                "the same fact: suggested for review"
            )
        if fired == "lower" and threshold.get("basis") == "cosine":
            return (
                f"link probability {score:.2f} is under the upper threshold {upper}; the cosine reached the "
                f"lower threshold {lower}: suggested for review"
            )
        if fired == "lower":
            return (
                f"link probability {score:.2f} is between the lower threshold {lower} and the upper {upper}: "
                "suggested for review"
            )
        return f"link probability {score:.2f} is below the lower threshold {lower}"
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
        .annotate(article_head=Left("sentence__article__body", article_selectors.TITLE_HEAD_CHARS))
        .order_by(F("sentence__article__published_at").asc(nulls_last=True), "sentence__article_id", "start", "id")
    )
    return [
        EvidenceRow(
            evidence=e,
            article_title=article_selectors.title_from_head(e.sentence.article.title, e.article_head),
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
    decision: str = EvidenceDecisionChoice.PENDING

    @property
    def link_label(self) -> str:
        """What the link is now: a reviewer's decision outranks how the matcher first rated it."""
        if self.decision == EvidenceDecisionChoice.CONFIRMED:
            return "confirmed by a reviewer"
        if self.strength == LinkStrength.SUGGESTED:
            return "suggested, not yet reviewed"
        return "linked automatically" if self.strength == LinkStrength.AUTO else "given"


GROUP_SUGGESTIONS = 5


def _rank(decision: str, score: float | None) -> tuple[bool, float]:
    return decision == EvidenceDecisionChoice.CONFIRMED, score or 0


def _same_fact(details: object) -> bool:
    """Whether a supporting link says the same thing (``MatchDecision.same_fact``), not only backs the claim."""
    threshold = details.get("threshold") if isinstance(details, dict) else None
    return not isinstance(threshold, dict) or threshold.get("same_fact", True) is not False


def claim_group_suggestions(*, evidence: ClaimEvidence) -> list[GroupSuggestion]:
    """The claims behind standing supporting links (best score first), each with the group it is in.

    Reads the evidence already loaded, plus one query for the partners' groups when there are any.
    Figure and negation links contradict, so they never suggest a group; nor does a link the support
    head alone suggested (a report that says more than the claim backs it but is no duplicate);
    rejected, withdrawn and deleted ones are left out.
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
                or not _same_fact(e.details)
            ):
                continue
            known = best.get(other.pk)
            # A reviewer's confirmation speaks for the pair over a higher-scored undecided link.
            if known is None or _rank(e.decision, e.score) > _rank(known.decision, known.score):
                best[other.pk] = GroupSuggestion(other, row.article_title, e.score, e.strength, decision=e.decision)
    ranked = sorted(best.values(), key=lambda s: (-(s.score or 0), s.claim.pk))[:GROUP_SUGGESTIONS]
    if not ranked:
        return []
    groups = dict(
        GroupMember.objects.filter(claim_id__in=[s.claim.pk for s in ranked]).values_list("claim_id", "group_id")
    )
    return [replace(s, group_id=groups.get(s.claim.pk)) for s in ranked]


def _verdict_label(review: Review) -> str:
    """ "False (contested)"; a review recorded before the rating scale shows its verdict alone, as it did."""
    summary = review.get_verdict_display()
    if review.rating is None:
        return summary
    if review.rating.label.lower() == summary.lower():
        return review.rating.label  # "Unproven", not "Unproven (unproven)"
    return f"{review.rating.label} ({summary.lower()})"


def claim_history(*, claim: Claim) -> list[HistoryEntry]:
    """Every verdict, evidence decision and reviewer edit of the claim, newest first (three queries)."""
    entries = [
        HistoryEntry(r.created_at, r.reviewer, "verdict", r.verdict, _verdict_label(r), r.rationale)
        for r in Review.objects.filter(claim=claim).select_related("reviewer", "rating")
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
