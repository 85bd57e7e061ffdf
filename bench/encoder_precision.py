"""The encoder's and the pair scorer's arithmetic, fp32 against bf16, on this machine: speed, agreement, links.

    python bench/encoder_precision.py [--sentences PATH] [--limit N] [--stsb PATH] [--ecb DIR] [--rounds N]
        [--parts speed stsb links]

``ENCODER_PRECISION=auto`` (the default) picks bf16 on a CPU with AMX and fp32 elsewhere
(``claims.matching.semantic.precision_for``). This measures both on the machine it runs on:
- speed: sentences per CPU-second of the encoder (``--limit`` sentences of a BBC-format JSON Lines
  file, batches of 64, the two precisions alternating batch by batch so that both see the same
  load), and pairs per CPU-second of the pair scorer (both heads) on MRPC-length pairs;
- agreement: the cosine between each sentence's two vectors, the largest logit difference, and STS-B
  Spearman of the cosine (any STS-B-format file) for each, with a paired bootstrap of the difference;
- links: ECB+ (``--ecb``, the layout of bench/ecb_linking.py) through the matcher as shipped, once with
  each precision; how many links (automatic, and automatic or suggested) agree, and how many of those
  that differ were band-row candidates in one precision only (a hyperplane bit of a vector that sits
  almost on the plane flips with any change of the vector). The stated tolerance is 1% of the links
  among pairs that are candidates in both (what the arithmetic decides); a run above it prints FAIL.
One torch thread, as a worker process runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch
from ecb_linking import load as load_ecb
from matching_util import SHARED, machine, paired_bootstrap, spearman

from claims.matching import calibration, scoring
from claims.matching.linking import Item, Matcher
from claims.matching.pair_scorer import PairScorer, load_adapter
from claims.matching.semantic import MiniLM, encoder

PRECISIONS = ("fp32", "bf16")
TOLERANCE = 0.01  # share of links that may differ between the two precisions


def sentences(path: Path, limit: int) -> list[str]:
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        out.extend(p for p in json.loads(line)["paragraphs"] if p.strip())
        if len(out) >= limit:
            break
    return out[:limit]


def encode_with(model: MiniLM, name: str, texts: list[str]) -> np.ndarray:
    model.use_precision(name)
    return model.encode(texts)


def speed(model: MiniLM, texts: list[str]) -> dict[str, np.ndarray]:
    """Vectors of ``texts`` in each precision, batch by batch in turn; prints sentences per CPU-second."""
    seconds = dict.fromkeys(PRECISIONS, 0.0)
    vectors = {name: np.zeros((len(texts), 384), dtype=np.float32) for name in PRECISIONS}
    for name in PRECISIONS:  # warm
        encode_with(model, name, texts[:64])
    for lo in range(0, len(texts), 64):
        for name in PRECISIONS:
            started = time.process_time()
            vectors[name][lo : lo + 64] = encode_with(model, name, texts[lo : lo + 64])
            seconds[name] += time.process_time() - started
    for name in PRECISIONS:
        print(f"  encoder {name}: {len(texts) / seconds[name]:7.1f} sentences per CPU-second")
    agreement = np.einsum("ij,ij->i", vectors["fp32"], vectors["bf16"])
    print(f"  cosine between the two vectors of a sentence: mean {agreement.mean():.6f}, lowest {agreement.min():.6f}")
    return vectors


def scorer_speed(model: MiniLM, pairs: list[tuple[str, str]]) -> None:
    seconds, logits = {}, {}
    for name in (*PRECISIONS, *PRECISIONS):
        model.use_precision(name)
        scorer = PairScorer(model, *load_adapter())  # a fresh memo for each run
        started = time.process_time()
        logits[name] = scorer.head_logits(pairs)
        seconds[name] = time.process_time() - started  # the second run of each counts: the first warms
    for name in PRECISIONS:
        print(f"  pair scorer {name}: {len(pairs) / seconds[name]:6.1f} pairs per CPU-second (both heads)")
    gap = np.abs(logits["fp32"] - logits["bf16"])
    print(f"  logit difference: mean {gap.mean():.4f}, largest {gap.max():.4f}")


def stsb(model: MiniLM, path: Path, rounds: int) -> None:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if len(r) >= 7]
    gold = np.array([float(r[4]) for r in rows])
    cosines = {}
    for name in PRECISIONS:
        v = encode_with(model, name, [r[5] for r in rows] + [r[6] for r in rows])
        cosines[name] = np.einsum("ij,ij->i", v[: len(rows)], v[len(rows) :]).astype(np.float64)
    a, b = cosines["bf16"], cosines["fp32"]
    low, high = paired_bootstrap(lambda s: spearman(a[s], gold[s]) - spearman(b[s], gold[s]), len(rows), rounds)
    print(
        f"  STS-B {path.name} ({len(rows)} pairs) Spearman of the cosine: fp32 {spearman(b, gold):.4f}, "
        f"bf16 {spearman(a, gold):.4f}; bf16 - fp32, 95% paired bootstrap [{low:+.4f}, {high:+.4f}]"
    )


def links(model: MiniLM, directory: Path) -> bool:
    _, _, rows, _ = load_ecb(directory)
    texts = [text for _, _, text in rows]
    cal, support = calibration.shipped(), calibration.shipped_support()
    found: dict[str, dict[str, dict[tuple[int, int], scoring.MatchDecision]]] = {}
    candidates: dict[str, set[tuple[int, int]]] = {}
    for name in PRECISIONS:
        vectors = encode_with(model, name, texts)
        items = [Item(n, d, scoring.features(t, embedding=vectors[n])) for n, (d, _, t) in enumerate(rows)]
        scorer = PairScorer(model, *load_adapter())
        matcher = Matcher(pair_logits=scorer.head_logits, calibration=cal, support=support)
        candidates[name] = set(matcher.candidates(items))
        made = matcher.link(items)
        found[name] = {
            "automatic": {(x.a, x.b): x.decision for x in made if x.decision.decision == "auto"},
            "automatic or suggested": {(x.a, x.b): x.decision for x in made},
        }
    within = True
    shared = candidates["fp32"] & candidates["bf16"]
    print(f"  ECB+ band-row candidates: fp32 {len(candidates['fp32'])}, bf16 {len(candidates['bf16'])}, "
          f"in both {len(shared)}")  # fmt: skip
    for level in ("automatic", "automatic or suggested"):
        a, b = found["fp32"][level], found["bf16"][level]
        differ = len(a.keys() ^ b.keys()) / max(len(a.keys() | b.keys()), 1)
        decided = {k for k in a.keys() ^ b.keys() if k in shared}
        on_shared = len(decided) / max(len((a.keys() | b.keys()) & shared), 1)
        within &= on_shared <= TOLERANCE
        print(
            f"  ECB+ links, {level}: fp32 {len(a)}, bf16 {len(b)}, in both {len(a.keys() & b.keys())}; differing "
            f"{differ:.2%} of all, {on_shared:.2%} among pairs that are candidates in both (tolerance {TOLERANCE:.0%})"
        )
        margins = [_margin(d) for d in [a[k] for k in a.keys() - b.keys()] + [b[k] for k in b.keys() - a.keys()]]
        if margins:
            print(f"    how far the differing links' scores were above the threshold that made them: "
                  f"median {np.median(margins):.4f}, largest {max(margins):.4f}")  # fmt: skip
    return within


def _margin(decision: scoring.MatchDecision) -> float:
    """How far above the threshold that fired the value it compares was (for the cosine rule, the cosine)."""
    fired = decision.threshold.get("value")
    if not isinstance(fired, int | float):
        return float("nan")
    by_cosine = decision.threshold.get("basis") in ("cosine", "support+cosine")
    value = float(decision.signals.get("cosine") or 0.0) if by_cosine else decision.score
    return value - float(fired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=Path, default=SHARED / "bbc-news" / "bbc_articles.jsonl")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--stsb", type=Path, default=SHARED / "stsb" / "sts-dev.csv")
    parser.add_argument("--ecb", type=Path, default=SHARED / "ecbplus")
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--parts", nargs="+", choices=["speed", "stsb", "links"], default=["speed", "stsb", "links"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = encoder()
    print(f"machine: {machine()}; ENCODER_PRECISION=auto chooses {model.precision} here")
    if "speed" in args.parts:
        texts = sentences(args.sentences, args.limit)
        speed(model, texts)
        scorer_speed(model, list(itertools.pairwise(texts[:401])))
    if "stsb" in args.parts:
        stsb(model, args.stsb, args.rounds)
    if "links" in args.parts and not links(model, args.ecb):
        print("FAIL: the two precisions differ on more links than the tolerance")


if __name__ == "__main__":
    main()
