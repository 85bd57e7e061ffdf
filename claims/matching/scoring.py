"""Score a candidate pair of texts and decide: link automatically, suggest for review, or leave apart.

Signals: embedding cosine, lexical overlap (Jaccard and containment of content words),
shared entity keys (``claims.extraction.entities.fold`` keys), agreement of quantities (same
event, compatible figures), agreement of dates (same resolved day, or the same
weekday / calendar wording when no publication time pins them down) and negation.

Each method has two thresholds: at or above ``upper`` a link is made automatically,
between ``lower`` and ``upper`` it is suggested for a reviewer. Very short texts are
only ever suggested. The decision records the method, every signal and the threshold
that fired, as JSON-ready data for ``Evidence.details``.

Thresholds were chosen on development data (see ``bench/neardup.py`` and
``docs/benchmarks.md``, section Matching): ``semantic`` and ``lexical`` on the first
half of MRPC train (F1-optimal ``lower``, precision >= 0.90 ``upper``); ``figure``
(the same quantity with a different number) by inspection of the seed articles, as no
dataset here labels conflicting figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import simplemma

from claims.extraction import figures
from claims.extraction.entities import fold
from claims.matching.calibration import Calibration, feature_vector
from claims.matching.lexical import containment, content_of, jaccard, tokens
from claims.matching.polarity import Polarity, is_negator, negated_noun, opposed, relevant, text_polarity

# v2: sub-population and incident-size rules for figures; v3: overlapping figure ranges are consistent,
# figures are compared at their dates (a later, larger toll is an update), stance compares the polarity
# of aligned predicates instead of the presence of a negation word
# v4: supporting links decided by the calibrated probability of the pair scorer and the signals
# v5: "no"/"without" negate only the noun they govern, "neither ... nor" is one negation, "No. 1" none
# v6: suggestions scored and ordered by the support head's calibrated probability (pair-scorer-v2); a pair
# only the support head backs is suggested from its stricter ``add_at`` (none today)
# v7: the same-fact decision at the paraphrase calibration's F1-optimal ``same_at``: such a pair is suggested
# below the cosine rule too, and only such pairs propose duplicate groups
# v8: polarity read clause by clause (``text_polarity``): a contrast ("…, not climate change") negates its noun,
# a condition ("if … not") asserts nothing, "not only" adds, "No," answers, the noun "denial" negates nothing,
# and a negated text's predicate is the clause its cue bears on ("refused to send … after Israel killed …");
# predicates are compared by lemma ("sent" and "send")
SCORING_VERSION = "scoring-v8"
# The pair scorer: (n,) paraphrase logits, or (n, 2) paraphrase and support logits (``PairScorer.head_logits``).
PairLogits = Callable[[Sequence[tuple[str, str]]], npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Thresholds:
    upper: float
    lower: float


THRESHOLDS: dict[str, Thresholds] = {
    # cosine of all-MiniLM-L6-v2 embeddings, less the entity penalty
    "semantic": Thresholds(upper=0.94, lower=0.62),
    # Jaccard of content words, when no embedding is at hand
    "lexical": Thresholds(upper=0.62, lower=0.36),
    # same quantity and event, conflicting figure: how alike the rest of the two texts must be
    "figure": Thresholds(upper=0.75, lower=0.45),
}
SAME_FIGURE = 0.03  # relative difference within which two numbers are one figure, rounded
# Figures further apart than this count different incidents ("seven dead" in one strike against a war's
# toll of 37,945), not rival figures; a toll updated over months (8,005 to over 40,000) stays well inside.
INCIDENT_RATIO = 100.0
SHORT_WORDS = 5  # fewer content words than this: never linked automatically
# Texts sharing this share of their content words are copies (wire copy, a sentence repeated): linked
# automatically whatever the calibrated probability, which paraphrase data never taught about copies.
COPY_JACCARD = 0.9
ENTITY_PENALTY = 0.05  # both texts name someone or something and share no key
# Opposite polarity contradicts only when the rest of the two predicates is the same: this share of the
# shorter text's content words (cue words aside) must be in the other ("agreed to send a delegation" vs
# "refused to send a delegation"); otherwise one text negates something else and is no evidence either way.
POLARITY_ALIGNMENT = 0.6
# The same, comparing lemmas: stricter, since a lemma also matches words that differ in more than inflection.
LEMMA_ALIGNMENT = 0.8
# Part of a population: "3,195 children" killed is not another count of "8,005 Palestinians" killed, so
# figures counting one of these are compared only with figures counting the same group.
_SUBGROUP_WORDS = {
    "child": "children", "children": "children", "kid": "children", "kids": "children", "minor": "children",
    "minors": "children", "baby": "babies", "babies": "babies", "infant": "babies", "infants": "babies",
    "girl": "girls", "girls": "girls", "boy": "boys", "boys": "boys", "woman": "women", "women": "women",
    "man": "men", "men": "men", "elderly": "elderly", "journalist": "journalists", "journalists": "journalists",
    "reporter": "journalists", "reporters": "journalists", "doctor": "medics", "doctors": "medics",
    "medic": "medics", "medics": "medics", "nurse": "medics", "nurses": "medics", "paramedic": "medics",
    "paramedics": "medics", "worker": "workers", "workers": "workers", "staff": "workers",
    "employee": "workers", "employees": "workers", "soldier": "soldiers", "soldiers": "soldiers",
    "troop": "soldiers", "troops": "soldiers", "officer": "police", "officers": "police", "police": "police",
    "policeman": "police", "policemen": "police", "fighter": "fighters", "fighters": "fighters",
    "militant": "fighters", "militants": "fighters", "student": "students", "students": "students",
    "teacher": "teachers", "teachers": "teachers", "patient": "patients", "patients": "patients",
    "refugee": "refugees", "refugees": "refugees", "hostage": "captives", "hostages": "captives",
    "captive": "captives", "captives": "captives", "prisoner": "prisoners", "prisoners": "prisoners",
    "detainee": "prisoners", "detainees": "prisoners", "diplomat": "diplomats", "diplomats": "diplomats",
    "member": "members", "members": "members",
}  # fmt: skip
SUBGROUPS = frozenset(_SUBGROUP_WORDS.values())
# Ranges a qualified figure stands for, as multiples of the stated value.
_RANGES = {
    "exact": (1.0, 1.0),
    "at least": (1.0, 1.25),
    "more than": (1.0, 1.25),
    "over": (1.0, 1.25),
    "nearly": (0.9, 1.0),
    "about": (0.9, 1.1),
    "up to": (0.5, 1.0),
    "under": (0.5, 1.0),
}
_PROPER = re.compile(r"(?<![.!?“\"]\s)(?<!^)(?<!^[“\"‘'])\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
_DAY_KINDS = frozenset({"weekday", "calendar"})


@dataclass(slots=True)
class TextFeatures:
    text: str
    words: list[str]
    entity_keys: frozenset[str]
    quantities: list[dict[str, Any]]
    dates: list[dict[str, Any]]
    negations: list[str]
    embedding: npt.NDArray[np.float32] | None = None
    as_of: date | None = None  # the date its figures describe (a date it names, else its publication date)
    negated_words: list[str] | None = None  # the content words its negation cues bear on (``Polarity.scope``)


def cheap_entity_keys(text: str) -> frozenset[str]:
    """Fallback when no parse is at hand: folded runs of capitalised words not opening the sentence."""
    return frozenset(key for m in _PROPER.finditer(text) if len(key := fold(m.group(0))) >= 3)


def features(
    text: str,
    *,
    entity_keys: Iterable[str] | None = None,
    quantities: Sequence[Mapping[str, Any]] | None = None,
    dates: Sequence[Mapping[str, Any]] | None = None,
    embedding: npt.NDArray[np.float32] | None = None,
    published_at: datetime | None = None,
) -> TextFeatures:
    """Features of one text; pass what the drafting step already found (ClaimDraft fields), else it is derived."""
    keys = frozenset(k for k in entity_keys if k) if entity_keys is not None else cheap_entity_keys(text)
    words = tokens(text)
    found_dates = [dict(d) for d in dates] if dates is not None else figures.as_dicts(figures.dates(text, published_at))
    read = text_polarity(text)
    return TextFeatures(
        text=text,
        words=content_of(words),
        entity_keys=keys,
        quantities=[dict(q) for q in quantities]
        if quantities is not None
        else figures.as_dicts(figures.quantities(text)),
        dates=found_dates,
        negations=list(read.cues),
        embedding=embedding,
        as_of=figures.as_of(text, found_dates, published_at),
        negated_words=content_of(read.scope) if read.scope else None,
    )


@dataclass(slots=True)
class MatchDecision:
    method: str  # semantic | lexical | figure | date
    decision: str  # auto | suggested | none
    stance: str | None  # supports | contradicts | None when not linked
    score: float
    threshold: dict[str, Any]  # {"name": "upper" | "lower" | None, "value": float | None, "upper": …, "lower": …}
    signals: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    version: str = SCORING_VERSION

    @property
    def linked(self) -> bool:
        return self.decision != "none"

    @property
    def same_fact(self) -> bool:
        """Linked as saying the same thing, not only as backing it: every link but the support head's alone.

        Duplicate groups and group suggestions come from these; a report that says more than the claim
        supports it without being a duplicate of it (``_supported``).
        """
        return self.linked and bool(self.threshold.get("same_fact", True))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def figure_interval(q: Mapping[str, Any]) -> tuple[float, float]:
    """The range a qualified figure stands for ("at least 37,945" is 37,945 to 47,431)."""
    return _range(q)


def figure_group(q: Mapping[str, Any]) -> str:
    """The population part a figure counts ("children"), or "" for a whole population: figures of one count share it."""
    return _group(q)


def _range(q: Mapping[str, Any]) -> tuple[float, float]:
    low, high = _RANGES.get(str(q.get("qualifier", "exact")), (1.0, 1.0))
    value = float(q["value"])
    return value * low, value * high


def _group(q: Mapping[str, Any]) -> str:
    """The population part a figure counts ("children", "aid workers"), or "" for a whole population.

    Singular and plural name one part ("1 child" and "3 children" are figures for the same part).
    """
    for word in str(q.get("unit", "")).lower().split():
        if word in _SUBGROUP_WORDS:
            return _SUBGROUP_WORDS[word]
    return ""


def _different_incidents(vx: float, vy: float, percent: bool) -> bool:
    # A zero ("no one was killed") or a share is compared as it is; the ratio rule is for counts only.
    low, high = sorted((abs(vx), abs(vy)))
    return not percent and low > 0 and low * INCIDENT_RATIO < high


def compare_quantities(
    a: Sequence[Mapping[str, Any]],
    b: Sequence[Mapping[str, Any]],
    a_as_of: date | None = None,
    b_as_of: date | None = None,
) -> dict[str, Any]:
    """Figures of the same event in both texts: ``agree`` when some pair can both be true, else ``conflict``.

    Numbers within ``SAME_FIGURE`` of each other are the same figure told with different rounding
    ("at least 8,005" and "beyond 8,000"), and figures whose qualified ranges overlap can both hold
    ("at least 37,945" and "nearly 40,000"): neither is a contradiction. A figure counting part of a
    population (children, journalists) is compared only with figures counting the same part, and
    figures more than ``INCIDENT_RATIO`` apart count different incidents.

    Figures are compared at their dates (``as_of``). A cumulative count (killed, injured, missing,
    displaced) that is larger at a later date is an ``update``, not a contradiction; one that is smaller
    later, or a different figure on the same day, conflicts. When either date is unknown a conflict is
    marked ``undated``: it may be an update, so it is never linked automatically.
    """
    events = {str(q["event"]) for q in a if q.get("event")} & {str(q["event"]) for q in b if q.get("event")}
    pairs: list[dict[str, Any]] = []
    conflicts: list[str] = []
    agreed: list[str] = []
    updated: list[str] = []
    for event in sorted(events):
        same = False
        update = False
        for x in (q for q in a if q.get("event") == event):
            for y in (q for q in b if q.get("event") == event):
                if bool(x.get("percent")) != bool(y.get("percent")) or _group(x) != _group(y):
                    continue
                vx, vy = float(x["value"]), float(y["value"])
                if _different_incidents(vx, vy, bool(x.get("percent"))):
                    continue
                close = abs(vx - vy) <= SAME_FIGURE * max(abs(vx), abs(vy))
                (x_low, x_high), (y_low, y_high) = _range(x), _range(y)
                overlap = x_low <= y_high and y_low <= x_high
                # Ranges that can both hold ("at least 37,945" and "nearly 40,000") are consistent, not rival.
                same |= close or overlap
                # A share can go down as well as up; only counts accumulate.
                later_larger = (
                    not (close or overlap)
                    and not x.get("percent")
                    and _grew_over_time(event, (x_low, x_high), (y_low, y_high), a_as_of, b_as_of)
                )
                update |= later_larger
                pairs.append(
                    {"event": event, "a": x["text"], "b": y["text"], "same": close, "ranges_overlap": overlap,
                     "update": later_larger}
                )  # fmt: skip
        if pairs and any(p["event"] == event for p in pairs):
            (agreed if same else updated if update else conflicts).append(event)
    status = "conflict" if conflicts else ("agree" if agreed else ("update" if updated else "none"))
    return {
        "status": status,
        "events_conflicting": conflicts,
        "events_agreeing": agreed,
        "events_updated": updated,
        "undated": bool(conflicts) and (a_as_of is None or b_as_of is None),
        "as_of": {"a": _iso(a_as_of), "b": _iso(b_as_of)},
        "pairs": pairs,
    }


def _grew_over_time(
    event: str, x: tuple[float, float], y: tuple[float, float], x_as_of: date | None, y_as_of: date | None
) -> bool:
    """A cumulative count whose later figure lies above the earlier one: it grew, nobody contradicted it."""
    if event not in figures.CUMULATIVE_EVENTS or x_as_of is None or y_as_of is None or x_as_of == y_as_of:
        return False
    (_, early_high), (late_low, _) = (x, y) if x_as_of < y_as_of else (y, x)
    return late_low > early_high


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day_marks(dates: Sequence[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    resolved = {str(d["date"]) for d in dates if d.get("kind") in _DAY_KINDS and d.get("date")}
    wording = {str(d["text"]).lower() for d in dates if d.get("kind") in _DAY_KINDS}
    return resolved, wording


def compare_dates(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``conflict`` when both texts name days and none is the same (two calls on two days are two events)."""
    a_resolved, a_words = _day_marks(a)
    b_resolved, b_words = _day_marks(b)
    if a_resolved and b_resolved:
        status = "agree" if a_resolved & b_resolved else "conflict"
        return {"status": status, "a": sorted(a_resolved), "b": sorted(b_resolved), "basis": "resolved dates"}
    if a_words and b_words:
        status = "agree" if a_words & b_words else "conflict"
        return {"status": status, "a": sorted(a_words), "b": sorted(b_words), "basis": "wording (no publication time)"}
    return {"status": "none", "a": sorted(a_words), "b": sorted(b_words), "basis": ""}


