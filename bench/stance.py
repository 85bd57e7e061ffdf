"""Stance of a report towards a claim: precision and recall of "contradicts", beside plain baselines.

    python bench/stance.py [--climate-fever PATH] [--pairs PATH] [--fnc-stances PATH --fnc-bodies PATH] [--rounds N]

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

A third set asks the question of a whole article, as FNC-1 does: does this body agree with the
headline or dispute it? ``--fnc-stances`` is FNC-1's stances CSV (``Headline,Body ID,Stance``; only
agree and disagree rows are read) and ``--fnc-bodies`` its bodies CSV (``Body ID,articleBody``) or a
folder of ``.txt`` bodies numbered by their name's prefix (``003_….txt`` is body 3). By default, the
project's own FNC-style set: headlines written for the five sample articles in ``samples/seed``
(``bench/data/fnc_style_stances.csv``). A body is split into sentences; the matcher disputes the
headline when it links one of them as contradicting it (``compare``, as above); ``polarity, closest``
when the rule calls one of the three sentences closest by cosine contradicting, whatever the cosine;
``negation word`` likewise with the old rule; ``constant`` always answers disagree.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
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


def fnc_articles(stances: Path, bodies: Path) -> list[Pair]:
    """(headline, body, gold: disagrees) for the agree and disagree rows of an FNC-1 layout."""
    if bodies.is_dir():
        numbered = (f for f in sorted(bodies.glob("*.txt")) if f.name.split("_")[0].isdigit())
        texts = {str(int(f.name.split("_")[0])): f.read_text(encoding="utf-8") for f in numbered}
    else:
        with bodies.open(encoding="utf-8-sig", newline="") as f:
            texts = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(f)}
    with stances.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and "Stance" not in rows[0]:
        raise SystemExit(f"{stances} has no Stance column: an unlabelled split cannot be measured")
    kept = [r for r in rows if r["Stance"] in ("agree", "disagree")]
    missing = [r["Body ID"] for r in kept if r["Body ID"] not in texts]
    if missing:
        print(f"  {len(missing)} rows name a body {bodies} does not hold (e.g. {missing[0]}): left out")
    return [(r["Headline"], texts[r["Body ID"]], r["Stance"] == "disagree") for r in kept if r["Body ID"] in texts]


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|\n+")


def sentences(body: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(body) if len(s.split()) >= 3]


def article_answers(articles: list[Pair]) -> dict[str, npt.NDArray[np.bool_]]:
    """Each system's answer, per (headline, body): does the body dispute the headline?"""
    split = [sentences(body) for _, body, _ in articles]
    texts = sorted({t for (headline, _, _), parts in zip(articles, split, strict=True) for t in (headline, *parts)})
    vectors = dict(zip(texts, embed(texts, "stance-articles")[0], strict=True))
    kept = {t: features(t, embedding=vectors[t]) for t in texts}
    answers: dict[str, list[bool]] = {label: [] for label in ARTICLE_SYSTEMS}
    for (headline, _, _), parts in zip(articles, split, strict=True):
        claim = kept[headline]
        closest = sorted(parts, key=lambda t: -float(np.dot(vectors[headline], vectors[t])))[:3]
        decisions = [compare(claim, kept[t]) for t in parts]
        answers["polarity, as linked (matcher)"].append(any(d.linked and d.stance == "contradicts" for d in decisions))
        answers["polarity, closest 3"].append(any(stance(claim, kept[t]) == "contradicts" for t in closest))
        answers["negation word, closest 3"].append(any(negation_word_rule(headline, t) for t in closest))
        answers["constant disagree"].append(True)
    return {label: np.array(values) for label, values in answers.items()}


ARTICLE_SYSTEMS = (
    "polarity, as linked (matcher)",
    "polarity, closest 3",
    "negation word, closest 3",
    "constant disagree",
)


def report_articles(name: str, articles: list[Pair], rounds: int) -> None:
    gold = np.array([g for _, _, g in articles])
    predicted = article_answers(articles)
    print(f"\n{name}: {len(articles)} headline-body pairs, {int(gold.sum())} disagreeing ({gold.mean():.1%})")
    _table(predicted, gold, rounds)


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
    _table(predicted, gold, rounds)


def _table(predicted: dict[str, npt.NDArray[np.bool_]], gold: npt.NDArray[np.bool_], rounds: int) -> None:
    """Each system's figures, then the first system's differences to the baselines (every system after the second)."""
    print(f"  {'system':<30} {'precision':>9} {'recall':>7} {'F1':>6}  contradicts answered")
    for label, answers in predicted.items():
        p, r, f = prf(answers, gold)
        print(f"  {label:<30} {p:>9.3f} {r:>7.3f} {f:>6.3f}  {int(answers.sum())}")
    first = next(iter(predicted))
    ours = predicted[first]
    for label in list(predicted)[2:]:
        other = predicted[label]
        for metric, index in (("precision", 0), ("F1", 2)):
            low, high = paired_bootstrap(_difference(ours, other, gold, index), len(gold), rounds)
            print(f"  {first} - {label}: {metric} difference, 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")


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
    parser.add_argument("--fnc-stances", type=Path, default=ROOT / "bench" / "data" / "fnc_style_stances.csv")
    parser.add_argument("--fnc-bodies", type=Path, default=ROOT / "samples" / "seed", help="CSV or folder of .txt")
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap resamples")
    args = parser.parse_args()
    print(machine())
    report(f"own news pairs ({args.pairs.name})", own_pairs(args.pairs), args.rounds)
    report(f"climate-fever ({args.climate_fever.name})", climate_fever(args.climate_fever), args.rounds)
    articles = fnc_articles(args.fnc_stances, args.fnc_bodies)
    report_articles(f"FNC-1 layout ({args.fnc_stances.name}, {args.fnc_bodies.name})", articles, args.rounds)


if __name__ == "__main__":
    main()
