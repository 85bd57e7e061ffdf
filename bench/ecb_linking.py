"""Cross-article linking on ECB+: links between sentences that share a gold event chain, and false links.

    python bench/ecb_linking.py [DIR]      default ../shared/eval/ecbplus

Every annotated sentence (``coref_sentences`` of each document) is one item; the items of
all 462 documents go through the same pipeline as the claims (band-key candidates, then
``scoring.compare``; sentences of one document are never linked). A predicted link is
correct when the two sentences share a gold cross-document event chain. False links are
split into similar-but-different events (same topic, the other sub-corpus: ecb vs ecbplus,
e.g. two different earthquakes or two different arrests of one celebrity), the same
sub-topic without a shared chain (often the same event left unannotated), and other topics.
Entity keys come from capitalised words (no parse), dates from their wording (no
publication time in ECB+).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from matching_util import SHARED, embed, machine

from claims.matching import scoring
from claims.matching.linking import Item, Matcher


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=SHARED / "ecbplus")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    docs = _jsonl(args.path / "docs.jsonl")
    chains = _jsonl(args.path / "event_chains.jsonl")
    sentences: list[tuple[str, int, str]] = []  # doc, sentence idx, text
    meta: dict[str, dict[str, Any]] = {}
    for doc in docs:
        meta[doc["doc_id"]] = doc
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
    print(f"machine: {machine()}")
    print(
        f"ECB+: {len(docs)} documents, {len(sentences)} annotated sentences, {len(chains)} event chains, "
        f"{len(gold)} gold cross-document sentence pairs sharing a chain"
    )
    vectors, rate = embed([s[2] for s in sentences], "ecbplus", not args.no_cache)
    if rate:
        print(f"encoder: {len(sentences)} sentences at {rate:.0f} sentences/s")
    items = [Item(n, d, scoring.features(text, embedding=vectors[n])) for n, (d, _, text) in enumerate(sentences)]
    matcher = Matcher()
    start = time.perf_counter()
    candidates = matcher.candidates(items)
    links = matcher.link(items)
    seconds = time.perf_counter() - start
    total_pairs = len(items) * (len(items) - 1) // 2
    gold_found = sum(1 for pair in gold if pair in candidates)
    print(
        f"candidates from band rows: {len(candidates)} pairs ({len(candidates) / total_pairs:.4%} of all pairs), "
        f"containing {gold_found / max(len(gold), 1):.3f} of the gold pairs; candidates + scoring took {seconds:.1f}s"
    )
    for level, accepted in (("auto", {"auto"}), ("auto + suggested", {"auto", "suggested"})):
        chosen = [link for link in links if link.decision.decision in accepted]
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
            f"{level}: {len(chosen)} links, precision {kinds['correct'] / n:.3f}, "
            f"recall {kinds['correct'] / max(len(gold), 1):.3f}"
        )
        for kind in ("similar-but-different event (ecb vs ecbplus)", "same sub-topic, no shared chain", "other topic"):
            print(f"    false: {kind}: {kinds[kind]} ({kinds[kind] / n:.3f} of links)")
    fired: Counter[str] = Counter(d.decision.method for d in links)
    print(f"links by method: {dict(fired)}")
    hard_candidates = [
        (i, j)
        for i, j in candidates
        if meta[sentences[i][0]]["topic"] == meta[sentences[j][0]]["topic"]
        and meta[sentences[i][0]]["subtopic"] != meta[sentences[j][0]]["subtopic"]
    ]
    kept = sum(1 for link in links if (min(link.a, link.b), max(link.a, link.b)) in set(hard_candidates))
    print(
        f"similar-but-different event candidates (same topic, ecb vs ecbplus): {len(hard_candidates)}, "
        f"of which linked: {kept} ({kept / max(len(hard_candidates), 1):.3f})"
    )


if __name__ == "__main__":
    main()