def compare_many(
    pairs: Sequence[tuple[TextFeatures, TextFeatures]],
    *,
    pair_logits: PairLogits | None = None,
    calibration: Calibration | None = None,
    support: Calibration | None = None,
) -> list[MatchDecision]:
    """``compare`` for many pairs, with the pair scorer run once over every pair above the calibration's floor."""
    logits: list[tuple[float | None, float | None]] = [(None, None)] * len(pairs)
    if pair_logits is not None and calibration is not None:
        todo = [
            n
            for n, (a, b) in enumerate(pairs)
            if a.embedding is not None
            and b.embedding is not None
            and float(np.dot(a.embedding, b.embedding)) >= calibration.cosine_floor
        ]
        values = np.asarray(pair_logits([(pairs[n][0].text, pairs[n][1].text) for n in todo]) if todo else [])
        for n, value in zip(todo, values.tolist(), strict=True):
            logits[n] = (float(value[0]), float(value[1])) if values.ndim == 2 else (float(value), None)
    if pair_logits is None:
        calibration = support = None
    return [
        compare(a, b, pair_logit=paraphrase, support_logit=backing, calibration=calibration, support=support)
        for (a, b), (paraphrase, backing) in zip(pairs, logits, strict=True)
    ]


def compare(
    a: TextFeatures,
    b: TextFeatures,
    thresholds: Mapping[str, Thresholds] | None = None,
    *,
    pair_logit: float | None = None,
    calibration: Calibration | None = None,
    support_logit: float | None = None,
    support: Calibration | None = None,
) -> MatchDecision:
    """Decide whether ``b`` supports, contradicts or is unrelated to ``a`` (symmetric in its signals).

    With a ``calibration``, a supporting link between embedded texts is decided by its probability
    (the calibration over ``pair_logit`` and the signals) against the calibration's two thresholds;
    a pair the pair scorer did not read (below the calibration's cosine floor) is not linked. With a
    ``support`` calibration and a ``support_logit`` too, a link short of automatic is scored by the
    support probability, and one the paraphrase decision would not make needs its ``add_at`` (``_supported``).
    Without one, and for contradictions, by the cosine against ``THRESHOLDS``.
    """
    limits = dict(THRESHOLDS if thresholds is None else thresholds)
    cosine = float(np.dot(a.embedding, b.embedding)) if a.embedding is not None and b.embedding is not None else None
    shared = sorted(a.entity_keys & b.entity_keys)
    entity_overlap = (
        len(shared) / min(len(a.entity_keys), len(b.entity_keys)) if a.entity_keys and b.entity_keys else None
    )
    quantities = compare_quantities(a.quantities, b.quantities, a.as_of, b.as_of)
    dates = compare_dates(a.dates, b.dates)
    pa, pb = _polarity(a, b), _polarity(b, a)
    negation_mismatch = opposed(pa, pb)
    # Read only where polarity differs, the one case a decision uses it: it is most of compare's time, and
    # compare runs on every candidate above the cosine floor (None in the signals: not read).
    aligned = _predicates_aligned(a, b) if negation_mismatch else None
    sizes = sorted((len(set(a.words)), len(set(b.words))))
    short = sizes[0] < SHORT_WORDS
    signals: dict[str, Any] = {
        "cosine": None if cosine is None else round(cosine, 4),
        "jaccard": round(jaccard(a.words, b.words), 4),
        "containment": round(containment(a.words, b.words), 4),
        "entities_shared": shared,
        "entity_overlap": None if entity_overlap is None else round(entity_overlap, 4),
        "quantities": quantities,
        "dates": dates,
        "negation": {"a": a.negations, "b": b.negations, "mismatch": negation_mismatch, "aligned": aligned},
        "short": short,
        "length_ratio": round(sizes[0] / sizes[1], 4) if sizes[1] else 1.0,
    }
    if pair_logit is not None:
        signals["pair_logit"] = round(pair_logit, 4)
    if support_logit is not None:
        signals["support_logit"] = round(support_logit, 4)
    reasons: list[str] = []
    base = cosine if cosine is not None else float(signals["jaccard"])
    method = "semantic" if cosine is not None else "lexical"
    score = base
    if entity_overlap == 0.0:
        score -= ENTITY_PENALTY
        reasons.append(f"no shared entity (-{ENTITY_PENALTY})")
    score = round(score, 4)
    if dates["status"] == "conflict":
        reasons.append("different days: different events")
        return MatchDecision("date", "none", None, score, _fired(None, limits[method]), signals, reasons)
    stance = "supports"
    if quantities["status"] == "update":
        reasons.append(f"a later, larger count of {', '.join(quantities['events_updated'])}: an update, not evidence")
        return MatchDecision("figure", "none", None, score, _fired(None, limits["figure"]), signals, reasons)
    if quantities["status"] == "conflict":
        method, stance = "figure", "contradicts"
        reasons.append(f"conflicting figures for {', '.join(quantities['events_conflicting'])}")
    elif negation_mismatch and not aligned:
        reasons.append("one text negates a different predicate: no evidence either way")
        return MatchDecision(method, "none", None, score, _fired(None, limits[method]), signals, reasons)
    elif negation_mismatch:
        stance = "contradicts"
        reasons.append("the same predicate, affirmed in one text and negated in the other")
    limit = limits[method]
    if stance == "supports" and method == "semantic" and calibration is not None:
        if pair_logit is None:
            reasons.append(f"cosine below the calibration's floor {calibration.cosine_floor}")
            return MatchDecision(method, "none", None, score, _fired(None, limit), signals, reasons)
        calibrated = _calibrated(calibration, score >= limit.lower, short, signals, limit)
        # At the automatic level the paraphrase head has spoken (a short text there is suggested by it).
        if calibrated.threshold["name"] == "upper" or support is None or support_logit is None:
            return calibrated
        return _supported(support, calibrated, score >= limit.lower, signals, limit)
    if score >= limit.upper:
        decision, fired = "auto", _fired("upper", limit)
    elif score >= limit.lower:
        decision, fired = "suggested", _fired("lower", limit)
    else:
        return MatchDecision(method, "none", None, score, _fired(None, limit), signals, reasons)
    if decision == "auto" and short:
        decision = "suggested"
        reasons.append(f"short text (< {SHORT_WORDS} content words): suggested only")
    if decision == "auto" and method == "figure" and quantities["undated"]:
        decision = "suggested"
        reasons.append("a figure without a date may be an update over time: a reviewer confirms")
    if decision == "auto" and negation_mismatch and method != "figure":
        decision = "suggested"
        reasons.append("polarity is read from cue words: a reviewer confirms")
    return MatchDecision(method, decision, stance, score, fired, signals, reasons)


