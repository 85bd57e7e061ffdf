"""Exact cosine candidates: the closest partners at the floor, whatever band rows they share."""

from __future__ import annotations

import numpy as np

from claims.matching.exact import ExactIndex, close_pairs, closest_partners


def unit(angle: float) -> np.ndarray:
    return np.array([np.cos(angle), np.sin(angle), 0.0], dtype=np.float32)


# Cosines to claim 1: claim 2 0.95, claim 3 0.80, claim 4 0.60, claim 5 0.20.
INDEX = ExactIndex.of({1: unit(0.0), 2: unit(np.arccos(0.95)), 3: unit(np.arccos(0.8)), 4: unit(np.arccos(0.6)),
                       5: unit(np.arccos(0.2))}, floor=0.5)  # fmt: skip
NOTHING = np.array([], dtype=np.int64)


def test_partners_come_closest_first_and_stop_at_the_floor():
    assert closest_partners(INDEX, [1], {1: np.array([1])}, cap=10) == {1: [2, 3, 4]}


def test_the_cap_keeps_the_closest():
    assert closest_partners(INDEX, [1], {1: np.array([1])}, cap=2) == {1: [2, 3]}


def test_excluded_claims_such_as_the_claims_own_article_are_never_partners():
    assert closest_partners(INDEX, [1], {1: np.array([1, 2])}, cap=10) == {1: [3, 4]}


def test_a_claim_without_a_stored_vector_has_no_exact_partners():
    assert closest_partners(INDEX, [9], {9: NOTHING}, cap=10) == {}


def test_close_pairs_are_those_at_the_floor_with_both_vectors_stored():
    assert close_pairs(INDEX, {(1, 2), (1, 4), (1, 5), (1, 9)}) == {(1, 2), (1, 4)}
