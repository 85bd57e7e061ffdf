"""Lexical candidates: MinHash over word shingles, LSH band keys, exact re-ranking.

Everything is vectorised with numpy over a batch of texts. Hashes are stable across
processes, machines and Python runs (blake2b of each token, then fixed 64-bit
mixing), so band keys can be stored as database rows and looked up later by any
worker: two texts are candidates when they share a ``(band, key)`` row.

With ``bands`` bands of ``rows`` MinHash values each, two texts of Jaccard
similarity ``s`` share at least one band key with probability ``1 - (1 - s**rows)**bands``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

# Bump when tokenisation, hashing or banding changes: stored band keys of another version never match.
LEXICAL_VERSION = "minhash-v1"
_MASK64 = (1 << 64) - 1
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
STOPWORDS = frozenset(
    """a an the of to in on at for by with from as and or but is are was were be been being has have had do does did
    it its this that these those there their they them he she his her him we our you your i me my which who whom
    whose what when where while also than then so such into onto about over after before since during per via
    will would shall should can could may might must s 's""".split()
)


def tokens(text: str) -> list[str]:
    """Normalised word tokens: NFKC, lower case, typographic apostrophes folded, thousands separators dropped."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    return _WORD.findall(_THOUSANDS.sub("", folded))


def content_tokens(text: str) -> list[str]:
    """Tokens without stopwords and possessive endings: the words that carry a claim's content."""
    return content_of(tokens(text))


def content_of(words: Iterable[str]) -> list[str]:
    """``content_tokens`` of already tokenised text."""
    out = []
    for token in words:
        token = token.removesuffix("'s")
        if token not in STOPWORDS:
            out.append(token)
    return out


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def containment(a: Iterable[str], b: Iterable[str]) -> float:
    """Share of the smaller set found in the larger: 1.0 when one text's words are all in the other."""
    sa, sb = set(a), set(b)
    smaller = min(len(sa), len(sb))
    return len(sa & sb) / smaller if smaller else 0.0


def _stable64(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode("utf-8"), digest_size=8).digest(), "little")


def mix64(x: U64) -> U64:
    """splitmix64 finaliser: a fixed, well-spread 64-bit mixing of every element."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class TokenHasher:
    """Stable 64-bit hash of each token (blake2b), cached: a corpus has far fewer distinct words than words."""

    def __init__(self, max_size: int = 2_000_000) -> None:
        self._cache: dict[str, int] = {}
        self._max_size = max_size

    def __call__(self, token: str) -> int:
        value = self._cache.get(token)
        if value is None:
            value = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
            if len(self._cache) < self._max_size:
                self._cache[token] = value
        return value


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    num_perm: int = 64
    bands: int = 16
    shingle: int = 2  # words per shingle; a text shorter than this gets one shingle of all its words
    content_only: bool = True  # shingle the content words (stopwords removed)

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError("num_perm must be a multiple of bands")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    def collision_probability(self, similarity: float) -> float:
        """Chance that two texts of this Jaccard similarity share at least one band key."""
        return float(1.0 - (1.0 - similarity**self.rows) ** self.bands)


@dataclass(slots=True)
class Signatures:
    values: U32  # (n, num_perm) MinHash values
    empty: npt.NDArray[np.bool_]  # texts without a single word: no band keys for them


@dataclass(slots=True)
class MinHasher:
    """MinHash signatures and LSH band keys for batches of texts."""

    config: MinHashConfig = field(default_factory=MinHashConfig)
    hasher: TokenHasher = field(default_factory=TokenHasher)
    _a: U64 = field(init=False)
    _b: U64 = field(init=False)

    def __post_init__(self) -> None:
        # Permutation parameters derived from fixed labels, not a random generator: stable across numpy versions.
        a = [_stable64(f"{LEXICAL_VERSION}:a:{i}") | 1 for i in range(self.config.num_perm)]
        b = [_stable64(f"{LEXICAL_VERSION}:b:{i}") for i in range(self.config.num_perm)]
        self._a = np.array(a, dtype=np.uint64)
        self._b = np.array(b, dtype=np.uint64)

    def words(self, text: str) -> list[str]:
        return content_tokens(text) if self.config.content_only else tokens(text)

    def shingle_hashes(self, texts: Sequence[str]) -> tuple[U64, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Flat shingle hashes, each text's first slot (every text keeps >= 1 slot) and its word count."""
        hash_token = self.hasher
        flat: list[int] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            words = self.words(text)
            lengths[i] = len(words)
            flat.extend(hash_token(w) for w in words)
        token_hashes = np.array(flat, dtype=np.uint64)
        hashes, starts = self._shingles(token_hashes, lengths)
        return hashes, starts, lengths

    def _shingles(self, token_hashes: U64, lengths: npt.NDArray[np.int64]) -> tuple[U64, npt.NDArray[np.int64]]:
        k = self.config.shingle
        n_shingles = np.where(lengths >= k, lengths - k + 1, np.minimum(lengths, 1))
        # An empty text gets one placeholder slot so reduceat stays aligned; it is flagged empty.
        slots = np.maximum(n_shingles, 1)
        token_start = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        slot_start = np.concatenate(([0], np.cumsum(slots)[:-1])).astype(np.int64)
        total = int(slots.sum())
        owner = np.repeat(np.arange(len(lengths)), slots)
        position = np.arange(total, dtype=np.int64) - slot_start[owner]
        index = token_start[owner] + position
        size = len(token_hashes)
        if size == 0:
            return np.zeros(total, dtype=np.uint64), slot_start
        valid = n_shingles[owner] > 0
        h = np.where(valid, token_hashes[np.minimum(index, size - 1)], np.uint64(0))
        for j in range(1, k):
            inside = valid & (position + j < lengths[owner])
            nxt = token_hashes[np.minimum(index + j, size - 1)]
            h = np.where(inside, mix64(h * np.uint64(0x9E3779B97F4A7C15) + nxt), h)
        return h, slot_start

    def signatures(self, texts: Sequence[str], chunk: int = 4096) -> Signatures:
        parts: list[U32] = []
        empties: list[npt.NDArray[np.bool_]] = []
        for lo in range(0, len(texts), chunk):
            batch = texts[lo : lo + chunk]
            hashes, starts, lengths = self.shingle_hashes(batch)
            permuted = (hashes[:, None] * self._a[None, :] + self._b[None, :]) >> np.uint64(32)
            parts.append(np.minimum.reduceat(permuted, starts, axis=0).astype(np.uint32))
            empties.append(lengths == 0)
        if not parts:
            return Signatures(np.zeros((0, self.config.num_perm), np.uint32), np.zeros(0, bool))
        return Signatures(np.concatenate(parts), np.concatenate(empties))

    def band_keys(self, signatures: Signatures | U32) -> I64:
        """(n, bands) signed 64-bit keys; band ``b`` of text ``i`` is the row ``(b, keys[i, b])``."""
        values = signatures.values if isinstance(signatures, Signatures) else signatures
        return band_keys(values, self.config.bands)


