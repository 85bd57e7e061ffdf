"""Calibrated link decisions (pair scorer + calibration) beside plain MiniLM cosine, on any split.

    python bench/pair_scorer.py mrpc [PATH]   decisions on an MRPC-format file: F1 of linked pairs,
                                              automatic links (precision, recall), beside cosine
    python bench/pair_scorer.py stsb [PATH]   an STS-B-format file: Spearman (main-news and all),
                                              P/R of duplicates (score >= 4)
    python bench/pair_scorer.py cost [--pairs N]   pair-scorer throughput and its cost per 40-claim article,
                                                   adapter folded into the weights beside its terms per layer

Every threshold comes from committed files: the calibration
(``claims/matching/weights/pair-scorer-v1.calibration.json``, chosen on the validation part of
the training data) and, for the cosine baseline, the thresholds stored beside it, chosen on the
same validation part (F1-optimal, and the lowest reaching precision 0.95). Given the MRPC file
the adapter was trained on (same sha256 as in its manifest), only its ``report`` part is
measured, which neither training nor calibration saw; any other file is measured whole.

Three systems per pair: ``calibrated`` (``scoring.compare_many`` with the pair scorer, as the
matcher decides with the shipped calibration: automatic links by probability, suggestions by the
cosine rule; a second line prunes suggestions below ``suggest_at`` as a reviewers' calibration
does), ``rules`` (the same without calibration: cosine thresholds and rules) and
``cosine`` (plain MiniLM cosine). Intervals are paired bootstraps of the difference between
``calibrated`` and each other system over the same resampled pairs.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from matching_util import SHARED, embed, machine, paired_bootstrap, prf, spearman  # puts the project on sys.path

from claims.matching import calibration, scoring
from claims.matching.pair_scorer import LowRankAdapter, folded, pair_batches, pair_logits, pair_scorer, split_of
from claims.matching.semantic import MiniLM

B = npt.NDArray[np.bool_]
F = npt.NDArray[np.float64]


def load_pairs_mrpc(path: Path) -> tuple[list[tuple[str, str, str, bool]], str]:
    """(key, a, b, paraphrase) rows and which rows are measured."""
    rows = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.split("\t")
        if len(parts) == 5 and parts[0] in {"0", "1"}:
            rows.append((f"{parts[1]}-{parts[2]}", parts[3], parts[4], parts[0] == "1"))
    manifest = pair_scorer().manifest["data"]["mrpc"]
    if hashlib.sha256(path.read_bytes()).hexdigest() == manifest["sha256"]:
        parts_ = [(name, int(share)) for name, share in manifest["parts"]]
        kept = [r for r in rows if split_of(r[0], parts_) == "report"]
        return kept, f"the report part of the training file ({len(kept)} of {len(rows)} pairs)"
    return rows, f"all {len(rows)} pairs"


def decisions(
    left: list[str], right: list[str], label: str, cal: calibration.Calibration | None
) -> tuple[list[scoring.MatchDecision], F]:
    vectors, _ = embed(left + right, label)
    n = len(left)
    pairs = [
        (scoring.features(a, embedding=vectors[i]), scoring.features(b, embedding=vectors[n + i]))
        for i, (a, b) in enumerate(zip(left, right, strict=True))
    ]
    scorer = pair_scorer()
    out = scoring.compare_many(pairs, pair_logits=None if cal is None else scorer.logits, calibration=cal)
    cosine = np.einsum("ij,ij->i", vectors[:n], vectors[n:]).astype(np.float64)
    return out, cosine


def linked(ds: list[scoring.MatchDecision], auto_only: bool) -> B:
    ok = {"auto"} if auto_only else {"auto", "suggested"}
    return np.array([d.decision in ok and d.stance == "supports" for d in ds])


def _difference(ours: B, other: B, gold: B, index: int) -> Callable[[npt.NDArray[np.int64]], float]:
    def metric(sample: npt.NDArray[np.int64]) -> float:
        return prf(ours[sample], gold[sample])[index] - prf(other[sample], gold[sample])[index]

    return metric


def _line(name: str, predicted: B, gold: B) -> None:
    p, r, f = prf(predicted, gold)
    print(f"  {name:<52} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({int(predicted.sum())} of {len(gold)})")


def bench_mrpc(path: Path, rounds: int) -> None:
    rows, which = load_pairs_mrpc(path)
    cal = calibration.shipped()
    assert cal is not None, "no calibration committed"
    base = json.loads(calibration.DEFAULT_PATH.read_text())["baseline"]["mrpc"]
    left, right = [r[1] for r in rows], [r[2] for r in rows]
    gold = np.array([r[3] for r in rows])
    print(f"machine: {machine()}")
    print(f"MRPC {path.name}: {which}, {gold.mean():.3f} paraphrases")
    ours, cosine = decisions(left, right, f"mrpc-{path.stem}", cal)
    pruning, _ = decisions(left, right, f"mrpc-{path.stem}", dataclasses.replace(cal, prunes_suggestions=True))
    rules, _ = decisions(left, right, f"mrpc-{path.stem}", None)
    systems_linked = {
        "calibrated (auto + suggested)": linked(ours, False),
        f"calibrated, suggestions pruned below p {cal.suggest_at:.2f}": linked(pruning, False),
        "rules (auto + suggested)": linked(rules, False),
        f"cosine >= {base['cosine_f1']:.2f}": cosine >= base["cosine_f1"],
    }
    systems_auto = {
        f"calibrated auto (p >= {cal.auto_at:.2f})": linked(ours, True),
        "rules auto": linked(rules, True),
        f"cosine >= {base['cosine_p95']:.2f} (P 0.95 on validation)": cosine >= base["cosine_p95"],
    }
    for title, systems, index, metric in (
        ("linked (a decision: same fact or not)", systems_linked, 2, "F1"),
        ("automatic links", systems_auto, 1, "recall"),
    ):
        print(title)
        for name, predicted in systems.items():
            _line(name, predicted, gold)
        ours_p = next(iter(systems.values()))
        for name, other in list(systems.items())[1:]:
            low, high = paired_bootstrap(_difference(ours_p, other, gold, index), len(gold), rounds)
            print(f"  calibrated - {name}: {metric} difference, 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")


def bench_stsb(path: Path, rounds: int) -> None:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7:
            rows.append((parts[0], float(parts[4]), parts[5], parts[6]))
    cal = calibration.shipped()
    assert cal is not None, "no calibration committed"
    base = json.loads(calibration.DEFAULT_PATH.read_text())["baseline"]["stsb"]
    left, right = [r[2] for r in rows], [r[3] for r in rows]
    scores = np.array([r[1] for r in rows])
    news = np.array([r[0] == "main-news" for r in rows])
    print(f"machine: {machine()}")
    print(f"STS-B {path.name}: {len(rows)} pairs, {int(news.sum())} main-news")
    ours, cosine = decisions(left, right, f"stsb-{path.stem}", cal)
    pruning, _ = decisions(left, right, f"stsb-{path.stem}", dataclasses.replace(cal, prunes_suggestions=True))
    logits = pair_scorer().logits(list(zip(left, right, strict=True)))
    probability = np.array(
        [
            cal.probability(calibration.feature_vector({**d.signals, "pair_logit": lg}))
            for d, lg in zip(ours, logits, strict=True)
        ]
    )
    for name, mask in (("main-news", news), ("all genres", np.ones(len(rows), bool))):
        idx = np.flatnonzero(mask)
        ours_rho, cos_rho = spearman(probability[idx], scores[idx]), spearman(cosine[idx], scores[idx])

        def diff(sample: npt.NDArray[np.int64], idx: npt.NDArray[np.int64] = idx) -> float:
            s = idx[sample]
            return spearman(probability[s], scores[s]) - spearman(cosine[s], scores[s])

        low, high = paired_bootstrap(diff, len(idx), rounds)
        print(
            f"Spearman, {name} ({len(idx)}): calibrated probability {ours_rho:.4f}, cosine {cos_rho:.4f}; "
            f"difference 95% paired bootstrap [{low:+.3f}, {high:+.3f}]"
        )
    gold = scores >= 4.0
    print("duplicates (score >= 4)")
    _line("calibrated (auto + suggested)", linked(ours, False), gold)
    _line(f"calibrated, suggestions pruned below p {cal.suggest_at:.2f}", linked(pruning, False), gold)
    _line(f"cosine >= {base['cosine_f1']:.2f}", cosine >= base["cosine_f1"], gold)
    _line(f"calibrated auto (p >= {cal.auto_at:.2f})", linked(ours, True), gold)
    _line(f"cosine >= {base['cosine_p95']:.2f}", cosine >= base["cosine_p95"], gold)


def bench_cost(count: int) -> None:
    """Throughput of the scorer as shipped (adapter folded into the weights) and of the adapter's own terms per
    layer, batch by batch in turn (the machine is shared: both see the same load), and how far their logits differ."""
    path = SHARED / "mrpc" / "msr_paraphrase_train.txt"
    rows, _ = load_pairs_mrpc(path)
    pairs = [(r[1], r[2]) for r in rows[:count]]
    scorer = pair_scorer()
    model, head = folded(scorer.base, scorer.adapter)
    systems: dict[str, tuple[MiniLM, LowRankAdapter]] = {
        "adapter terms per layer": (scorer.base, scorer.adapter),
        "adapter folded into the weights (shipped)": (model, head),
    }
    logits = {name: np.zeros(len(pairs)) for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    print(f"machine: {machine()}")
    with torch.inference_mode():
        for weights, adapter in systems.values():  # warm
            pair_logits(weights, adapter, pair_batches(scorer.base, pairs[:32], 32)[0][1])
        started = time.perf_counter()
        batches = pair_batches(scorer.base, pairs, 32)
        tokenizing = time.perf_counter() - started
        for positions, batch in batches:
            for name, (weights, adapter) in systems.items():
                started = time.perf_counter()
                logits[name][positions] = pair_logits(weights, adapter, batch).double().numpy()
                seconds[name] += time.perf_counter() - started
    print(f"{len(pairs)} MRPC pairs, batches of 32 sorted by length; tokenizing {tokenizing:.2f}s")
    for name in systems:
        rate = len(pairs) / (seconds[name] + tokenizing)
        per_claim = ", ".join(f"{k}/claim {40 * k / rate:.2f}s" for k in (1, 3, 10))
        print(f"  {name:<42} {rate:6.1f} pairs/s; a 40-claim article at {per_claim}")
    first, second = logits.values()
    print(f"  largest logit difference between the two: {float(np.abs(first - second).max()):.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="which", required=True)
    mrpc = sub.add_parser("mrpc")
    mrpc.add_argument("path", nargs="?", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    stsb = sub.add_parser("stsb")
    stsb.add_argument("path", nargs="?", type=Path, default=SHARED / "stsb" / "sts-dev.csv")
    for p in (mrpc, stsb):
        p.add_argument("--rounds", type=int, default=1000)
    cost = sub.add_parser("cost")
    cost.add_argument("--pairs", type=int, default=500)
    args = parser.parse_args()
    if args.which == "mrpc":
        bench_mrpc(args.path, args.rounds)
    elif args.which == "stsb":
        bench_stsb(args.path, args.rounds)
    else:
        bench_cost(args.pairs)


if __name__ == "__main__":
    main()
