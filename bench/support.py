"""Does the pair scorer tell a supporting report from a related one? Claim -> evidence pairs, beside cosine.

    python bench/support.py [--climate-fever PATH] [--wice PATH] [--per-claim N] [--rounds N]

The pair scorer (``claims/matching/pair_scorer.py``) was trained on paraphrase and similarity pairs
(MRPC, STS-B); the matcher uses its calibrated probability to decide *supporting* links, which are
looser: a report supports a claim when it says what the claim says, even if it says more. This
measures that relation on two public claim-evidence sets, each pair read as (claim, evidence):

- climate-fever (any split in its jsonl layout): each evidence sentence labelled SUPPORTS by its
  annotators against those labelled NOT_ENOUGH_INFO (related, retrieved for the claim, not support);
  REFUTES is left out (a stance question: ``bench/stance.py``).
- WiCE (any split in its jsonl layout): for each claim, the ``--per-claim`` sentences of its cited
  page closest to it by cosine (what the band rows would bring), right when a gold supporting set
  holds the sentence.

Three scores per pair: plain MiniLM cosine, the pair scorer's logit, and the calibrated probability
as the matcher computes it (``scoring.compare`` with the committed calibration; pairs below its
cosine floor count as 0). Printed: ROC AUC of each (the chance a supporting pair scores above an
unsupporting one) with a paired bootstrap of the difference to cosine, and precision / recall of the
links the matcher would make (automatic, and automatic or suggested). Nothing is tuned here: every
threshold comes from the committed calibration.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matching_util import SHARED, embed, machine, paired_bootstrap, prf  # puts the project on sys.path

from claims.matching import calibration, scoring
from claims.matching.pair_scorer import pair_scorer

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Pair = tuple[str, str, bool]


def climate_fever_pairs(path: Path) -> list[Pair]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for evidence in row["evidences"]:
            if evidence["evidence_label"] in {"SUPPORTS", "NOT_ENOUGH_INFO"}:
                out.append((row["claim"], evidence["evidence"], evidence["evidence_label"] == "SUPPORTS"))
    return out


def wice_pairs(path: Path, per_claim: int) -> list[Pair]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [t for row in rows for t in (row["claim"], *row["evidence"])]
    vectors, _ = embed(texts, f"wice-{path.stem}")
    out, at = [], 0
    for row in rows:
        claim, page = vectors[at], vectors[at + 1 : at + 1 + len(row["evidence"])]
        at += 1 + len(row["evidence"])
        gold = {i for group in row["supporting_sentences"] for i in group}
        for i in np.argsort(-(page @ claim), kind="stable")[:per_claim]:
            out.append((row["claim"], row["evidence"][int(i)], int(i) in gold))
    return out


def auc(scores: F, positive: B) -> float:
    """ROC AUC by ranks (ties share their average rank)."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.bincount(inverse, weights=ranks) / counts)[inverse]
    n1, n0 = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / max(n1 * n0, 1))


def measure(name: str, key: str, pairs: list[Pair], rounds: int) -> None:
    cal = calibration.shipped()
    assert cal is not None, "no calibration committed"
    claims, evidence = [a for a, _, _ in pairs], [b for _, b, _ in pairs]
    vectors, _ = embed(claims + evidence, f"support-{key}")
    n = len(pairs)
    gold = np.array([right for _, _, right in pairs])
    cosine = np.einsum("ij,ij->i", vectors[:n], vectors[n:]).astype(np.float64)
    logits = pair_scorer().logits(list(zip(claims, evidence, strict=True)))
    features = [
        (scoring.features(a, embedding=vectors[i]), scoring.features(b, embedding=vectors[n + i]))
        for i, (a, b) in enumerate(zip(claims, evidence, strict=True))
    ]
    decisions = scoring.compare_many(features, pair_logits=lambda batch: logits_for(batch, pairs, logits),
                                     calibration=cal)  # fmt: skip
    probability = np.array([float(d.signals.get("probability") or 0.0) for d in decisions])
    print(f"\n{name}: {n} pairs, {int(gold.sum())} supporting ({gold.mean():.1%})")
    systems = {"cosine": cosine, "pair scorer logit": logits, "calibrated probability (matcher)": probability}
    for label, scores in systems.items():
        print(f"  ROC AUC {label:<34} {auc(scores, gold):.4f}")
    for label in ("pair scorer logit", "calibrated probability (matcher)"):
        scores = systems[label]

        def difference(sample: npt.NDArray[np.int64], scores: F = scores) -> float:
            return auc(scores[sample], gold[sample]) - auc(cosine[sample], gold[sample])

        low, high = paired_bootstrap(difference, n, rounds)
        print(f"  {label} - cosine: AUC difference, 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")
    for label, kinds in (("automatic", {"auto"}), ("automatic or suggested", {"auto", "suggested"})):
        linked = np.array([d.decision in kinds and d.stance == "supports" for d in decisions])
        p, r, f = prf(linked, gold)
        print(f"  matcher's supporting links, {label:<24} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({int(linked.sum())})")


def logits_for(batch: Sequence[tuple[str, str]], pairs: list[Pair], logits: F) -> F:
    """The logits already computed for these (claim, evidence) texts: compare_many asks only above the floor."""
    index = {(a, b): i for i, (a, b, _) in enumerate(pairs)}
    return np.array([logits[index[pair]] for pair in batch])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--climate-fever", type=Path, default=SHARED / "climate-fever" / "climate-fever.jsonl")
    parser.add_argument("--wice", type=Path, default=SHARED / "wice" / "claim_dev.jsonl")
    parser.add_argument("--per-claim", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    measure(f"climate-fever {args.climate_fever.name} (SUPPORTS vs NOT_ENOUGH_INFO)", "climate-fever",
            climate_fever_pairs(args.climate_fever), args.rounds)  # fmt: skip
    measure(f"WiCE {args.wice.name} (top {args.per_claim} sentences by cosine per claim)", "wice",
            wice_pairs(args.wice, args.per_claim), args.rounds)  # fmt: skip


if __name__ == "__main__":
    main()