def band_keys(values: U32, bands: int, salt: int = 0) -> I64:
    """Fold each band's rows into one stable 64-bit key (signed, as databases store BIGINT)."""
    n, width = values.shape
    rows = width // bands
    grouped = values.reshape(n, bands, rows).astype(np.uint64)
    key = np.full((n, bands), np.uint64(salt & _MASK64), dtype=np.uint64)
    for r in range(rows):
        key = mix64(key * np.uint64(0x100000001B3) + grouped[:, :, r] + np.uint64(r + 1))
    return key.view(np.int64)


def estimated_jaccard(
    values: U32, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Jaccard estimated from signatures for many pairs at once (share of equal MinHash values)."""
    out = np.empty(len(left), dtype=np.float64)
    step = 200_000
    for lo in range(0, len(left), step):
        a, b = values[left[lo : lo + step]], values[right[lo : lo + step]]
        out[lo : lo + step] = (a == b).mean(axis=1)
    return out


def bucket_pairs(keys: I64, exclude: npt.NDArray[np.bool_] | None = None, max_bucket: int = 0) -> I64:
    """Candidate pairs (i < j) of texts sharing a band key, as a (m, 2) array; never all pairs.

    Each bucket links its members to its first member (a star), so a bucket of ``s`` texts
    costs ``s - 1`` pairs; connected components over verified pairs then join the rest.
    Buckets larger than ``max_bucket`` (when set) are skipped as uninformative.
    """
    n, bands = keys.shape
    ids = np.arange(n, dtype=np.int64)
    if exclude is not None:
        ids = ids[~exclude]
    found: list[I64] = []
    for b in range(bands):
        column = keys[ids, b]
        order = np.argsort(column, kind="stable")
        sorted_keys = column[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
        group = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        sizes = np.diff(np.append(first, len(order)))
        keep = ~starts & (sizes[group] > 1)
        if max_bucket:
            keep &= sizes[group] <= max_bucket
        members = ids[order[keep]]
        leaders = ids[order[first[group[keep]]]]
        found.append(np.stack([np.minimum(leaders, members), np.maximum(leaders, members)], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    packed = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([packed // n, packed % n], axis=1)


def connected_components(n: int, pairs: I64) -> npt.NDArray[np.int64]:
    """Group label (smallest member index) of each of ``n`` items joined by ``pairs``; vectorised."""
    labels = np.arange(n, dtype=np.int64)
    if len(pairs) == 0:
        return labels
    left, right = pairs[:, 0], pairs[:, 1]
    while True:
        low = np.minimum(labels[left], labels[right])
        before = labels.copy()
        np.minimum.at(labels, left, low)
        np.minimum.at(labels, right, low)
        # Pointer jumping: follow labels to their root until stable.
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            return labels


class BandIndex:
    """In-memory stand-in for the band-key table: rows (band, key) -> item ids. Same lookups as the database."""

    def __init__(self) -> None:
        self._rows: dict[tuple[int, int], list[int]] = {}

    def add(self, item_ids: Sequence[int], keys: I64, skip: npt.NDArray[np.bool_] | None = None) -> None:
        for row, item in enumerate(item_ids):
            if skip is not None and skip[row]:
                continue
            for band, key in enumerate(keys[row].tolist()):
                self._rows.setdefault((band, key), []).append(item)

    def query(self, keys: npt.NDArray[np.int64]) -> dict[int, int]:
        """Candidate item ids for one text's band keys, with the number of bands they share."""
        hits: dict[int, int] = {}
        for band, key in enumerate(keys.tolist()):
            for item in self._rows.get((band, key), ()):
                hits[item] = hits.get(item, 0) + 1
        return hits

    def __len__(self) -> int:
        return sum(len(v) for v in self._rows.values())
