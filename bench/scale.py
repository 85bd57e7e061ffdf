"""Scale probe of lexical candidate generation: MinHash signatures + grouping by band key, numpy only, no database.

    python bench/scale.py [--bbc PATH] [--fnc PATH] [--sizes 10000 100000 1000000] [--procs 1 2]

Texts are all sentences of BBC News and the FNC-1 bodies (split on sentence stops), repeated
with light perturbations (one word dropped, two neighbours swapped, or one word replaced) until
each size is reached. Each size runs in a fresh process so that its peak RSS is its own.
Stages: signatures (tokenise, hash, MinHash), band keys, candidate pairs from shared keys
(a star per bucket), verification of the pairs on the signatures (estimated Jaccard >=
--verify), connected components. Then an incremental probe: 40 new texts looked up against
the sorted band keys (what an indexed table does), verified the same way.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matching_util import ROOT, SHARED, machine, peak_rss_mib

from claims.matching.lexical import MinHasher, Signatures, bucket_pairs, connected_components, estimated_jaccard

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


def base_sentences(bbc: Path, fnc: Path) -> list[str]:
    out: list[str] = []
    with bbc.open(encoding="utf-8") as handle:
        for line in handle:
            for paragraph in json.loads(line).get("paragraphs", []):
                out.extend(s for s in _SPLIT.split(paragraph) if len(s.split()) >= 4)
    csv.field_size_limit(10_000_000)
    with fnc.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for paragraph in row["articleBody"].split("\n"):
                out.extend(s.strip() for s in _SPLIT.split(paragraph) if len(s.split()) >= 4)
    return list(dict.fromkeys(out))


def perturbed(base: list[str], size: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    vocabulary = [w for s in base[:5000] for w in s.split()]
    out = list(base[:size])
    while len(out) < size:
        for sentence in base:
            if len(out) >= size:
                break
            words = sentence.split()
            k = int(rng.integers(0, len(words)))
            kind = int(rng.integers(0, 3))
            if kind == 0 and len(words) > 4:
                del words[k]
            elif kind == 1 and k + 1 < len(words):
                words[k], words[k + 1] = words[k + 1], words[k]
            else:
                words[k] = vocabulary[int(rng.integers(0, len(vocabulary)))]
            out.append(" ".join(words))
    return out


def _signatures(texts: list[str]) -> Signatures:
    return MinHasher().signatures(texts)


def signatures(texts: list[str], procs: int) -> Signatures:
    if procs == 1:
        return _signatures(texts)
    step = (len(texts) + procs * 4 - 1) // (procs * 4)
    chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_signatures, chunks)
    return Signatures(np.concatenate([p.values for p in parts]), np.concatenate([p.empty for p in parts]))


def run_one(size: int, procs: int, verify: float, bbc: Path, fnc: Path) -> None:
    base = base_sentences(bbc, fnc)
    texts = perturbed(base, size + 40)
    texts, new = texts[:size], [t + " today" for t in texts[size // 2 : size // 2 + 40]]
    rss_texts = peak_rss_mib()
    hasher = MinHasher()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    sig = signatures(texts, procs)
    times["signatures"] = time.perf_counter() - t0
    t = time.perf_counter()
    keys = hasher.band_keys(sig)
    times["band keys"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = bucket_pairs(keys, exclude=sig.empty)
    times["candidate pairs"] = time.perf_counter() - t
    t = time.perf_counter()
    similarity = estimated_jaccard(sig.values, pairs[:, 0], pairs[:, 1])
    verified = pairs[similarity >= verify]
    times["verify"] = time.perf_counter() - t
    t = time.perf_counter()
    labels = connected_components(size, verified)
    times["components"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    group_sizes = np.bincount(labels)
    grouped = int(np.sum(group_sizes[group_sizes > 1]))
    # Incremental: sorted keys per band stand for the (band, key) index of the database.
    t = time.perf_counter()
    order = np.argsort(keys, axis=0, kind="stable")
    sorted_keys = np.take_along_axis(keys, order, axis=0)
    times["index build (sort per band)"] = time.perf_counter() - t
    t = time.perf_counter()
    new_sig = hasher.signatures(new)
    new_keys = hasher.band_keys(new_sig)
    found = 0
    for row in range(len(new)):
        hits: list[npt.NDArray[np.int64]] = []
        for band in range(keys.shape[1]):
            lo, hi = (
                np.searchsorted(sorted_keys[:, band], new_keys[row, band], side="left"),
                np.searchsorted(sorted_keys[:, band], new_keys[row, band], side="right"),
            )
            hits.append(order[lo:hi, band])
        ids = np.unique(np.concatenate(hits)) if hits else np.zeros(0, np.int64)
        if len(ids):
            sim = (sig.values[ids] == new_sig.values[row]).mean(axis=1)
            found += int(np.any(sim >= verify))
    incremental = time.perf_counter() - t
    print(
        f"N={size:>9,} procs={procs}: total {total:6.1f}s  "
        + "  ".join(f"{k} {v:.1f}s" for k, v in times.items())
        + f"  | candidate pairs {len(pairs):,}, verified {len(verified):,}, texts in groups {grouped:,} "
        f"({grouped / size:.3f}), groups {int(np.sum(group_sizes > 1)):,}"
    )
    print(
        f"    peak RSS {peak_rss_mib():,.0f} MiB (of which texts and Python before matching {rss_texts:,.0f} MiB); "
        f"incremental: 40 new texts matched in {incremental * 1000:.0f} ms, {found} found a verified match"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bbc", type=Path, default=SHARED / "bbc-news" / "bbc_articles.jsonl")
    parser.add_argument("--fnc", type=Path, default=SHARED / "fnc1-bodies" / "train_bodies.csv")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--procs", type=int, nargs="+", default=[1])
    parser.add_argument("--verify", type=float, default=0.5, help="estimated Jaccard a candidate pair needs")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.procs[0], args.verify, args.bbc, args.fnc)
        return
    print(f"machine: {machine()}")
    print(f"base sentences (unique): {len(base_sentences(args.bbc, args.fnc)):,}")
    for procs in args.procs:
        for size in args.sizes:
            command = [sys.executable, str(Path(__file__)), "--one", str(size), "--procs", str(procs)]
            command += ["--bbc", str(args.bbc), "--fnc", str(args.fnc), "--verify", str(args.verify)]
            subprocess.run(command, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
