"""Cross-article linking on ECB+: links between sentences that share a gold event chain, and false links.

    python bench/ecb_linking.py [DIR] [--prune-suggestions]      default ../shared/eval/ecbplus

Every annotated sentence (``coref_sentences`` of each document) is one item; the items of
all 462 documents go through the same pipeline as the claims (band-key candidates, then
``scoring.compare``; sentences of one document are never linked). A predicted link is
correct when the two sentences share a gold cross-document event chain. False links are
split into similar-but-different events (same topic, the other sub-corpus: ecb vs ecbplus,
e.g. two different earthquakes or two different arrests of one celebrity), the same
sub-topic without a shared chain (often the same event left unannotated), and other topics.
Entity keys come from capitalised words (no parse), dates from their wording (no
publication time in ECB+).

Decisions in one run: ``rules`` (the cosine thresholds and rules), ``calibrated`` (the pair scorer and
the committed calibrations, as the matcher decides now: automatic links by the paraphrase head,
suggestions by the support head), the previous adapter as it was deployed (``--previous``, default
``pair-scorer-v1``: the current path) and plain MiniLM cosine over all
pairs at the thresholds stored beside the calibration, with a paired bootstrap of the difference in
automatic-link recall over the gold pairs; and the share of gold pairs above the calibration's
cosine floor, which caps any decision over exact cosine candidates.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from matching_util import SHARED, embed, machine, paired_bootstrap, previous_scorer

from claims.matching import calibration, scoring
from claims.matching.linking import Item, Matcher
from claims.matching.pair_scorer import pair_scorer


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load(
    path: Path,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, int, str]], set[tuple[int, int]]]:
    """Documents, event chains, annotated sentences ``(doc, sentence idx, text)`` and gold cross-document pairs."""
    docs = _jsonl(path / "docs.jsonl")
    chains = _jsonl(path / "event_chains.jsonl")
    sentences: list[tuple[str, int, str]] = []  # doc, sentence idx, text
    for doc in docs:
        selected = set(doc.get("coref_sentences") or [])
        for s in doc["sentences"]:
            if s["idx"] in selected:
                sentences.append((doc["doc_id"], s["idx"], s["text"]))
    position = {(d, i): n for n, (d, i, _) in enumerate(sentences)}
    chain_of: dict[int, set[str]] = {}
    for chain in chains:
        for doc_id, idx in chain["occurrences"]:
            if (doc_id, idx) in position:
                chain_of.setdefault(position[(doc_id, idx)], set()).add(chain["instance_id"])
    members: dict[str, list[int]] = {}
    for n, ids in chain_of.items():
        for instance in ids:
            members.setdefault(instance, []).append(n)
    gold: set[tuple[int, int]] = set()
    for group in members.values():
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                if sentences[i][0] != sentences[j][0]:
                    gold.add((min(i, j), max(i, j)))
    return docs, chains, sentences, gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=SHARED / "ecbplus")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument(
        "--exact", action="store_true",
        help="candidates as in a corpus of at most MATCH_EXACT_UP_TO claims: band rows and exact cosine at the floor",
    )  # fmt: skip
    parser.add_argument(
        "--prune-suggestions",
        action="store_true",
        help="drop suggestions below the calibration's suggest_at, as one fitted on reviewers' decisions does",
    )
    parser.add_argument("--previous", default="pair-scorer-v1", help="earlier adapter in weights/, as deployed")
    args = parser.parse_args()
    docs, chains, sentences, gold = load(args.path)
    meta: dict[str, dict[str, Any]] = {doc["doc_id"]: doc for doc in docs}
    print(f"machine: {machine()}")
    print(
        f"ECB+: {len(docs)} documents, {len(sentences)} annotated sentences, {len(chains)} event chains, "
        f"{len(gold)} gold cross-document sentence pairs sharing a chain"
    )
    vectors, rate = embed([s[2] for s in sentences], "ecbplus", not args.no_cache)
    if rate:
        print(f"encoder: {len(sentences)} sentences at {rate:.0f} sentences/s")
    items = [Item(n, d, scoring.features(text, embedding=vectors[n])) for n, (d, _, text) in enumerate(sentences)]
    cal, support = calibration.shipped(), calibration.shipped_support()
    if cal is not None and args.prune_suggestions:
        cal = dataclasses.replace(cal, prunes_suggestions=True)
        support = None
    baseline = json.loads(calibration.DEFAULT_PATH.read_text())["baseline"]["mrpc"] if cal else None
    total_pairs = len(items) * (len(items) - 1) // 2
    floor = cal.cosine_floor if cal is not None else min(scoring.THRESHOLDS[m].lower for m in ("semantic", "figure"))
    exact_floor = floor if args.exact else None
    candidates = Matcher(exact_floor=exact_floor).candidates(items)
    gold_found = sum(1 for pair in gold if pair in candidates)
    source = "band rows and exact cosine at the floor" if args.exact else "band rows"
    print(
        f"candidates from {source}: {len(candidates)} pairs ({len(candidates) / total_pairs:.4%} of all pairs), "
        f"containing {gold_found / max(len(gold), 1):.3f} of the gold pairs"
    )
    cosine = vectors @ vectors.T
    same_doc = np.array([d for d, _, _ in sentences])
    upper = np.triu(np.ones_like(cosine, dtype=bool), 1) & (same_doc[:, None] != same_doc[None, :])
    gold_list = sorted(gold)
    auto_hits: dict[str, np.ndarray] = {}
    systems: list[tuple[str, Matcher]] = [("rules", Matcher(exact_floor=exact_floor))]
    if cal is not None:
        logits = pair_scorer().head_logits if support is not None else pair_scorer().logits
        systems.append(
            ("calibrated", Matcher(pair_logits=logits, calibration=cal, support=support, exact_floor=exact_floor))
        )
        old_scorer, old_cal = previous_scorer(args.previous)
        systems.append(
            (
                f"{args.previous} as deployed (band rows)",
                Matcher(pair_logits=old_scorer.logits, calibration=old_cal),
            )
        )
        floor_pairs = int((upper & (cosine >= cal.cosine_floor)).sum())
        floor_gold = sum(1 for i, j in gold_list if cosine[i, j] >= cal.cosine_floor)
        print(
            f"exact cosine >= the calibration's floor {cal.cosine_floor}: {floor_pairs} pairs, "
            f"containing {floor_gold / max(len(gold), 1):.3f} of the gold pairs"
        )
    for name, matcher in systems:
        start = time.perf_counter()
        links = matcher.link(items)
        seconds = time.perf_counter() - start
        print(f"{name}: scoring the candidates took {seconds:.1f}s")
        auto = {(min(x.a, x.b), max(x.a, x.b)) for x in links if x.decision.decision == "auto"}
        auto_hits[name] = np.array([pair in auto for pair in gold_list])
        _report(links, gold, meta, sentences, candidates)
    if baseline is not None:
        for label, threshold in (("F1-optimal", baseline["cosine_f1"]), ("precision 0.95", baseline["cosine_p95"])):
            chosen = {(int(i), int(j)) for i, j in zip(*np.nonzero(upper & (cosine >= threshold)), strict=True)}
            right = len(chosen & gold)
            print(
                f"plain cosine >= {threshold:.2f} over all pairs ({label} on MRPC validation): {len(chosen)} links, "
                f"precision {right / max(len(chosen), 1):.3f}, recall {right / max(len(gold), 1):.3f}"
            )
            if label == "precision 0.95":
                auto_hits["cosine"] = np.array([pair in chosen for pair in gold_list])
        if "calibrated" in auto_hits:
            ours = auto_hits["calibrated"]
            for other in ("rules", "cosine", f"{args.previous} as deployed (band rows)"):
                theirs = auto_hits[other]

                def recall_gap(sample: np.ndarray, theirs: np.ndarray = theirs) -> float:
                    return float(ours[sample].mean() - theirs[sample].mean())

                low, high = paired_bootstrap(recall_gap, len(gold_list))
                print(f"  automatic-link recall, calibrated - {other}: 95% paired bootstrap [{low:+.3f}, {high:+.3f}]")


def _report(
    links: list[Any],
    gold: set[tuple[int, int]],
    meta: dict[str, dict[str, Any]],
    sentences: list[tuple[str, int, str]],
    candidates: dict[tuple[int, int], set[str]],
) -> None:
    levels = (
        ("auto", {"auto"}, False),
        ("auto + suggested, same fact", {"auto", "suggested"}, True),
        ("auto + suggested, any supporting link", {"auto", "suggested"}, False),
    )
    for level, accepted, same_fact in levels:
        chosen = [
            link for link in links
            if link.decision.decision in accepted and (link.decision.same_fact or not same_fact)
        ]  # fmt: skip
        kinds: Counter[str] = Counter()
        for link in chosen:
            i, j = min(link.a, link.b), max(link.a, link.b)
            if (i, j) in gold:
                kinds["correct"] += 1
                continue
            di, dj = meta[sentences[i][0]], meta[sentences[j][0]]
            if di["topic"] != dj["topic"]:
                kinds["other topic"] += 1
            elif di["subtopic"] != dj["subtopic"]:
                kinds["similar-but-different event (ecb vs ecbplus)"] += 1
            else:
                kinds["same sub-topic, no shared chain"] += 1
        n = max(len(chosen), 1)
        print(
            f"  {level}: {len(chosen)} links, precision {kinds['correct'] / n:.3f}, "
            f"recall {kinds['correct'] / max(len(gold), 1):.3f}"
        )
        for kind in ("similar-but-different event (ecb vs ecbplus)", "same sub-topic, no shared chain", "other topic"):
            print(f"      false: {kind}: {kinds[kind]} ({kinds[kind] / n:.3f} of links)")
    hard = {
        (i, j)
        for i, j in candidates
        if meta[sentences[i][0]]["topic"] == meta[sentences[j][0]]["topic"]
        and meta[sentences[i][0]]["subtopic"] != meta[sentences[j][0]]["subtopic"]
    }
    kept = sum(1 for link in links if (min(link.a, link.b), max(link.a, link.b)) in hard)
    print(
        f"  similar-but-different event candidates (same topic, ecb vs ecbplus): {len(hard)}, "
        f"of which linked: {kept} ({kept / max(len(hard), 1):.3f})"
    )


if __name__ == "__main__":
    main()
