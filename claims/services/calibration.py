"""Recalibrate link probabilities from this installation's reviewers' confirm and reject decisions.

The shipped calibration was fitted on public paraphrase pairs, where two in three pairs are
paraphrases; an installation's candidates are mostly unrelated and its reviewers have their own
bar. Once reviewers have decided enough suggestions, a calibration fitted on their decisions
replaces it: the same features, and the support head's logit when every decided pair carries one
(their decisions are decisions about support), thresholds chosen out of fold
(``claims.matching.calibration``). It then decides suggestions by itself, without the shipped
support calibration (``calibration_selectors.calibrations_current``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from claims.matching import calibration
from claims.matching.pair_scorer import ADAPTER_NAME
from claims.models import CalibrationSource, ScorerCalibration
from claims.selectors import calibration as calibration_selectors

MIN_DECISIONS = 200  # decided pairs before a recalibration is trusted over the shipped one
MIN_EACH = 30  # of each kind, confirmed and rejected: thresholds need both


@dataclass(frozen=True, slots=True)
class RecalibrationOutcome:
    calibration: ScorerCalibration | None
    decided: int
    confirmed: int
    reason: str


@transaction.atomic
def calibration_fit_from_reviews(*, minimum: int = MIN_DECISIONS, minimum_each: int = MIN_EACH) -> RecalibrationOutcome:
    """Fit on every decided suggestion and make the fit the active calibration, if there are enough decisions."""
    pairs = calibration_selectors.calibration_decided_pairs()
    confirmed = sum(1 for _, right in pairs if right)
    rejected = len(pairs) - confirmed
    if len(pairs) < minimum or min(confirmed, rejected) < minimum_each:
        reason = (
            f"{len(pairs)} decided suggestions ({confirmed} confirmed, {rejected} rejected); "
            f"a recalibration needs {minimum}, with {minimum_each} of each"
        )
        return RecalibrationOutcome(None, len(pairs), confirmed, reason)
    features = _features(pairs)
    fitted = calibration.calibrate(
        [calibration.feature_vector(signals, features) for signals, _ in pairs],
        [1.0 if right else 0.0 for _, right in pairs],
        [float(signals.get("cosine") or 0.0) for signals, _ in pairs],
        source=f"reviewers' decisions on {len(pairs)} suggestions",
        prunes_suggestions=True,
        features=features,
    )
    # Lock the active row so that two recalibrations at once cannot both deactivate it and collide.
    ScorerCalibration.objects.select_for_update().filter(active=True).update(active=False)
    row = ScorerCalibration.objects.create(
        source=CalibrationSource.REVIEWERS,
        scorer=ADAPTER_NAME,
        active=True,
        fitted=fitted.as_dict(),
        validation=fitted.validation,
    )
    return RecalibrationOutcome(row, len(pairs), confirmed, "recalibrated")


def _features(pairs: Sequence[tuple[Mapping[str, Any], bool]]) -> tuple[str, ...]:
    """The shipped features, and the support logit when every pair was scored by a scorer with a support head."""
    if pairs and all("support_logit" in signals for signals, _ in pairs):
        return (*calibration.FEATURES, "support_logit")
    return calibration.FEATURES
