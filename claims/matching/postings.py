"""Packed bucket members ("posting lists") and the ranking of a claim's band-sharing partners, no database.

A band bucket ``(method, band, key)`` holds every claim that has that band row. At a
million claims a claim shares its 48 buckets with about 15,000 others; read as one index
tuple each, that costs the database about a microsecond per member. Packed as fixed-width
records in a few blobs per bucket, the same members arrive in one read per bucket and are
ranked here with numpy: the closest 128-bit sketches first (Hamming distance), then the
most shared rows, then the lowest claim id, as the database used to rank them.

Record layout (big-endian, 25 bytes): claim id (int64), sketch high word (int64), sketch
low word (int64), 1 if the claim has a sketch else 0 (uint8).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import numpy as np
import numpy.typing as npt

RECORD = np.dtype([("claim", ">i8"), ("hi", ">i8"), ("lo", ">i8"), ("sketched", "u1")])
NO_DISTANCE = 1 << 20  # ranks after every real distance (at most 128)
_POSITIONS = 1 << 12  # more band rows than any claim has: (partner, row position) packs into one int64

I64 = npt.NDArray[np.int64]


def pack(members: Iterable[tuple[int, int | None, int | None]]) -> bytes:
    """Records of ``(claim id, sketch high, sketch low)``, sorted by claim id; a claim without a sketch has None."""
    rows = sorted(members, key=itemgetter(0))
    out = np.zeros(len(rows), dtype=RECORD)
    if rows:
        out["claim"] = [claim for claim, _, _ in rows]
        out["hi"] = [hi or 0 for _, hi, _ in rows]
        out["lo"] = [lo or 0 for _, _, lo in rows]
        out["sketched"] = [int(hi is not None and lo is not None) for _, hi, lo in rows]
    return out.tobytes()


# The same records made by PostgreSQL from MatchKey columns (int8send is big-endian), for string_agg(... ORDER BY
# claim_id): rebuilding a million-member bucket table in the database instead of row by row in Python.
POSTGRES_RECORD = (
    "int8send(claim_id) || int8send(COALESCE(sketch_hi, 0)) || int8send(COALESCE(sketch_lo, 0)) || "
    "CASE WHEN sketch_hi IS NULL OR sketch_lo IS NULL THEN '\\x00'::bytea ELSE '\\x01'::bytea END"
)


def unpack(blob: bytes | memoryview) -> npt.NDArray[np.void]:
    if len(blob) % RECORD.itemsize:
        raise ValueError(f"a bucket blob of {len(blob)} bytes is not a whole number of {RECORD.itemsize}-byte records")
    return np.frombuffer(blob, dtype=RECORD)


@dataclass(frozen=True, slots=True)
class Partner:
    claim: int
    kinds: frozenset[int]  # method ids of the band rows shared
    shared: int  # band rows shared
    distance: int | None  # Hamming distance of the sketches; None when either claim has none


def _popcount(words: npt.NDArray[np.int64]) -> I64:
    # bitwise_count of a signed integer counts the bits of its absolute value: count the raw 64 bits.
    return np.bitwise_count(words.view(np.uint64)).astype(np.int64)


def top_partners(
    sketch: tuple[int, int] | None,
    rows: Sequence[tuple[int, Sequence[bytes]]],
    exclude: npt.NDArray[np.int64],
    cap: int,
) -> list[Partner]:
    """A claim's ``cap`` best partners among the members of its buckets.

    ``rows`` holds, per band row of the claim, its method id and the packed parts (``pack``)
    of that bucket. ``exclude`` are claims that may never be partners: the claim's own
    article, deleted claims. A member listed twice in one bucket (two workers indexed it at
    once) counts once.
    """
    parts = [(position, method, part) for position, (method, blobs) in enumerate(rows) for part in blobs if part]
    if not parts:
        return []
    # One buffer and plain int64 columns: concatenating and indexing record arrays costs more than the ranking.
    members = unpack(b"".join(part for _, _, part in parts))
    sizes = [len(part) // RECORD.itemsize for _, _, part in parts]
    position = np.repeat(np.array([p for p, _, _ in parts], dtype=np.int64), sizes)
    kind = np.repeat(np.array([1 << m for _, m, _ in parts], dtype=np.int64), sizes)
    claim = members["claim"].astype(np.int64)
    # One sort by (partner, band row): a member listed twice in one bucket is kept once, and each
    # partner's entries end up side by side for the per-partner reductions.
    entry = claim * _POSITIONS + position
    order = np.argsort(entry, kind="stable")
    entry = entry[order]
    first = np.ones(len(entry), dtype=bool)
    first[1:] = entry[1:] != entry[:-1]
    order = order[first]
    order = order[~np.isin(claim[order], exclude)]
    if not len(order):
        return []
    claim, kind = claim[order], kind[order]
    if sketch is None:
        distance = np.full(len(claim), NO_DISTANCE, dtype=np.int64)
    else:
        hi, lo = (np.int64(w) for w in sketch)
        their_hi = members["hi"].astype(np.int64)[order]
        their_lo = members["lo"].astype(np.int64)[order]
        distance = _popcount(their_hi ^ hi) + _popcount(their_lo ^ lo)
        distance[members["sketched"][order] == 0] = NO_DISTANCE
    starts = np.flatnonzero(np.concatenate(([True], claim[1:] != claim[:-1])))
    partners = claim[starts]
    shared = np.diff(np.append(starts, len(claim)))
    nearest = np.minimum.reduceat(distance, starts)
    kinds = np.bitwise_or.reduceat(kind, starts)
    order = np.lexsort((partners, -shared, nearest))[:cap]
    return [
        Partner(claim, _kinds(bits), count, None if near >= NO_DISTANCE else near)
        for claim, bits, count, near in zip(
            partners[order].tolist(),
            kinds[order].tolist(),
            shared[order].tolist(),
            nearest[order].tolist(),
            strict=True,
        )
    ]


@lru_cache(maxsize=64)
def _kinds(bits: int) -> frozenset[int]:
    return frozenset(m for m in range(bits.bit_length()) if bits >> m & 1)
