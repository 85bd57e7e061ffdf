"""Exact cosine candidates: every claim against every stored vector, while the corpus is small enough.

Band rows miss about half the pairs a decision could link (ECB+: 0.43 of the gold pairs share a row,
0.63 have a cosine at the calibration's floor; ``bench/candidate_recall.py``). Up to a few tens of
thousands of claims one matrix product per lookup batch costs less than that loss
(``bench/exact_candidates.py``); past it the band rows alone keep a new article within its budget.
Pure numpy, no Django: the database side is ``claims.services.linking.exact_index``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
MARGIN = 1e-4  # the stored score is rounded to 4 places: a pair at the floor is not lost to rounding


@dataclass(frozen=True, slots=True)
class ExactIndex:
    ids: I64  # claim ids, ascending
    matrix: F32  # (claims, dim), row n is ids[n]'s unit vector
    row: dict[int, int]
    floor: float  # the lowest cosine any decision links at: partners below it are not worth a lookup

    @classmethod
    def of(cls, vectors: Mapping[int, F32], floor: float) -> ExactIndex:
        ids = np.array(sorted(vectors), dtype=np.int64)
        matrix = np.stack([vectors[pk] for pk in ids.tolist()]) if len(ids) else np.zeros((0, 1), np.float32)
        return cls(ids, matrix.astype(np.float32, copy=False), {pk: n for n, pk in enumerate(ids.tolist())}, floor)


def closest_partners(
    index: ExactIndex, claims: Sequence[int], exclude: Mapping[int, I64], cap: int
) -> dict[int, list[int]]:
    """Per claim, its ``cap`` closest partners at or above the floor (closest first, then lower id), none excluded."""
    present = [a for a in claims if a in index.row]
    if not present:
        return {}
    cosines = index.matrix @ index.matrix[[index.row[a] for a in present]].T  # (claims in the index, present)
    out: dict[int, list[int]] = {}
    for n, a in enumerate(present):
        column = cosines[:, n]
        found = np.flatnonzero((column >= index.floor - MARGIN) & ~np.isin(index.ids, exclude.get(a, ())))
        closest = found[np.lexsort((index.ids[found], -column[found]))][:cap]
        out[a] = index.ids[closest].tolist()
    return out


def close_pairs(index: ExactIndex, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these pairs the index offers: both vectors in it, cosine at the floor."""
    both = sorted(p for p in pairs if p[0] in index.row and p[1] in index.row)
    if not both:
        return set()
    left = index.matrix[[index.row[a] for a, _ in both]]
    right = index.matrix[[index.row[b] for _, b in both]]
    cosines = np.einsum("ij,ij->i", left, right)
    return {pair for pair, cosine in zip(both, cosines.tolist(), strict=True) if cosine >= index.floor - MARGIN}
