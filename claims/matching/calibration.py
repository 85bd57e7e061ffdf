"""From a candidate pair's signals to a probability that it links, and the two probabilities that decide.

A logistic regression over the pair scorer's logit and the signals ``scoring.compare`` already
computes (cosine, word overlap, names, figures, dates, polarity, length). It is fitted on pairs
the pair scorer never trained on: the validation part of the training data for the calibration
shipped in ``weights/``, or the confirm and reject decisions of an installation's reviewers.

Two thresholds come with it, both chosen on out-of-fold probabilities of the data it was fitted
on, so they are not read off the fit itself:
- ``auto_at``: the lowest probability from which at least ``AUTO_PRECISION`` of links are right;
  from there a link is made without a reviewer.
- ``suggest_at``: below it fewer than one in three suggestions would be right (``SUGGEST_PRECISION``),
  so nothing is suggested. Suggestions are still made only where the cosine reaches the semantic
  ``lower`` threshold: the probability prunes wrong ones, it does not reach below it.
- ``same_at``: the "same fact or not" decision, where F1 is highest (a paraphrase set's question).
  A pair from there is read as saying the same thing: suggested even below the cosine rule, and
  the only kind of suggestion that proposes a duplicate group. Below it a cosine-rule suggestion may
  still back the claim (a report that says more), but is not read as a duplicate.
No Django here: the database keeps calibrations as rows (``claims.models.ScorerCalibration``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FEATURES = (
    "pair_logit",
    "cosine",
    "jaccard",
    "containment",
    "no_shared_entity",
    "figures_agree",
    "dates_agree",
    "dates_conflict",
    "polarity_opposed",
    "short",
    "length_ratio",
)
# The support calibration reads the support head's logit instead of the paraphrase head's; figures, dates and
# polarity are left out: they decide before it (an update, a conflict or another day is never support).
SUPPORT_FEATURES = (
    "support_logit",
    "cosine",
    "jaccard",
    "containment",
    "no_shared_entity",
    "short",
    "length_ratio",
)
AUTO_PRECISION = 0.95
SUGGEST_PRECISION = 1 / 3
ADD_PRECISION = 0.5  # a suggestion only the support head makes: right at least half the time
MIN_AUTO_LINKS = 20  # fewer right links than this above a threshold say nothing about its precision
DEFAULT_PATH = Path(__file__).resolve().parent / "weights" / "pair-scorer-v2.calibration.json"
SUPPORT_PATH = Path(__file__).resolve().parent / "weights" / "pair-scorer-v2.support.json"
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Calibration:
    weights: tuple[float, ...]
    bias: float
    auto_at: float
    suggest_at: float
    cosine_floor: float  # pairs below this cosine were (almost) never right: not worth the pair scorer
    source: str
    features: tuple[str, ...] = FEATURES
    validation: dict[str, Any] = field(default_factory=dict)
    # Whether suggestions below ``suggest_at`` are dropped. Only for a calibration fitted on this
    # installation's own decisions: the shipped one was fitted on public paraphrase pairs, and there
    # ``suggest_at`` drops true reports of the sample story ("Hamas has refused to participate in
    # these talks" for "Hamas refused to send a delegation", p = 0.23), so it only orders them.
    prunes_suggestions: bool = False
    # A support calibration's bar for a pair only the support head backs (``scoring._supported``); 1.01: never.
    add_at: float = 1.01
    # The same-fact decision (F1-optimal); None for calibrations made before it: the cosine rule decides.
    same_at: float | None = None

    def probability(self, vector: Sequence[float]) -> float:
        z = self.bias + float(np.dot(self.weights, vector))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            auto_at=float(data["auto_at"]),
            suggest_at=float(data["suggest_at"]),
            cosine_floor=float(data["cosine_floor"]),
            source=str(data["source"]),
            features=tuple(data.get("features", FEATURES)),
            validation=dict(data.get("validation", {})),
            prunes_suggestions=bool(data.get("prunes_suggestions", False)),
            add_at=float(data.get("add_at", 1.01)),
            same_at=None if data.get("same_at") is None else float(data["same_at"]),
        )


@lru_cache(maxsize=4)
def shipped(path: Path = DEFAULT_PATH) -> Calibration | None:
    """The calibration written by scripts/train_pair_scorer.py, or None when there is none.

    Read once per process: the matcher asks for it on every chunk, and it changes only with a release.
    """
    if not path.is_file():
        return None
    return Calibration.from_dict(json.loads(path.read_text(encoding="utf-8")))


def shipped_support(path: Path = SUPPORT_PATH) -> Calibration | None:
    """The support head's calibration (``weights/pair-scorer-v2.support.json``): which suggestions are made."""
    return shipped(path)


def feature_vector(signals: Mapping[str, Any], features: Sequence[str] = FEATURES) -> list[float]:
    """The calibration's inputs from ``MatchDecision.signals`` (which carries ``pair_logit`` when scored)."""
    negation = signals.get("negation") or {}
    quantities = signals.get("quantities") or {}
    dates = signals.get("dates") or {}
    values = {
        "pair_logit": float(signals.get("pair_logit") or 0.0),
        "support_logit": float(signals.get("support_logit") or 0.0),
        "cosine": float(signals.get("cosine") or 0.0),
        "jaccard": float(signals.get("jaccard") or 0.0),
        "containment": float(signals.get("containment") or 0.0),
        "no_shared_entity": float(signals.get("entity_overlap") == 0.0),
        "figures_agree": float(quantities.get("status") == "agree"),
        "dates_agree": float(dates.get("status") == "agree"),
        "dates_conflict": float(dates.get("status") == "conflict"),
        "polarity_opposed": float(bool(negation.get("mismatch"))),
        "short": float(bool(signals.get("short"))),
        "length_ratio": float(signals.get("length_ratio") or 1.0),
    }
    return [values[name] for name in features]


