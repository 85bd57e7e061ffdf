"""Does the matcher tell a supporting report from a related one? Claim -> evidence pairs, beside cosine.

    python bench/support.py [--climate-fever PATH] [--wice PATH] [--per-claim N] [--rounds N] [--previous NAME]

A report supports a claim when it says what the claim says, even if it says more: looser than a
paraphrase. The matcher's suggestions are decided by the pair scorer's support head and its
calibration (``weights/pair-scorer-v2.support.json``); before, by a paraphrase head trained on MRPC and
STS-B and the cosine rule (``--previous``, default ``pair-scorer-v1``, as it was deployed: the current
path). This measures the relation on two public claim-evidence sets, each pair read as (claim, evidence):

- climate-fever (any split in its jsonl layout): each evidence sentence labelled SUPPORTS by its
  annotators against those labelled NOT_ENOUGH_INFO (related, retrieved for the claim, not support);
  REFUTES is left out (a stance question: ``bench/stance.py``).
- WiCE (any split in its jsonl layout): for each claim, the ``--per-claim`` sentences of its cited
  page closest to it by cosine (what the band rows would bring), right when a gold supporting set
  holds the sentence.

Given the file the support head was trained on (same sha256 as in the adapter's manifest), only its
``report`` part is measured, which neither training nor calibration saw; any other file is measured whole.

Scores per pair: plain MiniLM cosine, the support head's logit, the support probability as the
matcher computes it (``scoring.compare`` with the committed calibrations; pairs below the cosine
floor count as 0) and the previous adapter's calibrated probability. Printed: ROC AUC of each (the
chance a supporting pair scores above an unsupporting one) with paired bootstraps of the
differences, and precision / recall of the links each matcher would make (automatic, and automatic
or suggested) beside the cosine rule alone (cosine at least the semantic ``lower`` threshold).
Nothing is tuned here: every threshold comes from the committed calibrations.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matching_util import SHARED, embed, machine, paired_bootstrap, previous_scorer, prf  # puts the project on sys.path

from claims.matching import calibration, scoring
from claims.matching.pair_scorer import pair_scorer, split_of

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Pair = tuple[str, str, bool]


def report_part(path: Path, name: str, keyed: list[tuple[str, Pair]]) -> tuple[list[Pair], str]:
    """The pairs to measure: the untouched report part of the file the support head was trained on, else all."""
    trained = pair_scorer().manifest["data"].get(name)
    if trained and hashlib.sha256(path.read_bytes()).hexdigest() == trained["sha256"]:
        parts = [(part, int(share)) for part, share in trained["parts"]]
        kept = [pair for key, pair in keyed if split_of(key, parts) == "report"]
        return kept, f"the report part of the training file ({len(kept)} of {len(keyed)} pairs)"
    return [pair for _, pair in keyed], f"all {len(keyed)} pairs"


def climate_fever_pairs(path: Path) -> tuple[list[Pair], str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for evidence in row["evidences"]:
            if evidence["evidence_label"] in {"SUPPORTS", "NOT_ENOUGH_INFO"}:
                pair = (row["claim"], evidence["evidence"], evidence["evidence_label"] == "SUPPORTS")
                out.append((f"cf{row['claim_id']}", pair))
    return report_part(path, "climate-fever", out)


def wice_pairs(path: Path, per_claim: int) -> tuple[list[Pair], str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [t for row in rows for t in (row["claim"], *row["evidence"])]
    vectors, _ = embed(texts, f"wice-{path.stem}")
    out, at = [], 0
    for row in rows:
        claim, page = vectors[at], vectors[at + 1 : at + 1 + len(row["evidence"])]
        at += 1 + len(row["evidence"])
        gold = {i for group in row["supporting_sentences"] for i in group}
        for i in np.argsort(-(page @ claim), kind="stable")[:per_claim]:
            out.append((f"wice{row['claim']}", (row["claim"], row["evidence"][int(i)], int(i) in gold)))
    return report_part(path, "wice", out)


def auc(scores: F, positive: B) -> float:
    """ROC AUC by ranks (ties share their average rank)."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.bincount(inverse, weights=ranks) / counts)[inverse]
    n1, n0 = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / max(n1 * n0, 1))


