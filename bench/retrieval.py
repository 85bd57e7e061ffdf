"""Claim -> evidence retrieval quality of claims.matching.

    python bench/retrieval.py wice [PATH]            WiCE dev: rank the cited page's sentences for each claim
    python bench/retrieval.py climate-fever [PATH]   pooled: rank every evidence sentence of the file for each claim

Rankers: ``cosine`` (all-MiniLM-L6-v2), ``lexical`` (Jaccard of content words), and ``hybrid``
(cosine + HYBRID_WEIGHT x Jaccard; the weight was chosen on WiCE dev, from 0.3 / 0.6 / 1.0 / 1.5 / 2.5,
so WiCE hybrid figures are in-sample; climate-fever is the out-of-sample check, where the hybrid
re-ranks the cosine top RERANK of the pool, as a second stage would).
Embeddings are cached under var/bench-cache; --no-cache recomputes them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from matching_util import SHARED, embed, machine

from claims.matching import scoring
from claims.matching.lexical import content_tokens, jaccard

HYBRID_WEIGHT = 1.0
RERANK = 50  # climate-fever: the hybrid re-ranks the top RERANK of the cosine ranking
KS = (1, 5, 10, 20)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _lexical(claim: str, sentences: list[str]) -> npt.NDArray[np.float64]:
    words = content_tokens(claim)
    return np.array([jaccard(words, content_tokens(s)) for s in sentences])


def bench_wice(path: Path, use_cache: bool) -> None:
    rows = _jsonl(path)
    claims = [r["claim"] for r in rows]
    sentences = [s for r in rows for s in r["evidence"]]
    print(f"machine: {machine()}")
    claim_vectors, _ = embed(claims, "wice-claims", use_cache)
    sentence_vectors, rate_s = embed(sentences, "wice-evidence", use_cache)
    if rate_s:
        print(f"encoder: {len(sentences)} WiCE sentences at {rate_s:.0f} sentences/s")
    offsets = np.cumsum([0] + [len(r["evidence"]) for r in rows])
    rankers = ("cosine", "lexical", "hybrid")
    recall: dict[str, dict[int, list[float]]] = {name: {k: [] for k in KS} for name in rankers}
    covered: dict[str, dict[int, list[bool]]] = {name: {k: [] for k in KS} for name in rankers}
    used = 0
    for n, row in enumerate(rows):
        sets = [set(s) for s in row["supporting_sentences"] if s]
        if not sets:
            continue
        used += 1
        gold = set().union(*sets)
        cos = sentence_vectors[offsets[n] : offsets[n + 1]] @ claim_vectors[n]
        lex = _lexical(row["claim"], row["evidence"])
        scores = {"cosine": cos, "lexical": lex, "hybrid": cos + HYBRID_WEIGHT * lex}
        for name in rankers:
            order = np.argsort(-scores[name], kind="stable")
            for k in KS:
                top = set(order[:k].tolist())
                recall[name][k].append(len(top & gold) / len(gold))
                covered[name][k].append(any(s <= top for s in sets))
    print(f"WiCE {path.name}: {len(rows)} claims, {used} with gold evidence, {len(sentences)} candidate sentences")
    for name in rankers:
        line = "  ".join(
            f"R@{k} {np.mean(recall[name][k]):.3f} set@{k} {np.mean(covered[name][k]):.3f}" for k in KS if k in (5, 10)
        )
        print(f"  {name:<8} {line}")
    print(
        "  (R@k: share of gold sentences in the top k, averaged over claims; set@k: some gold set fully in the top k)"
    )


def bench_climate_fever(path: Path, use_cache: bool) -> None:
    rows = _jsonl(path)
    pool: dict[str, str] = {}
    for row in rows:
        for ev in row["evidences"]:
            pool.setdefault(ev["evidence_id"], ev["evidence"])
    ids = list(pool)
    index = {eid: n for n, eid in enumerate(ids)}
    print(f"machine: {machine()}")
    claim_vectors, _ = embed([r["claim"] for r in rows], "cf-claims", use_cache)
    pool_vectors, rate = embed([pool[i] for i in ids], "cf-evidence", use_cache)
    if rate:
        print(f"encoder: {len(ids)} climate-fever sentences at {rate:.0f} sentences/s")
    similarity = claim_vectors @ pool_vectors.T
    two_stage = _static_first_stage(rows, [pool[i] for i in ids], similarity)
    recall: dict[str, dict[int, list[float]]] = {name: {k: [] for k in KS} for name in ("cosine", "hybrid")}
    full: dict[str, dict[int, list[bool]]] = {name: {k: [] for k in KS} for name in ("cosine", "hybrid")}
    reciprocal: dict[str, list[float]] = {"cosine": [], "hybrid": []}
    supports_share: list[bool] = []
    stance_total = stance_right = 0
    for n, row in enumerate(rows):
        gold = {index[e["evidence_id"]] for e in row["evidences"] if e["evidence_label"] in {"SUPPORTS", "REFUTES"}}
        if not gold:
            continue
        cosine_order = np.argsort(-similarity[n], kind="stable")
        head = cosine_order[:RERANK]
        lexical = _lexical(row["claim"], [pool[ids[i]] for i in head])
        hybrid_head = head[np.argsort(-(similarity[n][head] + HYBRID_WEIGHT * lexical), kind="stable")]
        for name, order in (("cosine", cosine_order), ("hybrid", np.concatenate([hybrid_head, cosine_order[RERANK:]]))):
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            first = min(int(rank[g]) for g in gold)
            reciprocal[name].append(1.0 / (first + 1))
            for k in KS:
                hits = sum(1 for g in gold if rank[g] < k)
                recall[name][k].append(hits / len(gold))
                full[name][k].append(hits == len(gold))
        claim_features = scoring.features(row["claim"], embedding=claim_vectors[n])
        for ev in row["evidences"]:
            if ev["evidence_label"] in {"SUPPORTS", "REFUTES"}:
                decision = scoring.compare(
                    claim_features, scoring.features(ev["evidence"], embedding=pool_vectors[index[ev["evidence_id"]]])
                )
                predicted = "REFUTES" if decision.stance == "contradicts" else "SUPPORTS"
                stance_total += 1
                stance_right += predicted == ev["evidence_label"]
                supports_share.append(ev["evidence_label"] == "SUPPORTS")
    used = len(reciprocal["cosine"])
    print(f"climate-fever: {len(rows)} claims, {used} with SUPPORTS/REFUTES evidence; pool {len(ids)} sentences")
    for name in ("cosine", "hybrid"):
        print(
            f"  {name:<7} "
            + "  ".join(f"R@{k} {np.mean(recall[name][k]):.3f}" for k in KS)
            + f"  MRR {np.mean(reciprocal[name]):.3f}  all gold in top k: "
            + "  ".join(f"@{k} {np.mean(full[name][k]):.3f}" for k in KS)
        )
    print(f"  static first stage (top {FIRST_STAGE}) + MiniLM cosine re-rank: {two_stage}")
    print(
        "  stance on gold SUPPORTS/REFUTES pairs (contradicts = refutes): "
        f"accuracy {stance_right / max(stance_total, 1):.3f} of {stance_total}; "
        f"always-supports baseline {np.mean(supports_share):.3f} (negation and figure rules only)"
    )


FIRST_STAGE = 100


def _static_first_stage(rows: list[dict[str, Any]], pool: list[str], similarity: npt.NDArray[np.float32]) -> str:
    """Recall@5 when a static encoder picks the top FIRST_STAGE of the pool and MiniLM re-ranks only those."""
    import time

    from claims.matching.semantic import StaticEncoder, encoder

    static = StaticEncoder.distill(encoder())
    start = time.perf_counter()
    claims, sentences = static.encode([r["claim"] for r in rows]), static.encode(pool)
    seconds = time.perf_counter() - start
    rough = claims @ sentences.T
    index = {text: n for n, text in enumerate(pool)}
    recall, kept = [], []
    for n, row in enumerate(rows):
        gold = {index[e["evidence"]] for e in row["evidences"] if e["evidence_label"] in {"SUPPORTS", "REFUTES"}}
        if not gold:
            continue
        head = np.argpartition(-rough[n], FIRST_STAGE)[:FIRST_STAGE]
        top = head[np.argsort(-similarity[n][head], kind="stable")][:5]
        recall.append(len(gold & set(top.tolist())) / len(gold))
        kept.append(len(gold & set(head.tolist())) / len(gold))
    return (
        f"R@5 {np.mean(recall):.3f}; gold kept by the first stage {np.mean(kept):.3f}; "
        f"static encoding of {len(rows) + len(pool)} texts {seconds:.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="which", required=True)
    wice = sub.add_parser("wice")
    wice.add_argument("path", nargs="?", type=Path, default=SHARED / "wice" / "claim_dev.jsonl")
    cf = sub.add_parser("climate-fever")
    cf.add_argument("path", nargs="?", type=Path, default=SHARED / "climate-fever" / "climate-fever.jsonl")
    for p in (wice, cf):
        p.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    if args.which == "wice":
        bench_wice(args.path, not args.no_cache)
    else:
        bench_climate_fever(args.path, not args.no_cache)


if __name__ == "__main__":
    main()