def fit(x: F64, y: F64, l2: float = 1.0, iterations: int = 50) -> tuple[F64, float]:
    """L2-penalised logistic regression by Newton's method (the bias is not penalised)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -50, 50)))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def out_of_fold(x: F64, y: F64, folds: int = 5, seed: int = 0) -> F64:
    """Each row's probability from a fit on the other folds."""
    assignment = np.random.default_rng(seed).permutation(len(x)) % folds
    out = np.zeros(len(x))
    for k in range(folds):
        held = assignment == k
        weights, bias = fit(x[~held], y[~held])
        out[held] = 1.0 / (1.0 + np.exp(-np.clip(x[held] @ weights + bias, -50, 50)))
    return out


def lowest_threshold(p: F64, y: F64, precision: float, minimum: int = MIN_AUTO_LINKS) -> float | None:
    """The lowest probability t such that pairs at or above t are right at least ``precision`` of the time."""
    for t in np.round(np.arange(0.0, 1.0, 0.01), 2):
        chosen = p >= t
        if int(chosen.sum()) >= minimum and float(y[chosen].mean()) >= precision:
            return float(t)
    return None


def marginal_threshold(p: F64, y: F64, precision: float = SUGGEST_PRECISION, width: float = 0.1) -> float:
    """Where suggestions stop: the lowest t at which pairs in [t, t + width) are right ``precision`` of the time.

    This is the precision of the last suggestions made, not of all of them: a reviewer looking at
    the weakest suggestion shown should find it right at least one time in three.
    """
    for t in np.round(np.arange(0.0, 1.0, 0.01), 2):
        band = (p >= t) & (p < t + width)
        if int(band.sum()) >= 10 and float(y[band].mean()) >= precision:
            return float(t)
    return 1.0


def f1_threshold(p: F64, y: F64, lowest: float = 0.0) -> float:
    """The probability from which calling a pair "the same" gives the highest F1 (the lowest such, from ``lowest``)."""

    def f1(t: float) -> float:
        chosen = p >= t
        return 2 * float(y[chosen].sum()) / max(float(chosen.sum()) + float(y.sum()), 1.0)

    grid = [float(t) for t in np.round(np.arange(0.0, 1.0, 0.01), 2) if t >= lowest]
    return max(grid, key=lambda t: (f1(t), -t))


def cosine_floor(cosines: F64, y: F64, keep: float = 0.99) -> float:
    """A cosine below which fewer than 1% of the right pairs fall (rounded down to 0.05)."""
    right = np.sort(cosines[y >= 0.5])
    if not len(right):
        return 0.0
    value = float(right[math.floor((1 - keep) * len(right))])
    return math.floor(value * 20) / 20


def calibrate(
    vectors: Sequence[Sequence[float]],
    labels: Sequence[float],
    cosines: Sequence[float],
    source: str,
    suggestible: Sequence[bool] | None = None,
    prunes_suggestions: bool = False,
    features: Sequence[str] = FEATURES,
) -> Calibration:
    """Fit on all rows; thresholds and the figures reported from out-of-fold probabilities.

    ``suggestible`` marks the pairs the cosine thresholds would suggest: suggestions are made only
    among those (``scoring.compare``), so where they stop is read among those.
    """
    x = np.asarray(vectors, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    eligible = np.ones(len(y), bool) if suggestible is None else np.asarray(suggestible, dtype=bool)
    held = out_of_fold(x, y)
    auto_at = lowest_threshold(held, y, AUTO_PRECISION)
    suggest_at = marginal_threshold(held[eligible], y[eligible])
    # Never below where suggestions stop: a same-fact pair is always worth a reviewer's look.
    same_at = f1_threshold(held, y, lowest=suggest_at)
    weights, bias = fit(x, y)
    auto = held >= (auto_at if auto_at is not None else 2.0)
    linked = auto | (eligible & (held >= suggest_at if prunes_suggestions else eligible))
    same = held >= same_at
    validation = {
        "pairs": len(y),
        "right": int(y.sum()),
        "auto_links": int(auto.sum()),
        "auto_precision": _ratio(y[auto].sum(), auto.sum()),
        "auto_recall": _ratio(y[auto].sum(), y.sum()),
        "linked_precision": _ratio(y[linked].sum(), linked.sum()),
        "linked_recall": _ratio(y[linked].sum(), y.sum()),
        "same_precision": _ratio(y[same].sum(), same.sum()),
        "same_recall": _ratio(y[same].sum(), y.sum()),
        "brier": round(float(np.mean((held - y) ** 2)), 4),
    }
    return Calibration(
        weights=tuple(round(float(w), 6) for w in weights),
        bias=round(bias, 6),
        # No threshold reaches the precision: nothing is linked without a reviewer.
        auto_at=auto_at if auto_at is not None else 1.01,
        suggest_at=suggest_at,
        cosine_floor=cosine_floor(np.asarray(cosines, dtype=np.float64), y),
        source=source,
        validation=validation,
        prunes_suggestions=prunes_suggestions,
        features=tuple(features),
        same_at=same_at,
    )


def _ratio(a: float, b: float) -> float:
    return round(float(a) / float(b), 4) if b else 0.0