_NOT_SAME = "paraphrase probability under {}: it may back the claim, but is not read as the same fact (no group)"


def _calibrated(
    calibration: Calibration, cosine_suggests: bool, short: bool, signals: dict[str, Any], cosine: Thresholds
) -> MatchDecision:
    """A supporting link decided by its probability: automatic from ``auto_at``; suggested from ``same_at`` (the same
    fact) or where the cosine reaches the semantic ``lower`` threshold, unless the calibration prunes suggestions
    below ``suggest_at``. ``same_fact`` says which: only a same-fact pair proposes a duplicate group."""
    probability = round(calibration.probability(feature_vector(signals, calibration.features)), 4)
    signals["probability"] = probability
    prunes = calibration.prunes_suggestions
    same_at = calibration.same_at
    same = same_at is not None and probability >= same_at
    # Without pruning, a suggestion is the cosine rule's: its lower threshold is the one that fired.
    limit = Thresholds(upper=calibration.auto_at, lower=calibration.suggest_at if prunes else cosine.lower)
    extra: dict[str, Any] = {"cosine_lower": cosine.lower, "basis": "probability" if prunes else "cosine"}
    if same_at is not None:
        extra["same_at"] = same_at
    reasons = [f"calibrated probability ({calibration.source})"]
    copy = float(signals.get("jaccard") or 0.0) >= COPY_JACCARD
    if copy:
        reasons.append("the same words as the other text: a copy")
    if probability >= limit.upper or copy:
        decision = "suggested" if short else "auto"
        if short:
            reasons.append(f"short text (< {SHORT_WORDS} content words): suggested only")
        return MatchDecision("semantic", decision, "supports", probability,
                             {**_fired("upper", limit), **extra}, signals, reasons)  # fmt: skip
    if (cosine_suggests or same) and not (prunes and probability < limit.lower):
        if same and not cosine_suggests:
            extra["basis"] = "same"
        # Before ``same_at`` existed every suggestion here was read as the same fact.
        fact = same if same_at is not None else True
        if not fact:
            reasons.append(_NOT_SAME.format(same_at))
        return MatchDecision("semantic", "suggested", "supports", probability,
                             {**_fired("lower", limit), **extra, "same_fact": fact}, signals, reasons)  # fmt: skip
    return MatchDecision("semantic", "none", None, probability, {**_fired(None, limit), **extra}, signals, reasons)


