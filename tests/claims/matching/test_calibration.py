"""Calibration: a logistic fit over the pair scorer's logit and the signals, and the thresholds chosen out of fold."""

from __future__ import annotations

import numpy as np
import pytest

from claims.matching import calibration
from claims.matching.calibration import Calibration, feature_vector


def separable(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right pairs have a higher logit, with noise: most are told apart, some are not."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(float)
    logit = np.where(y == 1, 2.0, -2.0) + rng.normal(0, 1.5, n)
    other = rng.normal(0, 1, (n, len(calibration.FEATURES) - 1))
    return np.column_stack([logit, other]), y


def test_the_fit_weighs_the_informative_feature_and_not_the_noise():
    x, y = separable(4000)

    weights, _ = calibration.fit(x, y)

    assert weights[0] > 1.0
    assert np.all(np.abs(weights[1:]) < 0.2)


def test_automatic_links_start_where_out_of_fold_precision_reaches_095():
    x, y = separable()

    fitted = calibration.calibrate(x.tolist(), y.tolist(), [0.8] * len(y), source="synthetic")

    assert 0.5 < fitted.auto_at < 1.0
    assert fitted.validation["auto_precision"] >= calibration.AUTO_PRECISION
    assert 0 < fitted.validation["auto_recall"] < 1
    assert fitted.suggest_at < fitted.auto_at


def test_when_no_threshold_is_precise_enough_nothing_is_linked_automatically():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (300, len(calibration.FEATURES)))
    y = (rng.random(300) < 0.5).astype(float)  # labels unrelated to the features

    fitted = calibration.calibrate(x.tolist(), y.tolist(), [0.5] * 300, source="noise")

    assert fitted.auto_at > 1.0
    assert fitted.validation["auto_links"] == 0


def test_lowest_threshold_is_the_first_whose_links_are_right_often_enough():
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1], dtype=float)

    assert calibration.lowest_threshold(p, y, 0.9, minimum=1) == 0.61
    assert calibration.lowest_threshold(p, y, 1.01, minimum=1) is None


def test_suggestions_stop_where_the_weakest_are_right_less_than_one_time_in_three():
    p = np.repeat([0.05, 0.15, 0.25, 0.35], 30)
    y = np.concatenate([np.zeros(30), np.r_[np.ones(5), np.zeros(25)], np.r_[np.ones(12), np.zeros(18)], np.ones(30)])

    # [0.15, 0.25) is right 1 in 6; [0.25, 0.35) 12 in 30 (0.4): suggestions start there.
    assert calibration.marginal_threshold(p, y, width=0.1) == 0.16


def test_the_same_fact_decision_is_where_f1_is_highest():
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1], dtype=float)

    # From 0.3: 5 right of 6 called, all 5 found (F1 0.909); from 0.5: 4 of 4, 4 of 5 (0.889).
    assert calibration.f1_threshold(p, y) == 0.21
    assert calibration.f1_threshold(p, y, lowest=0.35) == 0.41


def test_a_calibration_reads_the_same_fact_no_lower_than_where_suggestions_stop():
    x, y = separable()

    fitted = calibration.calibrate(x.tolist(), y.tolist(), [0.8] * len(y), source="synthetic")

    assert fitted.suggest_at <= fitted.same_at < fitted.auto_at  # type: ignore[operator]
    assert fitted.validation["same_precision"] > 0.8
    assert fitted.validation["same_recall"] > 0.8


def test_a_calibration_made_before_the_same_fact_decision_has_none():
    older = {"weights": [1.0], "bias": 0.0, "auto_at": 0.9, "suggest_at": 0.3, "cosine_floor": 0.5, "source": "x"}

    assert Calibration.from_dict(older).same_at is None


def test_the_cosine_floor_keeps_99_percent_of_the_right_pairs():
    cosines = np.concatenate([np.linspace(0.5, 0.95, 200), np.linspace(0.0, 0.4, 100)])
    y = np.concatenate([np.ones(200), np.zeros(100)])

    assert calibration.cosine_floor(cosines, y) == 0.5


def test_features_are_read_from_the_decision_signals():
    signals = {
        "pair_logit": 3.5,
        "cosine": 0.9,
        "jaccard": 0.4,
        "containment": 0.6,
        "entity_overlap": 0.0,
        "quantities": {"status": "agree"},
        "dates": {"status": "conflict"},
        "negation": {"mismatch": True},
        "short": False,
        "length_ratio": 0.5,
    }

    values = dict(zip(calibration.FEATURES, feature_vector(signals), strict=True))

    assert values == {
        "pair_logit": 3.5, "cosine": 0.9, "jaccard": 0.4, "containment": 0.6, "no_shared_entity": 1.0,
        "figures_agree": 1.0, "dates_agree": 0.0, "dates_conflict": 1.0, "polarity_opposed": 1.0, "short": 0.0,
        "length_ratio": 0.5,
    }  # fmt: skip


def test_a_calibration_survives_a_round_trip_through_json():
    fitted = Calibration((1.0, -0.5), 0.25, auto_at=0.9, suggest_at=0.3, cosine_floor=0.45, source="x",
                         features=("pair_logit", "cosine"), validation={"pairs": 3}, same_at=0.4)  # fmt: skip

    again = Calibration.from_dict(fitted.as_dict())

    assert again == fitted
    assert again.probability([0.0, 0.0]) == pytest.approx(1 / (1 + np.exp(-0.25)))
