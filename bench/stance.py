"""Stance of a report towards a claim: precision and recall of "contradicts", beside plain baselines.

    python bench/stance.py [--climate-fever PATH] [--pairs PATH] [--rounds N]

Two sets of the same shape (a claim, a report sentence, supports or contradicts):
- climate-fever (any split in its jsonl layout): each evidence sentence labelled SUPPORTS or REFUTES
  by its annotators, paired with its claim (NOT_ENOUGH_INFO left out);
- ``bench/data/stance_pairs.jsonl``: news-style pairs written for this project, where polarity is
  carried by "not", by negating verbs (refused, denied, ruled out) or by figures.

Each system reads only the pair: ``polarity`` is the matcher's rule (``claims.matching.scoring.stance``:
figures that cannot both hold, or the same predicate affirmed in one text and negated in the other);
``negation word`` is the rule it replaced (a negation word in one text only); ``constant`` always
answers contradicts. ``polarity, as linked`` is what a fact-checker sees: a contradiction the matcher
stores, the same rule where the pair's cosine also reaches the matcher's link threshold
(``claims.matching.scoring.compare`` on the two texts' MiniLM embeddings). The interval is a paired
bootstrap of the difference in precision and in F1 between the matcher's rule and each baseline, over
the same resampled pairs.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matching_util import ROOT, SHARED, embed, machine, paired_bootstrap, prf  # puts the project on sys.path

from claims.matching.lexical import tokens
from claims.matching.scoring import compare, features, stance

OLD_CUES = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"})
Pair = tuple[str, str, bool]  # claim, report, gold: contradicts


def climate_fever(path: Path) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for evidence in record["evidences"]:
            if evidence["evidence_label"] in ("SUPPORTS", "REFUTES"):
                pairs.append((record["claim"], evidence["evidence"], evidence["evidence_label"] == "REFUTES"))
    return pairs


def own_pairs(path: Path) -> list[Pair]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["a"], r["b"], r["label"] == "contradicts") for r in rows]


def polarity_rule(a: str, b: str) -> bool:
    return stance(features(a), features(b)) == "contradicts"


def negation_word_rule(a: str, b: str) -> bool:
    def negated(text: str) -> bool:
        return any(t in OLD_CUES or t.endswith("n't") for t in tokens(text))

    return negated(a) != negated(b)


def constant_rule(a: str, b: str) -> bool:
    return True


SYSTEMS: dict[str, Callable[[str, str], bool]] = {
    "polarity (matcher)": polarity_rule,
    "negation word (before)": negation_word_rule,
    "constant contradicts": constant_rule,
}


def linked_contradictions(pairs: list[Pair], label: str) -> npt.NDArray[np.bool_]:
    """Whether the matcher would store each pair as a contradiction: the rule, and a cosine it links at."""
    texts = sorted({t for a, b, _ in pairs for t in (a, b)})
    vectors = dict(zip(texts, embed(texts, f"stance-{label}")[0], strict=True))
    decisions = (compare(features(a, embedding=vectors[a]), features(b, embedding=vectors[b])) for a, b, _ in pairs)
    return np.array([d.linked and d.stance == "contradicts" for d in decisions])


def report(name: str, pairs: list[Pair], rounds: int) -> None:
    gold = np.array([g for _, _, g in pairs])
    predicted = {label: np.array([rule(a, b) for a, b, _ in pairs]) for label, rule in SYSTEMS.items()}
    predicted = {
        "polarity (matcher)": predicted.pop("polarity (matcher)"),
        "polarity, as linked": linked_contradictions(pairs, name.split()[0]),
        **predicted,
    }
    print(f"\n{name}: {len(pairs)} pairs, {int(gold.sum())} contradicting ({gold.mean():.1%})")
    print(f"  {'system':<26} {'precision':>9} {'recall':>7} {'F1':>6}  contradicts answered")
    for label, answers in predicted.items():
        p, r, f = prf(answers, gold)
        print(f"  {label:<26} {p:>9.3f} {r:>7.3f} {f:>6.3f}  {int(answers.sum())}")
    ours = predicted["polarity (matcher)"]
    for label in list(predicted)[2:]:
        other = predicted[label]
        for metric, index in (("precision", 0), ("F1", 2)):
            low, high = paired_bootstrap(_difference(ours, other, gold, index), len(pairs), rounds)
            print(f"  matcher - {label}: {metric} difference, 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")


def _difference(
    ours: npt.NDArray[np.bool_], other: npt.NDArray[np.bool_], gold: npt.NDArray[np.bool_], index: int
) -> Callable[[npt.NDArray[np.int64]], float]:
    def metric(sample: npt.NDArray[np.int64]) -> float:
        return prf(ours[sample], gold[sample])[index] - prf(other[sample], gold[sample])[index]

    return metric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--climate-fever", type=Path, default=SHARED / "climate-fever" / "climate-fever.jsonl")
    parser.add_argument("--pairs", type=Path, default=ROOT / "bench" / "data" / "stance_pairs.jsonl")
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap resamples")
    args = parser.parse_args()
    print(machine())
    report(f"own news pairs ({args.pairs.name})", own_pairs(args.pairs), args.rounds)
    report(f"climate-fever ({args.climate_fever.name})", climate_fever(args.climate_fever), args.rounds)


if __name__ == "__main__":
    main()
