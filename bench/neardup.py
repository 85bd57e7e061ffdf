"""Near-duplicate (paraphrase) detection quality of claims.matching, and embedding throughput.

    python bench/neardup.py mrpc [PATH]    P/R/F1 on MRPC train: thresholds chosen on its first half,
                                           reported on the second
    python bench/neardup.py stsb [DIR]     STS-B: P/R/F1 on dev (score >= 4 is a duplicate), Spearman on dev main-news
    python bench/neardup.py speed [PATH] [--limit N]   sentences/s of the encoder on MRPC sentences
    python bench/neardup.py static [--mrpc PATH] [--stsb DIR]   the model2vec-style static encoder distilled
                                           from MiniLM: distillation time, sentences/s, the same quality figures

No database: the pure matching modules only. Embeddings are cached under var/bench-cache
(by content and model hash); pass --no-cache to recompute them.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matching_util import (
    SHARED,
    best_f1_threshold,
    embed,
    machine,
    precision_threshold,
    prf,
    spearman,
)

from claims.matching import scoring
from claims.matching.lexical import MinHasher
from claims.matching.semantic import HyperplaneLSH

Pair = tuple[bool, str, str]


def load_mrpc(path: Path) -> list[Pair]:
    rows = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.split("\t")
        if len(parts) == 5 and parts[0] in {"0", "1"}:
            rows.append((parts[0] == "1", parts[3], parts[4]))
    return rows


def load_stsb(path: Path) -> list[tuple[str, float, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7:
            rows.append((parts[0], float(parts[4]), parts[5], parts[6]))
    return rows


def decide(
    left: Sequence[str], right: Sequence[str], vectors: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None
) -> list[scoring.MatchDecision]:
    out = []
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        fa = scoring.features(a, embedding=None if vectors is None else vectors[0][i])
        fb = scoring.features(b, embedding=None if vectors is None else vectors[1][i])
        out.append(scoring.compare(fa, fb))
    return out


def duplicate(decisions: Sequence[scoring.MatchDecision], level: str) -> npt.NDArray[np.bool_]:
    """Predicted near-duplicates: linked as supporting (auto only, or auto + suggested)."""
    ok = {"auto"} if level == "upper" else {"auto", "suggested"}
    return np.array([d.decision in ok and d.stance == "supports" for d in decisions])


def _report(name: str, predicted: npt.NDArray[np.bool_], gold: npt.NDArray[np.bool_]) -> None:
    p, r, f = prf(predicted, gold)
    print(f"  {name:<58} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  (predicted {int(predicted.sum())}, gold {int(gold.sum())})")


def band_recall(left: Sequence[str], right: Sequence[str], vectors: tuple[npt.NDArray[np.float32], ...]) -> None:
    hasher, planes = MinHasher(), HyperplaneLSH()
    lex = np.any(hasher.band_keys(hasher.signatures(left)) == hasher.band_keys(hasher.signatures(right)), axis=1)
    sem = np.any(planes.band_keys(vectors[0]) == planes.band_keys(vectors[1]), axis=1)
    cfg = hasher.config
    print(
        f"  band-key candidate recall on these pairs: MinHash ({cfg.num_perm} perms, {cfg.bands}x{cfg.rows}, "
        f"{cfg.shingle}-word shingles) {lex.mean():.3f}; hyperplane ({planes.bands}x{planes.rows} bits) "
        f"{sem.mean():.3f}; either {(lex | sem).mean():.3f}"
    )


def bench_mrpc(path: Path, use_cache: bool) -> None:
    rows = load_mrpc(path)
    gold = np.array([r[0] for r in rows])
    left, right = [r[1] for r in rows], [r[2] for r in rows]
    vectors, rate = embed(left + right, "mrpc", use_cache)
    a, b = vectors[: len(rows)], vectors[len(rows) :]
    half = len(rows) // 2
    dev, test = slice(0, half), slice(half, None)
    print(f"machine: {machine()}")
    if rate:
        print(f"encoder: {len(left) * 2} sentences at {rate:.0f} sentences/s")
    print(f"MRPC {path.name}: {len(rows)} pairs, {gold.mean():.3f} paraphrases; dev = first {half}, test = rest")
    semantic = decide(left, right, (a, b))
    lexical = decide(left, right, None)
    for label, decisions in (("semantic", semantic), ("lexical", lexical)):
        scores = np.array([d.score for d in decisions])
        lower = best_f1_threshold(scores[dev], gold[dev])
        upper = precision_threshold(scores[dev], gold[dev], 0.90)
        current = scoring.THRESHOLDS[label]
        print(
            f"{label}: chosen on dev: lower (F1-optimal) {lower:.2f}, upper (precision >= 0.90) {upper:.2f}; "
            f"in scoring.py: lower {current.lower:.2f}, upper {current.upper:.2f}"
        )
        _report("test: linked (>= lower, rules applied)", duplicate(decisions, "lower")[test], gold[test])
        _report("test: auto links only (>= upper)", duplicate(decisions, "upper")[test], gold[test])
        _report(f"test: bare score >= {current.lower:.2f} (no rules)", (scores >= current.lower)[test], gold[test])
        _report("dev: linked (>= lower, rules applied)", duplicate(decisions, "lower")[dev], gold[dev])
    cosine = np.array([d.signals["cosine"] for d in semantic])
    t = best_f1_threshold(cosine[dev], gold[dev])
    _report(f"test: cosine alone >= {t:.2f} (F1-optimal on dev)", (cosine >= t)[test], gold[test])
    fired: dict[str, int] = {}
    for d in semantic:
        for reason in d.reasons:
            key = reason.split(":")[0].split(" for ")[0]
            fired[key] = fired.get(key, 0) + 1
    print(f"  rules that fired (all pairs, semantic): {fired}")
    positives = np.flatnonzero(gold[test]) + half
    band_recall([left[i] for i in positives], [right[i] for i in positives], (a[positives], b[positives]))


def bench_stsb(directory: Path, use_cache: bool) -> None:
    print(f"machine: {machine()}")
    dev = load_stsb(directory / "sts-dev.csv")
    train = load_stsb(directory / "sts-train.csv")
    results: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]] = {}
    for name, rows in (("train", train), ("dev", dev)):
        left, right = [r[2] for r in rows], [r[3] for r in rows]
        vectors, rate = embed(left + right, f"stsb-{name}", use_cache)
        if rate:
            print(f"encoder: {len(left) * 2} sentences at {rate:.0f} sentences/s")
        decisions = decide(left, right, (vectors[: len(rows)], vectors[len(rows) :]))
        results[name] = (np.array([d.score for d in decisions]), np.array([r[1] for r in rows]), [r[0] for r in rows])
        if name == "dev":
            gold = np.array([r[1] >= 4.0 for r in rows])
            print(f"STS-B dev: {len(rows)} pairs, {int(gold.sum())} with score >= 4 (duplicates)")
            t = scoring.THRESHOLDS["semantic"]
            _report(f"dev: linked (>= lower {t.lower:.2f}, MRPC-dev thresholds)", duplicate(decisions, "lower"), gold)
            _report(f"dev: auto links (>= upper {t.upper:.2f})", duplicate(decisions, "upper"), gold)
            train_scores, train_gold, _ = results["train"]
            best = best_f1_threshold(train_scores, train_gold >= 4.0)
            _report(f"dev: score >= {best:.2f} (F1-optimal on STS-B train)", results["dev"][0] >= best, gold)
            scores, gold_scores, genres = results["dev"]
            news = np.array([g == "main-news" for g in genres])
            cosine = np.array([d.signals["cosine"] for d in decisions])
            jac = np.array([d.signals["jaccard"] for d in decisions])
            rho = {name: spearman(v[news], gold_scores[news]) for name, v in (("s", scores), ("c", cosine), ("j", jac))}
            print(
                f"Spearman on dev main-news ({int(news.sum())} pairs): score {rho['s']:.4f}, "
                f"cosine {rho['c']:.4f}, Jaccard {rho['j']:.4f}"
            )
            print(f"Spearman on all of dev: cosine {spearman(cosine, gold_scores):.4f}")


def bench_speed(path: Path, limit: int) -> None:
    from claims.matching.semantic import encoder

    rows = load_mrpc(path)
    texts = [t for r in rows for t in (r[1], r[2])][:limit]
    model = encoder()
    model.encode(texts[:64])
    print(f"machine: {machine()}")
    for batch in (16, 64):
        start = time.perf_counter()
        model.encode(texts, batch_size=batch)
        seconds = time.perf_counter() - start
        print(f"batch {batch}: {len(texts)} MRPC sentences in {seconds:.1f}s = {len(texts) / seconds:.0f} sentences/s")


def bench_static(mrpc_path: Path, stsb_dir: Path) -> None:
    from claims.matching.semantic import StaticEncoder, encoder

    print(f"machine: {machine()}")
    start = time.perf_counter()
    static = StaticEncoder.distill(encoder())
    print(f"distilled {static.table.shape[0]} x {static.table.shape[1]} table in {time.perf_counter() - start:.1f}s")
    rows = load_mrpc(mrpc_path)
    left, right = [r[1] for r in rows], [r[2] for r in rows]
    start = time.perf_counter()
    a, b = static.encode(left), static.encode(right)
    seconds = time.perf_counter() - start
    print(
        f"static encoder: {2 * len(rows)} MRPC sentences in {seconds:.2f}s = {2 * len(rows) / seconds:,.0f} sentences/s"
    )
    gold = np.array([r[0] for r in rows])
    cosine = np.sum(a * b, axis=1).astype(np.float64)
    half = len(rows) // 2
    t = best_f1_threshold(cosine[:half], gold[:half])
    _report(f"MRPC test: static cosine >= {t:.2f} (F1-optimal on dev)", (cosine >= t)[half:], gold[half:])
    dev = load_stsb(stsb_dir / "sts-dev.csv")
    x, y = static.encode([r[2] for r in dev]), static.encode([r[3] for r in dev])
    sim = np.sum(x * y, axis=1).astype(np.float64)
    scores = np.array([r[1] for r in dev])
    news = np.array([r[0] == "main-news" for r in dev])
    print(
        f"STS-B dev Spearman: static {spearman(sim, scores):.4f} (all), {spearman(sim[news], scores[news]):.4f} "
        "(main-news)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="which", required=True)
    mrpc = sub.add_parser("mrpc")
    mrpc.add_argument("path", nargs="?", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    stsb = sub.add_parser("stsb")
    stsb.add_argument("path", nargs="?", type=Path, default=SHARED / "stsb")
    speed = sub.add_parser("speed")
    speed.add_argument("path", nargs="?", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    speed.add_argument("--limit", type=int, default=2000)
    static = sub.add_parser("static")
    static.add_argument("--mrpc", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    static.add_argument("--stsb", type=Path, default=SHARED / "stsb")
    for p in (mrpc, stsb):
        p.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    if args.which == "mrpc":
        bench_mrpc(args.path, not args.no_cache)
    elif args.which == "stsb":
        bench_stsb(args.path, not args.no_cache)
    elif args.which == "static":
        bench_static(args.mrpc, args.stsb)
    else:
        bench_speed(args.path, args.limit)


if __name__ == "__main__":
    main()
