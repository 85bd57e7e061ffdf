"""Calibrated link decisions (pair scorer + calibration) beside plain MiniLM cosine, on any split.

    python bench/pair_scorer.py mrpc [PATH]   decisions on an MRPC-format file: F1 of linked pairs,
                                              automatic links (precision, recall), beside cosine
    python bench/pair_scorer.py stsb [PATH]   an STS-B-format file: Spearman (main-news and all),
                                              P/R of duplicates (score >= 4)
    python bench/pair_scorer.py cost [--pairs N]   pair-scorer throughput and its cost per 40-claim article,
                                                   adapter folded into the weights beside its terms per layer

Every threshold comes from committed files: the calibrations
(``claims/matching/weights/pair-scorer-v2.calibration.json`` and ``.support.json``, chosen on the
validation parts of the training data) and, for the cosine baseline, the thresholds stored beside it, chosen on the
same validation part (F1-optimal, and the lowest reaching precision 0.95). Given the MRPC file
the adapter was trained on (same sha256 as in its manifest), only its ``report`` part is
measured, which neither training nor calibration saw; any other file is measured whole.

Systems per pair: ``calibrated`` (``scoring.compare_many`` with the pair scorer, as the matcher
decides with the shipped calibrations: automatic links by the paraphrase probability, suggestions by
the support probability). Its "same fact" decision, what a paraphrase set measures, leaves out the
links the support head alone suggests (``MatchDecision.same_fact``: a report that backs a claim
but says more); "any supporting link" keeps them. Beside it: the same scorer with suggestions by
the cosine rule (``scoring-v5``'s decision) or pruned below the paraphrase ``suggest_at`` (as a
reviewers' calibration does), the previous adapter as it was deployed (``--previous``, default
``pair-scorer-v1`` with its own calibration; ``--previous-calibration`` and ``--previous-support`` name
other calibration files, such as a release's taken with ``git show``), ``rules`` (no calibration: cosine
thresholds and rules) and ``cosine`` (plain MiniLM cosine). Intervals are paired bootstraps of the
difference between ``calibrated`` and each other system over the same resampled pairs.
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
from matching_util import (  # puts the project on sys.path
    SHARED,
    embed,
    machine,
    paired_bootstrap,
    previous_scorer,
    prf,
    spearman,
)

from claims.matching import calibration, scoring
from claims.matching.pair_scorer import (
    PairBatch,
    PairScorer,
    both_logits,
    folded,
    pair_batches,
    pair_logits,
    pair_scorer,
    split_of,
)

B = npt.NDArray[np.bool_]
F = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class Earlier:
    """The deployment compared against: an adapter in ``weights/`` with its calibrations."""

    adapter: str
    calibration_file: Path | None  # None: the adapter's own ``<name>.calibration.json``
    support_file: Path | None  # None: no support calibration (before pair-scorer-v2)

    def __str__(self) -> str:
        named = self.calibration_file
        return self.adapter if named is None else f"{self.adapter} with {named.name}"

    def load(self) -> tuple[PairScorer, calibration.Calibration, calibration.Calibration | None]:
        scorer, cal = previous_scorer(self.adapter, self.calibration_file)
        support = None if self.support_file is None else calibration.shipped_support(self.support_file)
        return scorer, cal, support


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
    left: list[str],
    right: list[str],
    label: str,
    cal: calibration.Calibration | None,
    support: calibration.Calibration | None = None,
    scorer: PairScorer | None = None,
) -> tuple[list[scoring.MatchDecision], F]:
    vectors, _ = embed(left + right, label)
    n = len(left)
    pairs = [
        (scoring.features(a, embedding=vectors[i]), scoring.features(b, embedding=vectors[n + i]))
        for i, (a, b) in enumerate(zip(left, right, strict=True))
    ]
    scorer = scorer or pair_scorer()
    logits = scorer.head_logits if support is not None else scorer.logits
    out = scoring.compare_many(pairs, pair_logits=None if cal is None else logits, calibration=cal, support=support)
    cosine = np.einsum("ij,ij->i", vectors[:n], vectors[n:]).astype(np.float64)
    return out, cosine


def linked(ds: list[scoring.MatchDecision], auto_only: bool, same_fact: bool = False) -> B:
    """Supporting links (automatic only, or with suggestions); ``same_fact``: not those the support head alone made."""
    ok = {"auto"} if auto_only else {"auto", "suggested"}
    return np.array([d.decision in ok and d.stance == "supports" and (d.same_fact or not same_fact) for d in ds])


def _difference(ours: B, other: B, gold: B, index: int) -> Callable[[npt.NDArray[np.int64]], float]:
    def metric(sample: npt.NDArray[np.int64]) -> float:
        return prf(ours[sample], gold[sample])[index] - prf(other[sample], gold[sample])[index]

    return metric


def _line(name: str, predicted: B, gold: B) -> None:
    p, r, f = prf(predicted, gold)
    print(f"  {name:<52} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({int(predicted.sum())} of {len(gold)})")


def bench_mrpc(path: Path, rounds: int, earlier: Earlier) -> None:
    rows, which = load_pairs_mrpc(path)
    cal, support = calibration.shipped(), calibration.shipped_support()
    assert cal is not None, "no calibration committed"
    assert support is not None, "no support calibration committed"
    old_scorer, old_cal, old_support = earlier.load()
    base = json.loads(calibration.DEFAULT_PATH.read_text())["baseline"]["mrpc"]
    left, right = [r[1] for r in rows], [r[2] for r in rows]
    gold = np.array([r[3] for r in rows])
    print(f"machine: {machine()}")
    print(f"MRPC {path.name}: {which}, {gold.mean():.3f} paraphrases")
    ours, cosine = decisions(left, right, f"mrpc-{path.stem}", cal, support)
    by_cosine, _ = decisions(left, right, f"mrpc-{path.stem}", cal)
    pruning, _ = decisions(left, right, f"mrpc-{path.stem}", dataclasses.replace(cal, prunes_suggestions=True))
    before, _ = decisions(left, right, f"mrpc-{path.stem}", old_cal, old_support, scorer=old_scorer)
    rules, _ = decisions(left, right, f"mrpc-{path.stem}", None)
    systems_linked = {
        "calibrated: same fact (auto + suggested)": linked(ours, False, same_fact=True),
        "calibrated: any supporting link (+ support head)": linked(ours, False),
        "same adapter, suggestions by the cosine rule": linked(by_cosine, False),
        f"same adapter, suggestions pruned below p {cal.suggest_at:.2f}": linked(pruning, False),
        f"{earlier} as deployed": linked(before, False, same_fact=old_cal.same_at is not None),
        "rules (auto + suggested)": linked(rules, False),
        f"cosine >= {base['cosine_f1']:.2f}": cosine >= base["cosine_f1"],
    }
    systems_auto = {
        f"calibrated auto (p >= {cal.auto_at:.2f})": linked(ours, True),
        f"{earlier} auto (p >= {old_cal.auto_at:.2f})": linked(before, True),
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


def bench_stsb(path: Path, rounds: int, earlier: Earlier) -> None:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7:
            rows.append((parts[0], float(parts[4]), parts[5], parts[6]))
    cal, support = calibration.shipped(), calibration.shipped_support()
    assert cal is not None, "no calibration committed"
    assert support is not None, "no support calibration committed"
    old_scorer, old_cal, old_support = earlier.load()
    base = json.loads(calibration.DEFAULT_PATH.read_text())["baseline"]["stsb"]
    left, right = [r[2] for r in rows], [r[3] for r in rows]
    scores = np.array([r[1] for r in rows])
    news = np.array([r[0] == "main-news" for r in rows])
    print(f"machine: {machine()}")
    print(f"STS-B {path.name}: {len(rows)} pairs, {int(news.sum())} main-news")
    ours, cosine = decisions(left, right, f"stsb-{path.stem}", cal, support)
    pruning, _ = decisions(left, right, f"stsb-{path.stem}", dataclasses.replace(cal, prunes_suggestions=True))
    before, _ = decisions(left, right, f"stsb-{path.stem}", old_cal, old_support, scorer=old_scorer)
    probability = _probabilities(ours, pair_scorer().logits(list(zip(left, right, strict=True))), cal)
    old = _probabilities(before, old_scorer.logits(list(zip(left, right, strict=True))), old_cal)
    for name, mask in (("main-news", news), ("all genres", np.ones(len(rows), bool))):
        idx = np.flatnonzero(mask)
        for label, other in (("cosine", cosine), (str(earlier), old)):
            ours_rho, other_rho = spearman(probability[idx], scores[idx]), spearman(other[idx], scores[idx])

            def diff(sample: npt.NDArray[np.int64], idx: npt.NDArray[np.int64] = idx, other: F = other) -> float:
                s = idx[sample]
                return spearman(probability[s], scores[s]) - spearman(other[s], scores[s])

            low, high = paired_bootstrap(diff, len(idx), rounds)
            print(
                f"Spearman, {name} ({len(idx)}): calibrated probability {ours_rho:.4f}, {label} {other_rho:.4f}; "
                f"difference 95% paired bootstrap [{low:+.3f}, {high:+.3f}]"
            )
    gold = scores >= 4.0
    print("duplicates (score >= 4)")
    _line("calibrated: same fact (auto + suggested)", linked(ours, False, same_fact=True), gold)
    _line("calibrated: any supporting link (+ support head)", linked(ours, False), gold)
    _line(f"{earlier} as deployed", linked(before, False, same_fact=old_cal.same_at is not None), gold)
    _line(f"calibrated, suggestions pruned below p {cal.suggest_at:.2f}", linked(pruning, False), gold)
    _line(f"cosine >= {base['cosine_f1']:.2f}", cosine >= base["cosine_f1"], gold)
    _line(f"calibrated auto (p >= {cal.auto_at:.2f})", linked(ours, True), gold)
    _line(f"cosine >= {base['cosine_p95']:.2f}", cosine >= base["cosine_p95"], gold)


def _probabilities(ds: list[scoring.MatchDecision], logits: F, cal: calibration.Calibration) -> F:
    """The paraphrase probability of every pair, also those below the cosine floor the matcher does not score."""
    return np.array(
        [
            cal.probability(calibration.feature_vector({**d.signals, "pair_logit": lg}))
            for d, lg in zip(ds, logits, strict=True)
        ]
    )


def bench_cost(count: int) -> None:
    """Throughput of the scorer as shipped (adapters folded into the weights, both heads), of the paraphrase head
    alone folded, and of the adapter's own terms per layer, batch by batch in turn (the machine is shared: all see
    the same load), and how far the paraphrase logits differ."""
    path = SHARED / "mrpc" / "msr_paraphrase_train.txt"
    rows, _ = load_pairs_mrpc(path)
    pairs = [(r[1], r[2]) for r in rows[:count]]
    scorer = pair_scorer()
    paraphrase = scorer.adapter.paraphrase()
    model, head = folded(scorer.base, paraphrase)

    def both(batch: PairBatch) -> torch.Tensor:
        return both_logits(scorer.folded_model, scorer.folded_support, scorer.heads, batch)[:, 0]

    systems: dict[str, Callable[[PairBatch], torch.Tensor]] = {
        "adapter terms per layer, paraphrase head": lambda batch: pair_logits(scorer.base, paraphrase, batch),
        "folded, paraphrase head only (pair-scorer-v1)": lambda batch: pair_logits(model, head, batch),
        "folded, both heads (shipped)": both,
    }
    logits = {name: np.zeros(len(pairs)) for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    print(f"machine: {machine()}")
    with torch.inference_mode():
        for run in systems.values():  # warm
            run(pair_batches(scorer.base, pairs[:32], 32)[0][1])
        started = time.perf_counter()
        batches = pair_batches(scorer.base, pairs, 32)
        tokenizing = time.perf_counter() - started
        for positions, batch in batches:
            for name, run in systems.items():
                started = time.perf_counter()
                logits[name][positions] = run(batch).double().numpy()
                seconds[name] += time.perf_counter() - started
    print(f"{len(pairs)} MRPC pairs, batches of 32 sorted by length; tokenizing {tokenizing:.2f}s")
    for name in systems:
        rate = len(pairs) / (seconds[name] + tokenizing)
        per_claim = ", ".join(f"{k}/claim {40 * k / rate:.2f}s" for k in (1, 3, 10))
        print(f"  {name:<46} {rate:6.1f} pairs/s; a 40-claim article at {per_claim}")
    first, *rest = logits.values()
    gap = max(float(np.abs(first - other).max()) for other in rest)
    print(f"  largest paraphrase-logit difference between them: {gap:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="which", required=True)
    mrpc = sub.add_parser("mrpc")
    mrpc.add_argument("path", nargs="?", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    stsb = sub.add_parser("stsb")
    stsb.add_argument("path", nargs="?", type=Path, default=SHARED / "stsb" / "sts-dev.csv")
    for p in (mrpc, stsb):
        p.add_argument("--rounds", type=int, default=1000)
        p.add_argument("--previous", default="pair-scorer-v1", help="earlier adapter in weights/, as deployed")
        p.add_argument("--previous-calibration", type=Path, help="its calibration file (default: the one beside it)")
        p.add_argument("--previous-support", type=Path, help="its support calibration file (default: none)")
    cost = sub.add_parser("cost")
    cost.add_argument("--pairs", type=int, default=500)
    args = parser.parse_args()
    if args.which in ("mrpc", "stsb"):
        earlier = Earlier(args.previous, args.previous_calibration, args.previous_support)
        (bench_mrpc if args.which == "mrpc" else bench_stsb)(args.path, args.rounds, earlier)
    else:
        bench_cost(args.pairs)


if __name__ == "__main__":
    main()
