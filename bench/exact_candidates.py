"""Where exact cosine candidates stop paying: the cost of ``claims.matching.exact`` per new article, by corpus size.

    python bench/exact_candidates.py [--sizes 5000 20000 50000 100000 200000] [--article 40] [--rounds 5]

For each size N: N unit vectors (MiniLM's 384 dimensions, random: the cost does not depend on the
values), the index built from them as ``claims.services.linking.exact_index`` builds it from the
stored vectors (``ExactIndex.of``), then a 40-claim article's lookup (``closest_partners``, one batch,
the cap of the service) timed ``--rounds`` times; the median is printed. Reading the N stored vectors
from the database comes on top (PostgreSQL sends 768 bytes a claim: 15 MB at 20,000 claims).
The budget it is held to: a new 40-claim article within 1 s after its embedding, of which the band
path at a million claims takes 0.81-0.87 s (docs/benchmarks.md), so the exact path should stay a few
hundred milliseconds where it is on. Candidate recall of both paths: ``bench/candidate_recall.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from matching_util import machine, peak_rss_mib  # puts the project on sys.path

from claims.matching.exact import ExactIndex, closest_partners

DIM = 384
CAP = 200  # claims.services.linking.MAX_CANDIDATES


def unit_vectors(n: int, seed: int) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, DIM)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return {pk: matrix[pk - 1] for pk in range(1, n + 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 50000, 100000, 200000])
    parser.add_argument("--article", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"{'claims':>9} {'build ms':>9} {'lookup ms (median)':>19} {'peak RSS MiB':>13}")
    for n in args.sizes:
        vectors = unit_vectors(n, seed=n)
        started = time.perf_counter()
        index = ExactIndex.of(vectors, floor=0.5)
        build = time.perf_counter() - started
        article = list(range(n - args.article + 1, n + 1))  # the newest claims, one article
        exclude = {a: np.array(article, dtype=np.int64) for a in article}
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            closest_partners(index, article, exclude, CAP)
            times.append(time.perf_counter() - started)
        print(f"{n:>9,} {build * 1000:>9.0f} {statistics.median(times) * 1000:>19.1f} {peak_rss_mib():>13.0f}")


if __name__ == "__main__":
    main()
