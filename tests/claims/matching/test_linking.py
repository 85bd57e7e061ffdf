"""Groups that keep different events apart; the band rows that make candidates."""

from __future__ import annotations

import numpy as np

from claims.matching import scoring
from claims.matching.linking import METHOD_IDS, Item, Link, Matcher, near_duplicate_groups, scorer_pairs
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


def _waiting(partners: dict[int, list[int]]) -> dict[tuple[int, int], float]:
    """Cosines of every partner pair, made up from the ids so that each claim has its own order."""
    rng = np.random.default_rng(3)
    pairs = sorted({(min(a, b), max(a, b)) for a, mine in partners.items() for b in mine})
    return {pair: float(c) for pair, c in zip(pairs, rng.uniform(0.5, 1.0, len(pairs)), strict=True)}


def test_the_pair_scorer_reads_each_claims_closest_partners_and_no_more_than_its_cap():
    partners = {1: [10, 11, 12, 13, 14, 15], 2: [10, 11], 3: [14, 1]}
    waiting = _waiting(partners)

    read = scorer_pairs(partners, waiting, cap=2)

    closest_of_1 = sorted(partners[1], key=lambda b: -waiting[(1, b)])[:2]
    assert {pair for pair in read if 1 in pair} >= {(1, b) for b in closest_of_1}
    assert {(1, b) for b in partners[1]} - read  # the cap binds: 1 has six partners waiting
    assert len(read) <= 2 * len(partners)


def test_the_pairs_read_are_the_same_whether_claims_are_matched_at_once_or_in_chunks():
    partners = {a: [b for b in range(1, 13) if b != a and (a * b) % 5 != 1] for a in range(1, 13)}
    waiting = _waiting(partners)
    assert all(len(mine) > 3 for mine in partners.values())  # every claim has more waiting partners than the cap

    at_once = scorer_pairs(partners, waiting, cap=3)
    chunks = [range(1, 5), range(5, 9), range(9, 13)]
    in_chunks = set().union(
        *(
            scorer_pairs(
                {a: partners[a] for a in chunk},
                {p: c for p, c in waiting.items() if p[0] in chunk or p[1] in chunk},
                cap=3,
            )
            for chunk in chunks
        )
    )

    assert in_chunks == at_once
    assert len(at_once) < len(waiting)


def test_ties_in_cosine_go_to_the_lower_id():
    assert scorer_pairs({5: [9, 7, 8]}, {(5, 7): 0.8, (5, 8): 0.8, (5, 9): 0.8}, cap=1) == {(5, 7)}


def test_with_an_exact_floor_a_close_pair_in_no_shared_band_is_a_candidate():
    rng = np.random.default_rng(10)  # a draw where the two share no band: most do, at this angle
    a = rng.standard_normal(DIM)
    a /= np.linalg.norm(a)
    noise = rng.standard_normal(DIM)
    noise -= (noise @ a) * a
    noise /= np.linalg.norm(noise)
    b = 0.6 * a + 0.8 * noise  # cosine 0.6: above the floor, and on the other side of many planes
    far = noise  # cosine 0 to a
    texts = ["Talks resumed in Doha on Monday.", "Negotiators met again in Qatar.", "Markets closed higher."]
    vectors = [a, b, far]
    items = [
        Item(n, f"article-{n}", scoring.features(t, embedding=v.astype(np.float32)))
        for n, (t, v) in enumerate(zip(texts, vectors, strict=True))
    ]
    assert (0, 1) not in Matcher().candidates(items)

    pairs = Matcher(exact_floor=0.5).candidates(items)

    assert pairs[(0, 1)] == {"semantic"}
    assert (0, 2) not in pairs  # cosine 0: neither band rows nor the floor
