"""MinHash signatures, band keys and grouping: stable, vectorised, never all pairs."""

from __future__ import annotations

import numpy as np
import pytest

from claims.matching.lexical import (
    BandIndex,
    MinHashConfig,
    MinHasher,
    bucket_pairs,
    connected_components,
    containment,
    content_tokens,
    estimated_jaccard,
    jaccard,
    tokens,
)

TEXT = "Hamas refused to send a delegation after Israel killed its political chief"


def test_tokens_fold_case_apostrophes_and_thousands_separators():
    assert tokens("Israel’s toll: 8,005 DEAD") == ["israel's", "toll", "8005", "dead"]
    assert content_tokens("Israel’s toll is 8,005") == ["israel", "toll", "8005"]


def test_exact_overlap_measures():
    assert jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert containment(["a", "b"], ["a", "b", "c", "d"]) == 1.0
    assert jaccard([], []) == 0.0


def test_band_keys_are_stable_across_runs_and_instances():
    # Stored keys must never change silently: these values are what the database holds for TEXT.
    first = MinHasher().band_keys(MinHasher().signatures([TEXT]))
    second = MinHasher().band_keys(MinHasher().signatures([TEXT, "something else entirely here"]))
    assert first.dtype == np.int64
    assert first.shape == (1, 16)
    assert np.array_equal(first[0], second[0])
    assert first[0, :2].tolist() == [-7365072920659206961, -7491575601636918326]


def test_empty_texts_are_flagged_and_never_bucketed():
    hasher = MinHasher()
    signatures = hasher.signatures(["", "the of and", TEXT, ""])
    assert signatures.empty.tolist() == [True, True, False, True]
    pairs = bucket_pairs(hasher.band_keys(signatures), exclude=signatures.empty)
    assert pairs.size == 0


def test_near_copies_share_a_band_and_unrelated_texts_do_not():
    hasher = MinHasher()
    longer = TEXT + " Ismail Haniyeh in Tehran, saying it would only receive the results of the negotiations"
    # Jaccard of the two shingle sets is 13/15: a shared band with probability above 0.99.
    texts = [longer, longer.replace("negotiations", "talks"), "Stock markets in Tokyo fell sharply on Monday morning"]
    keys = hasher.band_keys(hasher.signatures(texts))
    assert np.any(keys[0] == keys[1])
    assert not np.any(keys[0] == keys[2])


def test_estimated_jaccard_tracks_the_exact_one():
    hasher = MinHasher(MinHashConfig(num_perm=256, bands=32, shingle=1))
    base = [f"w{i}" for i in range(40)]
    texts = [" ".join(base), " ".join(base[:30] + [f"x{i}" for i in range(10)]), " ".join(base[20:])]
    signatures = hasher.signatures(texts)
    left, right = np.array([0, 0, 1]), np.array([1, 2, 2])
    estimated = estimated_jaccard(signatures.values, left, right)
    exact = [jaccard(texts[a].split(), texts[b].split()) for a, b in zip(left, right, strict=True)]
    assert np.allclose(estimated, exact, atol=0.1)


def test_grouping_finds_copies_without_comparing_all_pairs():
    rng = np.random.default_rng(0)
    vocabulary = [f"word{i}" for i in range(5000)]
    originals = [" ".join(rng.choice(vocabulary, 15)) for _ in range(300)]
    copies = [t.replace(t.split()[3], "changed", 1) for t in originals[:100]]
    texts = originals + copies
    hasher = MinHasher()
    signatures = hasher.signatures(texts)
    pairs = bucket_pairs(hasher.band_keys(signatures), exclude=signatures.empty)
    assert len(pairs) < len(texts) * 4  # a star per bucket, not all pairs
    verified = pairs[estimated_jaccard(signatures.values, pairs[:, 0], pairs[:, 1]) >= 0.5]
    labels = connected_components(len(texts), verified)
    found = sum(labels[i] == labels[300 + i] for i in range(100))
    assert found >= 95
    assert len(set(labels[:300].tolist())) >= 295  # the random originals stay apart


def test_connected_components_joins_chains():
    labels = connected_components(6, np.array([[0, 3], [3, 5], [1, 2]]))
    assert labels.tolist() == [0, 1, 1, 0, 4, 0]


def test_band_index_counts_shared_bands():
    hasher = MinHasher()
    texts = [TEXT, TEXT, "An unrelated sentence about football results in Madrid"]
    keys = hasher.band_keys(hasher.signatures(texts))
    index = BandIndex()
    index.add([10, 11, 12], keys)
    hits = index.query(keys[0])
    assert hits[10] == hits[11] == 16
    assert 12 not in hits


def test_collision_probability_follows_the_banding_formula():
    config = MinHashConfig()
    assert config.rows == 4
    assert config.collision_probability(0.9) > 0.99
    assert config.collision_probability(0.2) < 0.03
    with pytest.raises(ValueError, match="multiple"):
        MinHashConfig(num_perm=60, bands=16)