def _supported(
    support: Calibration,
    paraphrase: MatchDecision,
    cosine_suggests: bool,
    signals: dict[str, Any],
    cosine: Thresholds,
) -> MatchDecision:
    """A supporting link short of automatic, decided by the support head's calibrated probability.

    A report supports a claim when it says what the claim says, though it may say more; the paraphrase
    head, trained on pairs that say the same and only that, ranks such reports below cosine
    (``bench/support.py``). A pair the paraphrase decision would suggest is suggested where the support
    probability reaches ``support.suggest_at`` (the last suggestions shown still right one time in three),
    where the paraphrase probability reads it as the same fact (``same_at``) or, without pruning, where
    the cosine rule suggests it. Its ``same_fact`` is the paraphrase decision's. A pair only the support
    head backs is suggested from the stricter ``support.add_at``, where such pairs were right at least
    half the time on validation: on the sample story, at ``suggest_at`` they were mostly topical
    neighbours (the same talks, another statement), not support. The probability is the link's score,
    so suggestions are listed best first by it. ``upper`` stays the paraphrase calibration's
    ``auto_at``: only that head links without a reviewer.
    """
    probability = round(support.probability(feature_vector(signals, support.features)), 4)
    signals["support_probability"] = probability
    auto_at = float(paraphrase.threshold["upper"])
    lower = support.suggest_at if paraphrase.linked else support.add_at
    limit = Thresholds(upper=auto_at, lower=lower)
    extra = {"cosine_lower": cosine.lower, "basis": "support", "same_fact": paraphrase.same_fact}
    if "same_at" in paraphrase.threshold:
        extra["same_at"] = paraphrase.threshold["same_at"]
    reasons = [f"calibrated support probability ({support.source})"]
    if paraphrase.linked and not paraphrase.same_fact:
        reasons.append(_NOT_SAME.format(paraphrase.threshold["same_at"]))
    if probability >= lower:
        return MatchDecision("semantic", "suggested", "supports", probability, {**_fired("lower", limit), **extra},
                             signals, reasons)  # fmt: skip
    if paraphrase.threshold.get("basis") == "same":
        # The paraphrase head reads it as the same fact, below the cosine rule: a duplicate backs its claim.
        reasons.append(f"paraphrase probability at least {paraphrase.threshold['same_at']}")
        fired = {**_fired("lower", Thresholds(upper=auto_at, lower=lower)), **extra, "basis": "support+same"}
        return MatchDecision("semantic", "suggested", "supports", probability, fired, signals, reasons)
    if cosine_suggests and not support.prunes_suggestions:
        reasons.append(f"cosine at least {cosine.lower}")
        fired = {**_fired("lower", Thresholds(upper=auto_at, lower=cosine.lower)), **extra, "basis": "support+cosine"}
        return MatchDecision("semantic", "suggested", "supports", probability, fired, signals, reasons)
    return MatchDecision("semantic", "none", None, probability, {**_fired(None, limit), **extra}, signals, reasons)