def measure(name: str, key: str, loaded: tuple[list[Pair], str], rounds: int, earlier: str) -> None:
    pairs, which = loaded
    cal, support = calibration.shipped(), calibration.shipped_support()
    assert cal is not None, "no calibration committed"
    assert support is not None, "no support calibration committed"
    old_scorer, old_cal = previous_scorer(earlier)
    claims, evidence = [a for a, _, _ in pairs], [b for _, b, _ in pairs]
    vectors, _ = embed(claims + evidence, f"support-{key}")
    n = len(pairs)
    gold = np.array([right for _, _, right in pairs])
    cosine = np.einsum("ij,ij->i", vectors[:n], vectors[n:]).astype(np.float64)
    texts = list(zip(claims, evidence, strict=True))
    both, old_logits = pair_scorer().head_logits(texts), old_scorer.logits(texts)
    features = [
        (scoring.features(a, embedding=vectors[i]), scoring.features(b, embedding=vectors[n + i]))
        for i, (a, b) in enumerate(texts)
    ]
    ours = scoring.compare_many(features, pair_logits=lookup(texts, both), calibration=cal, support=support)
    before = scoring.compare_many(features, pair_logits=lookup(texts, old_logits), calibration=old_cal)
    print(f"\n{name}: {which}, {int(gold.sum())} supporting ({gold.mean():.1%})")
    systems = {
        "cosine": cosine,
        "support head logit": both[:, 1],
        "support probability (matcher)": signal(ours, "support_probability", "probability"),
        f"{earlier} probability (as deployed)": signal(before, "probability"),
    }
    for label, scores in systems.items():
        print(f"  ROC AUC {label:<38} {auc(scores, gold):.4f}")
    for label, baseline in (("support probability (matcher)", "cosine"),
                            ("support probability (matcher)", f"{earlier} probability (as deployed)"),
                            ("support head logit", "cosine")):  # fmt: skip
        scores, other = systems[label], systems[baseline]

        def difference(sample: npt.NDArray[np.int64], scores: F = scores, other: F = other) -> float:
            return auc(scores[sample], gold[sample]) - auc(other[sample], gold[sample])

        low, high = paired_bootstrap(difference, n, rounds)
        print(f"  {label} - {baseline}: AUC difference, 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")
    listed = np.array([d.linked and d.stance == "supports" for d in ours])
    if listed.any() and gold[listed].any() and not gold[listed].all():
        kept = np.flatnonzero(listed)
        first, second = systems["support probability (matcher)"], systems[f"{earlier} probability (as deployed)"]

        def order_gain(sample: npt.NDArray[np.int64]) -> float:
            rows = kept[sample]
            return auc(first[rows], gold[rows]) - auc(second[rows], gold[rows])

        low, high = paired_bootstrap(order_gain, len(kept), rounds)
        print(f"  the order suggestions are listed in ({len(kept)} linked): ROC AUC by the support probability "
              f"{auc(first[kept], gold[kept]):.4f}, by {earlier}'s probability {auc(second[kept], gold[kept]):.4f}; "
              f"difference [{low:+.3f}, {high:+.3f}]")  # fmt: skip
    lower = scoring.THRESHOLDS["semantic"].lower
    matchers = {"matcher (support head)": ours, f"{earlier} as deployed": before}
    for label, kinds in (("automatic", {"auto"}), ("automatic or suggested", {"auto", "suggested"})):
        for system, ds in matchers.items():
            linked = np.array([d.decision in kinds and d.stance == "supports" for d in ds])
            p, r, f = prf(linked, gold)
            print(f"  {system:<26} {label:<24} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({int(linked.sum())})")
    p, r, f = prf(cosine >= lower, gold)
    print(f"  {'cosine rule alone':<26} {'cosine >= ' + str(lower):<24} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    suggested = {s: np.array([d.linked and d.stance == "supports" for d in ds]) for s, ds in matchers.items()}
    first, second = suggested.values()
    for index, measure_name in ((0, "precision"), (2, "F1")):

        def gain(sample: npt.NDArray[np.int64], index: int = index) -> float:
            return prf(first[sample], gold[sample])[index] - prf(second[sample], gold[sample])[index]

        low, high = paired_bootstrap(gain, n, rounds)
        print(f"  matcher - {earlier}, linked {measure_name}: 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")


def signal(ds: Sequence[scoring.MatchDecision], *names: str) -> F:
    """The first of ``names`` each decision's signals carry (0 for a pair below the floor, never scored)."""
    return np.array([float(next((d.signals[k] for k in names if k in d.signals), 0.0)) for d in ds])


def lookup(texts: list[tuple[str, str]], logits: F) -> scoring.PairLogits:
    """The logits already computed for these (claim, evidence) texts: compare_many asks only above the floor."""
    index = {pair: i for i, pair in enumerate(texts)}
    return lambda batch: logits[[index[pair] for pair in batch]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--climate-fever", type=Path, default=SHARED / "climate-fever" / "climate-fever.jsonl")
    parser.add_argument("--wice", type=Path, default=SHARED / "wice" / "claim_dev.jsonl")
    parser.add_argument("--per-claim", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--previous", default="pair-scorer-v1", help="earlier adapter in weights/, as deployed")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    measure(f"climate-fever {args.climate_fever.name} (SUPPORTS vs NOT_ENOUGH_INFO)", "climate-fever",
            climate_fever_pairs(args.climate_fever), args.rounds, args.previous)  # fmt: skip
    measure(f"WiCE {args.wice.name} (top {args.per_claim} sentences by cosine per claim)", "wice",
            wice_pairs(args.wice, args.per_claim), args.rounds, args.previous)  # fmt: skip


if __name__ == "__main__":
    main()
