"""Groups that keep different events apart."""

from __future__ import annotations

from claims.matching.linking import Link, near_duplicate_groups
from claims.matching.scoring import MatchDecision


def _link(a: int, b: int, score: float, decision: str = "suggested") -> Link:
    return Link(a, b, ["semantic"], MatchDecision("semantic", decision, "supports", score, {}))


def test_a_chain_of_similar_wordings_does_not_join_two_events_kept_apart():
    links = [_link(1, 2, 0.70), _link(2, 3, 0.65), _link(3, 4, 0.90)]
    assert near_duplicate_groups([1, 2, 3, 4], links, "suggested") == [[1, 2, 3, 4]]
    groups = near_duplicate_groups([1, 2, 3, 4], links, "suggested", apart=[(1, 4)])
    # The strongest links join first (3-4, then 1-2); 2-3 would join 1 with 4 and is skipped.
    assert groups == [[1, 2], [3, 4]]


def test_auto_grouping_ignores_suggested_links():
    links = [_link(1, 2, 0.97, "auto"), _link(2, 3, 0.70)]
    assert near_duplicate_groups([1, 2, 3], links) == [[1, 2]]
