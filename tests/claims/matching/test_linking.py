"""Groups that keep different events apart; the band rows that make candidates."""

from __future__ import annotations

import numpy as np

from claims.matching import scoring
from claims.matching.linking import METHOD_IDS, Item, Link, Matcher, near_duplicate_groups
from claims.matching.scoring import MatchDecision
from claims.matching.semantic import DIM, HyperplaneLSH


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


def test_a_matcher_with_probes_pairs_texts_either_side_of_an_uncertain_plane():
    planes = HyperplaneLSH(probes=1)
    v = np.random.default_rng(4).standard_normal(DIM)
    p = planes.planes[7].astype(np.float64) / np.linalg.norm(planes.planes[7])
    # Embeddings just either side of plane 7 (band 0), equal on every other plane.
    sides = [((v - (v @ p) * p) + s * 1e-4 * p).astype(np.float32) for s in (1, -1)]
    texts = ["Talks resumed in Doha on Monday.", "Negotiators met again in Qatar."]
    items = [
        Item(n, f"article-{n}", scoring.features(t, embedding=e))
        for n, (t, e) in enumerate(zip(texts, sides, strict=True))
    ]

    def shared_bands(matcher: Matcher) -> set[int]:
        one, other = matcher.rows_for(items)
        return {band for method, band, _ in set(one) & set(other) if method == METHOD_IDS["semantic"]}

    rows = Matcher(planes=planes).rows_for(items)[0]
    assert sum(1 for method, _, _ in rows if method == METHOD_IDS["semantic"]) == 64  # two keys in each of 32 bands
    assert shared_bands(Matcher()) == set(range(1, 32))
    assert shared_bands(Matcher(planes=planes)) == set(range(32))
