"""Semantic band shapes: how many unrelated texts share a bucket, and how many related pairs still do.

    python bench/band_shapes.py [--bbc PATH] [--fnc PATH] [--mrpc PATH] [--ecb DIR] [--sample 4000]
                                [--shapes hp:32x12 cp:24x2x32 ...]

A shape is ``hp:BANDSxBITS`` (random hyperplanes, ``BITS`` per band) or
``cp:BANDSxHASHESxPROJ`` (cross-polytope: per band, ``HASHES`` hashes, each the nearest signed
axis of a ``PROJ``-dimensional random projection, so ``2 * PROJ`` buckets per hash). Each
band is one stored row per claim. Measured on real all-MiniLM-L6-v2 embeddings:

- unrelated share: pairs of a random sample of distinct BBC News / FNC-1 sentences that share
  a bucket (every candidate of such a pair costs a lookup and a cosine, and at a million claims
  this share times a million is what each claim drags in);
- MRPC: the share of the test half's gold paraphrase pairs that share a bucket;
- ECB+: the share of gold cross-document pairs (same event chain) that share a bucket;
- P(candidate) at a given cosine, simulated on 3,000 random pairs of unit vectors at that cosine.

Embeddings are cached under var/bench-cache (the scale corpus embedding is shared with
bench/db_matching.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matching_util import SHARED, embed, machine

from claims.matching.lexical import I64
from claims.matching.semantic import DIM, CrossPolytopeLSH, HyperplaneLSH

F32 = npt.NDArray[np.float32]
Hasher = Callable[[F32], I64]
COSINES = (0.62, 0.75, 0.85, 0.94)
DEFAULT_SHAPES = [
    "hp:32x12",
    "hp:32x14",
    "hp:48x16",
    "hp:64x16",
    "cp:16x2x32",
    "cp:24x2x32",
    "cp:16x2x48",
    "cp:20x2x64",
    "cp:24x2x64",
    "cp:32x3x16",
    "cp:16x3x32",
]  # fmt: skip  (hp:32x12 was the default until 2026-12-02, cp:16x2x32 is the default since)


def hasher(shape: str) -> tuple[Hasher, int]:
    kind, dims = shape.split(":")
    parts = [int(x) for x in dims.split("x")]
    if kind == "hp":
        hp = HyperplaneLSH(bands=parts[0], rows=parts[1])
        return hp.band_keys, parts[0]
    cp = CrossPolytopeLSH(bands=parts[0], hashes=parts[1], projection=parts[2])
    return cp.band_keys, parts[0]


def shared_any(a: I64, b: I64) -> npt.NDArray[np.bool_]:
    return np.asarray(np.any(a == b, axis=1))


def unrelated_share(keys: I64) -> float:
    """Share of all pairs of these texts sharing a key in some band (exact, via per-band sorting)."""
    n = len(keys)
    pairs: set[int] = set()
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        column = keys[order, band]
        run_starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
        run_ends = np.r_[run_starts[1:], n]
        for lo, hi in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
            if hi - lo > 1:
                members = np.sort(order[lo:hi])
                i, j = np.triu_indices(len(members), 1)
                pairs.update((members[i] * n + members[j]).tolist())
    return len(pairs) / (n * (n - 1) / 2)


def simulated(hash_fn: Hasher, cosine: float, count: int = 3000) -> float:
    rng = np.random.default_rng(3)
    u = rng.normal(size=(count, DIM)).astype(np.float32)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    w = rng.normal(size=(count, DIM)).astype(np.float32)
    w -= (w * u).sum(axis=1, keepdims=True) * u
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    v = cosine * u + np.sqrt(1 - cosine**2) * w
    return float(shared_any(hash_fn(u), hash_fn(v.astype(np.float32))).mean())


def ecb_pairs(directory: Path) -> tuple[list[str], list[tuple[int, int]]]:
    import json

    def rows(name: str) -> list[dict[str, object]]:
        text = (directory / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    sentences: list[tuple[str, int, str]] = []
    for doc in rows("docs.jsonl"):
        selected = set(doc.get("coref_sentences") or [])  # type: ignore[call-overload]
        for s in doc["sentences"]:  # type: ignore[attr-defined]
            if s["idx"] in selected:
                sentences.append((str(doc["doc_id"]), s["idx"], s["text"]))
    position = {(d, i): n for n, (d, i, _) in enumerate(sentences)}
    members: dict[str, list[int]] = {}
    for chain in rows("event_chains.jsonl"):
        for doc_id, idx in chain["occurrences"]:  # type: ignore[attr-defined]
            if (doc_id, idx) in position:
                members.setdefault(str(chain["instance_id"]), []).append(position[(doc_id, idx)])
    gold = {
        (min(i, j), max(i, j))
        for group in members.values()
        for x, i in enumerate(group)
        for j in group[x + 1 :]
        if sentences[i][0] != sentences[j][0]
    }
    return [s[2] for s in sentences], sorted(gold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bbc", type=Path, default=SHARED / "bbc-news" / "bbc_articles.jsonl")
    parser.add_argument("--fnc", type=Path, default=SHARED / "fnc1-bodies" / "train_bodies.csv")
    parser.add_argument("--mrpc", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    parser.add_argument("--ecb", type=Path, default=SHARED / "ecbplus")
    parser.add_argument("--sample", type=int, default=4000, help="random corpus sentences for the unrelated share")
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES)
    args = parser.parse_args()
    from neardup import load_mrpc
    from scale import base_sentences

    print(f"machine: {machine()}")
    base = base_sentences(args.bbc, args.fnc)
    pick = np.sort(np.random.default_rng(1).choice(len(base), size=min(args.sample, len(base)), replace=False))
    corpus, _ = embed([base[i] for i in pick], "band-shapes-sample")
    rows = load_mrpc(args.mrpc)
    mrpc, _ = embed([r[1] for r in rows] + [r[2] for r in rows], "mrpc")
    half = len(rows) // 2
    positives = [i for i in range(half, len(rows)) if rows[i][0]]
    left, right = mrpc[: len(rows)][positives], mrpc[len(rows) :][positives]
    ecb_texts, gold = ecb_pairs(args.ecb)
    ecb, _ = embed(ecb_texts, "ecbplus")
    gi = np.array([p[0] for p in gold])
    gj = np.array([p[1] for p in gold])
    sample_cos = corpus @ corpus.T
    upper = sample_cos[np.triu_indices(len(corpus), 1)]
    print(
        f"unrelated sample: {len(corpus):,} of {len(base):,} distinct sentences; mean cosine {upper.mean():.3f}, "
        f"share >= 0.62: {(upper >= 0.62).mean():.5f}; MRPC test paraphrases: {len(positives):,}; "
        f"ECB+ gold pairs: {len(gold):,}"
    )
    head = " | ".join(f"P@{c}" for c in COSINES)
    print(f"| shape | rows/claim | unrelated share | per claim at 1M | MRPC | ECB+ | {head} | keys/s |")
    print("|---|---:|---:|---:|---:|---:|" + "---:|" * len(COSINES) + "---:|")
    for shape in args.shapes:
        fn, bands = hasher(shape)
        started = time.perf_counter()
        keys = fn(corpus)
        rate = len(corpus) / (time.perf_counter() - started)
        share = unrelated_share(keys)
        mrpc_recall = shared_any(fn(left), fn(right)).mean()
        ecb_keys = fn(ecb)
        ecb_recall = shared_any(ecb_keys[gi], ecb_keys[gj]).mean()
        probabilities = " | ".join(f"{simulated(fn, c):.2f}" for c in COSINES)
        print(
            f"| {shape} | {bands} | {share:.4%} | {share * 1_000_000:,.0f} | {mrpc_recall:.3f} | {ecb_recall:.3f} "
            f"| {probabilities} | {rate:,.0f} |"
        )


if __name__ == "__main__":
    main()
