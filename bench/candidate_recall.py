"""Candidate recall: the share of gold pairs that share a band row (and so reach scoring), and what it costs.

    python bench/candidate_recall.py [ECB_DIR] [RETRIEVAL_FILE] [--no-cache] [--rounds N]

    ECB_DIR          ECB+ split (docs.jsonl, event_chains.jsonl); default ../shared/eval/ecbplus
    RETRIEVAL_FILE   claim retrieval split, climate-fever jsonl (claim + evidences with labels) or WiCE
                     jsonl (claim + its page's sentences + supporting sentence sets); default climate-fever

Every text is an item as a claim is in the matcher (``claims.matching.linking.Matcher``): its rows
are computed by the product's own ``Matcher.rows_for`` (MinHash, hyperplane band keys through
``HyperplaneLSH``, figure keys), with only the ``HyperplaneLSH`` parameters changed per variant.
Texts of one article (ECB+ document; retrieval: the claim alone, each evidence page) are never
paired. Gold pairs: ECB+ sentences of different documents sharing an event chain; retrieval, a
claim and each of its SUPPORTS / REFUTES (climate-fever) or supporting (WiCE) sentences, all
sentences of the file pooled.

Per variant: recall of the gold pairs among the candidates, recall of those also at or above the
cosine floor of the committed calibration (what a decision can link at all), candidate pairs per
item (the scoring cost; the database lookup also caps a claim at ``MAX_CANDIDATES`` partners), and
a paired bootstrap over the gold pairs of the recall difference against today's rows. Beside them,
exact cosine >= floor over all pairs. Nothing is fitted here: the floor comes from the committed file.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from ecb_linking import load as load_ecb
from matching_util import SHARED, embed, machine, paired_bootstrap

from claims.matching import calibration, scoring
from claims.matching.linking import Item, Matcher
from claims.matching.semantic import HyperplaneLSH

# (label, HyperplaneLSH parameters, extra entity-pair rows)
VARIANTS: list[tuple[str, dict[str, int], bool]] = [
    ("current: 32 bands x 12 bits", {}, False),
    ("symmetric multi-probe, 1 flip (64 rows)", {"probes": 1}, False),
    ("symmetric multi-probe, 2 flips (96 rows)", {"probes": 2}, False),
    ("32 x 13 bits", {"rows": 13}, False),
    ("32 x 13 bits, 1 flip", {"rows": 13, "probes": 1}, False),
    ("64 x 12 bits (64 rows)", {"bands": 64}, False),
    ("current + entity-pair rows", {}, True),
    ("1 flip + entity-pair rows", {"probes": 1}, True),
]


@dataclass(slots=True)
class Split:
    name: str
    texts: list[str]
    articles: list[str]  # items of one article are never paired
    gold: list[tuple[int, int]]  # (i < j)
    cache_label: str


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ecb_split(path: Path) -> Split:
    _docs, _chains, sentences, gold = load_ecb(path)
    return Split("ECB+", [t for _, _, t in sentences], [d for d, _, _ in sentences], sorted(gold), "ecbplus")


def retrieval_split(path: Path) -> Split:
    rows = _jsonl(path)
    if rows and "evidences" in rows[0]:
        return _climate_fever(path.name, rows)
    return _wice(path.name, rows)


def _climate_fever(name: str, rows: list[dict[str, Any]]) -> Split:
    pool: dict[str, dict[str, Any]] = {}
    for row in rows:
        for ev in row["evidences"]:
            pool.setdefault(ev["evidence_id"], ev)
    ids = list(pool)
    index = {eid: len(rows) + n for n, eid in enumerate(ids)}
    texts = [r["claim"] for r in rows] + [pool[i]["evidence"] for i in ids]
    # A claim is an article of its own; evidence sentences of one Wikipedia page are one article.
    articles = [f"claim:{r['claim_id']}" for r in rows] + [f"page:{pool[i]['article']}" for i in ids]
    gold = sorted(
        {
            (n, index[ev["evidence_id"]])
            for n, row in enumerate(rows)
            for ev in row["evidences"]
            if ev["evidence_label"] in {"SUPPORTS", "REFUTES"}
        }
    )
    return Split(f"climate-fever {name}", texts, articles, gold, "cf")


def _wice(name: str, rows: list[dict[str, Any]]) -> Split:
    texts = [r["claim"] for r in rows]
    articles = [f"claim:{n}" for n in range(len(rows))]
    gold: list[tuple[int, int]] = []
    for n, row in enumerate(rows):
        start = len(texts)
        texts.extend(row["evidence"])
        articles.extend(f"page:{n}" for _ in row["evidence"])
        supporting = (
            set().union(*[set(s) for s in row["supporting_sentences"] if s]) if row["supporting_sentences"] else set()
        )
        gold.extend((n, start + s) for s in sorted(supporting))
    return Split(f"WiCE {name}", texts, articles, gold, "wice-pool")


def _vectors(split: Split, use_cache: bool) -> npt.NDArray[np.float32]:
    if split.cache_label == "cf":
        # The same texts and cache entries as bench/retrieval.py: claims, then the evidence pool.
        claims = sum(1 for a in split.articles if a.startswith("claim:"))
        head, _ = embed(split.texts[:claims], "cf-claims", use_cache)
        tail, _ = embed(split.texts[claims:], "cf-evidence", use_cache)
        return np.concatenate([head, tail])
    vectors, _ = embed(split.texts, split.cache_label, use_cache)
    return vectors


def _entity_pair_rows(items: Sequence[Item]) -> list[list[tuple[int, int, int]]]:
    """Bench-only idea: one row per pair of the text's entity keys (an event's who-and-where), method id 9."""
    out = []
    for item in items:
        keys = sorted(item.features.entity_keys)
        rows = []
        for a, b in itertools.combinations(keys, 2):
            digest = hashlib.blake2b(f"entities:{a}:{b}".encode(), digest_size=8).digest()
            rows.append((9, 0, int.from_bytes(digest, "little", signed=True)))
        out.append(rows)
    return out


def _pairs_sharing(rows: list[list[tuple[int, int, int]]], articles: Sequence[str]) -> set[tuple[int, int]]:
    buckets: dict[tuple[int, int, int], list[int]] = {}
    for i, item_rows in enumerate(rows):
        for row in set(item_rows):
            buckets.setdefault(row, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if articles[i] != articles[j]:
                    pairs.add((min(i, j), max(i, j)))
    return pairs


def measure(split: Split, use_cache: bool, rounds: int) -> list[str]:
    vectors = _vectors(split, use_cache)
    items = [
        Item(n, article, scoring.features(text, embedding=vectors[n]))
        for n, (text, article) in enumerate(zip(split.texts, split.articles, strict=True))
    ]
    cal = calibration.shipped()
    floor = cal.cosine_floor if cal is not None else 0.5
    gold_cosine = np.array([float(vectors[i] @ vectors[j]) for i, j in split.gold])
    above = gold_cosine >= floor
    n = len(items)
    articles = np.array(split.articles)
    exact_pairs = 0
    for lo in range(0, n, 2000):
        block = vectors[lo : lo + 2000] @ vectors.T
        upper = np.arange(n)[None, :] > np.arange(lo, min(lo + 2000, n))[:, None]
        exact_pairs += int((upper & (block >= floor) & (articles[lo : lo + 2000, None] != articles[None, :])).sum())
    lines = [
        f"{split.name}: {n} items, {len(split.gold)} gold pairs, {above.mean():.3f} of them at cosine >= {floor} "
        f"(the calibration's floor); all pairs of different articles counted",
        f"  {'rows':<42} {'recall':>7} {'>=floor':>8} {'pairs/item':>11} {'x cost':>7}  "
        f"{'recall - current, 95% paired bootstrap':<40} {'>=floor - current':<20} seconds",
    ]
    base_found: npt.NDArray[np.bool_] | None = None
    base_cost = 1.0
    entity_rows = _entity_pair_rows(items)
    for label, params, with_entities in VARIANTS:
        start = time.perf_counter()
        matcher = Matcher(planes=HyperplaneLSH(**params))
        pairs = set(matcher.candidates(items))
        if with_entities:
            pairs |= _pairs_sharing(entity_rows, split.articles)
        seconds = time.perf_counter() - start
        found = np.array([pair in pairs for pair in split.gold])
        cost = 2 * len(pairs) / n
        if base_found is None:
            base_found, base_cost = found, cost
        base = base_found

        def gap(
            sample: npt.NDArray[np.int64], found: npt.NDArray[np.bool_] = found, base: npt.NDArray[np.bool_] = base
        ) -> float:
            return float(found[sample].mean() - base[sample].mean())

        def gap_floor(
            sample: npt.NDArray[np.int64], found: npt.NDArray[np.bool_] = found, base: npt.NDArray[np.bool_] = base
        ) -> float:
            return float((found & above)[sample].mean() - (base & above)[sample].mean())

        if found is base:
            intervals = ("", "")
        else:
            low, high = paired_bootstrap(gap, len(found), rounds)
            low_f, high_f = paired_bootstrap(gap_floor, len(found), rounds)
            intervals = (
                f"{found.mean() - base.mean():+.3f} [{low:+.3f}, {high:+.3f}]",
                f"{(found & above).mean() - (base & above).mean():+.3f} [{low_f:+.3f}, {high_f:+.3f}]",
            )
        lines.append(
            f"  {label:<42} {found.mean():7.3f} {(found & above).mean():8.3f} {cost:11.1f} {cost / base_cost:7.2f}  "
            f"{intervals[0]:<40} {intervals[1]:<20} {seconds:.1f}"
        )
    exact_cost = 2 * exact_pairs / n
    lines.append(
        f"  {'exact cosine >= floor (all pairs)':<42} {above.mean():7.3f} {above.mean():8.3f} {exact_cost:11.1f} "
        f"{exact_cost / base_cost:7.2f}"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ecb", nargs="?", type=Path, default=SHARED / "ecbplus")
    parser.add_argument("retrieval", nargs="?", type=Path, default=SHARED / "climate-fever" / "climate-fever.jsonl")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap resamples")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for split in (ecb_split(args.ecb), retrieval_split(args.retrieval)):
        for line in measure(split, not args.no_cache, args.rounds):
            print(line, flush=True)


if __name__ == "__main__":
    main()