def stance(a: TextFeatures, b: TextFeatures) -> str:
    """The stance of ``b`` towards ``a`` once they are about the same thing, by the rules ``compare`` applies.

    ``contradicts`` when figures of one count cannot both hold, or when the same predicate is
    affirmed in one and negated in the other; otherwise ``supports``.
    """
    if compare_quantities(a.quantities, b.quantities, a.as_of, b.as_of)["status"] == "conflict":
        return "contradicts"
    if opposed(_polarity(a, b), _polarity(b, a)) and _predicates_aligned(a, b):
        return "contradicts"
    return "supports"


def _polarity(features: TextFeatures, other: TextFeatures) -> Polarity:
    # The cues are stored; the parity of those bearing on the other text is the polarity ("did not refuse" affirms).
    return relevant(features.negations, other.words)


@lru_cache(maxsize=1 << 16)
def _folded(word: str) -> str:
    # Every comparison folds every word of both texts: a match job's 40,000 pairs repeat a few thousand words.
    return fold(word)


@lru_cache(maxsize=1 << 16)
def _lemma(word: str) -> str:
    # Predicates are compared by lemma: "Hamas sent a delegation" and "Hamas refused to send a delegation" share
    # "send", "met" and "did not meet" share "meet". A dictionary, so irregular forms are found too.
    return str(simplemma.lemmatize(word, lang="en"))


