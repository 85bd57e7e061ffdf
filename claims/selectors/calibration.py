"""Which calibrations decide links now: the installation's active one, else those shipped with the pair scorer."""

from __future__ import annotations

from typing import Any

from claims.matching import calibration
from claims.matching.calibration import Calibration
from claims.models import Evidence, EvidenceDecisionChoice, EvidenceMethod, ScorerCalibration, Stance


def calibration_current() -> Calibration | None:
    """The calibration that decides automatic links (and, once fitted here, suggestions too)."""
    return calibrations_current()[0]


def calibrations_current() -> tuple[Calibration | None, Calibration | None]:
    """(links, support) in one query: the calibration of automatic links and the support head's.

    The support calibration decides suggestions beside the shipped one; it is None once this
    installation has its own calibration, fitted on its reviewers' confirm and reject decisions,
    which are decisions about support, so that one decides suggestions itself.
    """
    row = ScorerCalibration.objects.filter(active=True).only("fitted").first()
    if row is not None:
        return Calibration.from_dict(row.fitted), None
    return calibration.shipped(), calibration.shipped_support()


def calibration_decided_pairs() -> list[tuple[dict[str, Any], bool]]:
    """Each machine-suggested supporting pair a reviewer confirmed or rejected: (its signals, confirmed).

    A pair's two evidence rows (one on each claim) share one details object, so a pair counts
    once; its label is confirmed when a reviewer confirmed either row and rejected neither.
    """
    rows = (
        Evidence.objects.filter(
            method=EvidenceMethod.SEMANTIC,
            stance=Stance.SUPPORTS,
            decision__in=[EvidenceDecisionChoice.CONFIRMED, EvidenceDecisionChoice.REJECTED],
            details__signals__has_key="pair_logit",
        )
        .order_by("id")
        .values_list("decision", "details")
    )
    pairs: dict[tuple[int, int], tuple[dict[str, Any], set[str]]] = {}
    for decision, details in rows:
        pair = details.get("pair") or {}
        key = (int(pair.get("a", 0)), int(pair.get("b", 0)))
        _, decisions = pairs.setdefault(key, (dict(details.get("signals") or {}), set()))
        decisions.add(str(decision))
    return [(signals, EvidenceDecisionChoice.REJECTED not in decisions) for signals, decisions in pairs.values()]
