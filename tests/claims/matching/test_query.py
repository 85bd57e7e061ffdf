"""A query read as words, figures and band keys to probe: no database."""

from __future__ import annotations

import re

import numpy as np
import pytest

from claims.matching import query
from claims.matching.semantic import DIM


def finds(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def test_a_query_is_its_words_in_any_order_without_the_small_ones() -> None:
    assert query.terms("Refused the delegation") == query.Terms(("refused", "delegation"), ())
    assert query.terms("the") == query.Terms(("the",), ())  # nothing else: the small word is the query
    assert query.terms("Bagheri Kani, Doha.").words == ("bagheri", "kani", "doha")
    assert query.terms("!!").empty


@pytest.mark.parametrize("q", ["40000", "40,000", "40 000", "040000"])
def test_a_number_is_its_digits_however_its_thousands_are_written(q: str) -> None:
    assert query.terms(f"over {q} killed") == query.Terms(("over", "killed"), ("40000",))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("resulted in the massacre of over 40,000 people", True),
        ("killed nearly 40000.", True),
        ("some 40 000 people", True),
        ("$40,000, they said", True),
        ("40,005 people", False),
        ("140,000 people", False),
        ("1,240,000 people", False),
        ("40,000.5 tonnes", False),
        ("400,000 people", False),
    ],
)
def test_a_number_matches_only_itself_in_any_grouping(text: str, found: bool) -> None:
    assert finds(query.number_pattern("40000"), text) is found


def test_a_word_matches_at_the_start_of_a_word_only() -> None:
    assert finds(query.word_pattern("refus"), "Hamas refused to send")
    assert finds(query.word_pattern("refused"), "Refused, said Hamas")
    assert not finds(query.word_pattern("oman"), "Romania")
    assert finds(query.word_pattern("u.s"), "the U.S. said")
    assert not finds(query.word_pattern("u.s"), "a bus")  # the dot is a dot, not any letter


def test_the_probed_keys_are_each_band_key_and_every_key_one_bit_away() -> None:
    rng = np.random.default_rng(3)
    vector = rng.normal(size=DIM).astype(np.float32)
    vector /= np.linalg.norm(vector)
    lsh = query.planes()

    probed = set(query.probe_keys(vector))

    own = {(band, key) for band, key in enumerate(lsh.band_keys(vector[None, :])[0].tolist())}
    assert own <= probed
    assert len(probed) == lsh.bands * (lsh.rows + 1)
    # Move the vector just across the plane of band 0 it is least sure of: band 0 then differs in that bit alone.
    margins = lsh.planes[: lsh.rows] @ vector
    nearest = int(np.argmin(np.abs(margins)))
    plane = lsh.planes[nearest] / np.linalg.norm(lsh.planes[nearest])
    across = (vector - (float(vector @ plane) * (1 + 1e-3)) * plane).astype(np.float32)
    before, after = lsh.bits(vector[None, :])[0][: lsh.rows], lsh.bits(across[None, :])[0][: lsh.rows]
    assert (before != after).sum() == 1
    neighbour = (0, int(lsh.band_keys(across[None, :])[0, 0]))
    assert neighbour not in own
    assert neighbour in probed


def test_closeness_says_how_close_a_cosine_is_in_words() -> None:
    assert query.closeness(0.8) == "very close in meaning"
    assert query.closeness(0.6) == "close in meaning"
    assert query.closeness(0.46) == "related in meaning"