def _predicates_aligned(a: TextFeatures, b: TextFeatures) -> bool:
    """Whether the two texts say the same thing apart from polarity: their words other than cues and names.

    Names are left out because they say who and where, not what: "Hamas did not send a delegation to
    Doha" and "Hamas sent a statement to Doha" share Hamas and Doha but not the predicate. The negated
    text's own clause (``negated_words``) must also hold the other's predicate, not just its sentence.
    """
    # A noun negator's noun ("no details") is content, not cue.
    cues = (*a.negations, *b.negations)
    cue_words = {w for cue in cues for w in (cue.split()[:1] if negated_noun(cue) else cue.split())}
    keys = a.entity_keys | b.entity_keys

    def is_name(word: str) -> bool:
        # Keys are folded names without spaces ("alibaqerikani"): a word is part of a name it spells out.
        folded = _folded(word)
        return len(folded) >= 3 and any(folded in key for key in keys)

    def predicate(words: list[str]) -> list[str]:
        return [w for w in words if w not in cue_words and not is_negator(w) and not is_name(w)]

    def said(left: list[str], right: list[str]) -> bool:
        # Word for word, or lemma for lemma where more must match ("sent" and "send" align "Hamas sent a
        # delegation" with "Hamas refused to send a delegation"; "sent a statement" is still another predicate).
        if not (left and right):
            return False
        lemmas = containment([_lemma(w) for w in left], [_lemma(w) for w in right])
        return containment(left, right) >= POLARITY_ALIGNMENT or lemmas >= LEMMA_ALIGNMENT

    left, right = predicate(a.words), predicate(b.words)
    if not said(left, right):
        return False
    # The negated text's own clause must say it too, not only the clauses around it: "refused to send a
    # delegation after Israel killed its chief" does not deny that Israel killed him.
    negated, other = (a, right) if _polarity(a, b).negative else (b, left)
    return negated.negated_words is None or said(predicate(negated.negated_words), other)


def _fired(name: str | None, limit: Thresholds) -> dict[str, Any]:
    value = None if name is None else getattr(limit, name)
    return {"name": name, "value": value, "upper": limit.upper, "lower": limit.lower}
