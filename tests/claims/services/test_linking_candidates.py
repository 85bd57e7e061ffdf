"""Candidate lookup through the band-row index: each claim's top partners in other articles, live ones only."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import User

from claims.matching.linking import METHOD_IDS
from claims.matching.semantic import sketch_distance
from claims.models import Claim, Job, MatchKey
from claims.services import edits as edit_services
from claims.services import indexing as indexing_services
from claims.services import linking as linking_services
from tests.claims.helpers import all_claim_ids

pytestmark = pytest.mark.django_db

METHOD_NAMES = {v: name for name, v in METHOD_IDS.items()}


def shared_rows(claim: Claim) -> tuple[Counter[int], dict[int, set[str]]]:
    """Counted in Python from the stored rows: band rows each other claim shares with this one, and their kinds."""
    own = set(MatchKey.objects.filter(claim=claim).values_list("method", "band", "key"))
    counts: Counter[int] = Counter()
    kinds: dict[int, set[str]] = {}
    for other, method, band, key in MatchKey.objects.exclude(claim=claim).values_list(
        "claim_id", "method", "band", "key"
    ):
        if (method, band, key) in own:
            counts[other] += 1
            kinds.setdefault(other, set()).add(METHOD_NAMES[method])
    return counts, kinds


def sketches() -> dict[int, tuple[int, int] | None]:
    rows = MatchKey.objects.values_list("claim_id", "sketch_hi", "sketch_lo").distinct()
    return {c: None if hi is None or lo is None else (hi, lo) for c, hi, lo in rows}


def expected_partners(claim: Claim, cap: int) -> dict[int, set[str]]:
    """The oracle: closest sketches first, then most shared rows, then lower id."""
    counts, kinds = shared_rows(claim)
    eligible = set(
        Claim.objects.filter(deleted_at__isnull=True).exclude(article_id=claim.article_id).values_list("pk", flat=True)
    )
    sketch = sketches()

    def rank(other: int) -> tuple[float, int, int]:
        mine, theirs = sketch[claim.pk], sketch[other]
        distance = math.inf if mine is None or theirs is None else sketch_distance(mine, theirs)
        return (distance, -counts[other], other)

    ranked = sorted((c for c in counts if c in eligible), key=rank)
    return {c: kinds[c] for c in ranked[:cap]}


def found_partners(claim: Claim) -> dict[int, set[str]]:
    pairs = linking_services._candidate_pairs([claim.pk])
    return {(b if a == claim.pk else a): via for (a, b), via in pairs.items()}


def claim_whose_best_partner_is_in_its_own_article() -> Claim:
    sketch = sketches()
    for claim in Claim.objects.filter(deleted_at__isnull=True).order_by("id"):
        counts, _ = shared_rows(claim)
        if not counts:
            continue
        best = min(counts, key=lambda c: (sketch_distance(sketch[claim.pk] or (0, 0), sketch[c] or (0, 0)), c))
        if Claim.objects.get(pk=best).article_id == claim.article_id:
            return claim
    raise AssertionError("no seed claim shares most rows with a claim of its own article")


def test_the_candidate_cap_counts_only_partners_in_other_articles(
    seed_corpus: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    monkeypatch.setattr(linking_services, "MAX_CANDIDATES", 3)
    claim = claim_whose_best_partner_is_in_its_own_article()

    found = found_partners(claim)

    assert len(found) == 3
    assert found == expected_partners(claim, 3)


def test_a_deleted_claim_is_never_a_candidate_and_its_place_goes_to_the_next(
    seed_corpus: Job, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    monkeypatch.setattr(linking_services, "MAX_CANDIDATES", 3)
    claim = next(c for c in Claim.objects.order_by("id") if len(expected_partners(c, 5)) == 5)
    before = found_partners(claim)
    deleted = min(before)
    edit_services.claim_delete(claim_id=deleted, user=reviewer, reason="a duplicate extraction")

    after = found_partners(claim)

    assert deleted not in after
    assert len(after) == 3
    assert after == expected_partners(claim, 3)


def test_many_claims_looked_up_at_once_each_keep_their_own_top_partners(
    seed_corpus: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    monkeypatch.setattr(linking_services, "MAX_CANDIDATES", 4)
    claims = list(Claim.objects.order_by("id")[:30])
    expected: dict[tuple[int, int], set[str]] = {}
    for claim in claims:
        for other, via in expected_partners(claim, 4).items():
            expected.setdefault((min(claim.pk, other), max(claim.pk, other)), set()).update(via)

    found = linking_services._candidate_pairs([c.pk for c in claims])

    assert found == expected


def cosine_partners(claim: Claim, floor: float) -> set[int]:
    """The oracle for the exact index: live claims of other articles whose stored vector is close enough."""
    vectors = linking_services._current_vectors(set(all_claim_ids()))
    mine = vectors[claim.pk]
    others = Claim.objects.filter(deleted_at__isnull=True).exclude(article_id=claim.article_id)
    return {c for c in others.values_list("pk", flat=True) if c in vectors and float(vectors[c] @ mine) >= floor}


def partners_in(pairs: dict[tuple[int, int], set[str]], claim: Claim) -> set[int]:
    return {b if a == claim.pk else a for a, b in pairs}


def test_in_a_small_corpus_a_close_claim_that_shares_no_band_row_is_still_a_candidate(seed_corpus: Job) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    exact = linking_services.exact_index()
    assert exact is not None
    # A claim whose band rows miss some of the claims close to it, as they miss a third of ECB+'s.
    claim, missed = next(
        (c, missed)
        for c in Claim.objects.order_by("id")
        if (missed := cosine_partners(c, exact.floor) - partners_in(linking_services._candidate_pairs([c.pk]), c))
    )

    pairs = linking_services._candidates([claim.pk], exact).pairs

    assert missed <= partners_in(pairs, claim)
    assert all(pairs[(min(claim.pk, c), max(claim.pk, c))] == {"semantic"} for c in missed)


def test_past_match_exact_up_to_claims_only_band_rows_find_candidates(seed_corpus: Job, settings: Any) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    settings.MATCH_EXACT_UP_TO = Claim.objects.count() - 1

    assert linking_services.exact_index() is None


def test_with_match_exact_up_to_0_matching_uses_band_rows_alone(seed_corpus: Job, settings: Any) -> None:
    settings.MATCH_EXACT_UP_TO = 0

    assert linking_services.exact_index() is None
