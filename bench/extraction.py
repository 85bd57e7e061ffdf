"""Claim-extraction quality and speed.

    python bench/extraction.py seed [GOLD_DIR] [--articles DIR]   precision/recall/attribution vs the gold annotation
    python bench/extraction.py wice [PATH]                        splitting of WiCE multi-fact claims
    python bench/extraction.py speed [PATH] [--limit N] [--procs 1 2]   sentences/s on BBC news

Runs the plain extraction modules (no database), so it measures the extractor alone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.extraction.drafting import ClaimDraft, SentenceInput, draft_article  # noqa: E402
from sources.text.cleaning import clean_text  # noqa: E402
from sources.text.segmentation import segment  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
MATCH_F1 = 0.5  # token F1 between predicted and gold wording for a claim to count as found
SPAN_COVERAGE = 0.5  # share of the gold span that the predicted spans must cover
_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset("the a an of to in on and or for by with at as that is was were has have had be been its it".split())


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower().replace("’", "'")) if t not in _STOP]


def token_f1(a: str, b: str) -> float:
    ta, tb = Counter(tokens(a)), Counter(tokens(b))
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ta.values()), common / sum(tb.values())
    return 2 * precision * recall / (precision + recall)


# --- seed gold -----------------------------------------------------------------------


def _load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _predict(article: Path) -> list[tuple[str, ClaimDraft]]:
    body = clean_text(article.read_text(encoding="utf-8"))
    segments = segment(body)
    results = draft_article([SentenceInput(s.text, s.kind.value, s.paragraph) for s in segments])
    return [(seg.text, claim) for seg, result in zip(segments, results, strict=True) for claim in result.claims]


def _same_sentence(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split()) or token_f1(a, b) > 0.9


def _span_agrees(sentence: str, gold_span: str, spans: list[tuple[int, int]]) -> bool:
    """The predicted spans cover at least half of the gold span's characters."""
    start = sentence.find(gold_span)
    if start < 0:
        return True  # the gold sentence was segmented differently; judge on wording alone
    gold = set(range(start, start + len(gold_span)))
    covered = {i for a, b in spans for i in range(a, b)}
    return len(gold & covered) >= SPAN_COVERAGE * len(gold)


def _attribution_correct(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> bool:
    if not gold or not pred:
        return not gold and not pred
    g, p = gold[0], pred[0]
    source = str(p.get("resolved") or p.get("source") or "")
    kind_ok = g.get("kind") == p.get("kind") or {g.get("kind"), p.get("kind")} <= {"reported_speech", "according_to"}
    return kind_ok and token_f1(str(g.get("source", "")), source) > 0 and len(gold) == len(pred)


def bench_seed(gold_dir: Path, articles: Path, show_misses: bool = False) -> None:
    gold = _load_jsonl(gold_dir / "seed_claims_gold.jsonl")
    by_article: dict[str, list[dict[str, Any]]] = {}
    for row in gold:
        by_article.setdefault(row["article"], []).append(row)
    found = predicted = matched = attr_ok = attr_total = 0
    per_article = []
    for name in sorted(by_article):
        preds = _predict(articles / name)
        golds = by_article[name]
        pairs = []
        for gi, g in enumerate(golds):
            for pi, (sentence, p) in enumerate(preds):
                if _same_sentence(sentence, g["sentence"]) and _span_agrees(sentence, g["span"], p.spans):
                    # The claim text keeps the content; the "X said" frame is the attribution beside it.
                    pairs.append((token_f1(p.text, g.get("content") or g["claim"]), gi, pi))
        used_g, used_p, hits = set(), set(), 0
        for score, gi, pi in sorted(pairs, reverse=True):
            if score < MATCH_F1 or gi in used_g or pi in used_p:
                continue
            used_g.add(gi)
            used_p.add(pi)
            hits += 1
            attr_total += 1
            correct = _attribution_correct(golds[gi].get("attribution", []), preds[pi][1].attribution)
            attr_ok += correct
            if show_misses and not correct:
                gold_attr = [(a["source"], a["kind"]) for a in golds[gi].get("attribution", [])]
                pred_attr = [(a.get("resolved") or a["source"], a["kind"]) for a in preds[pi][1].attribution]
                print(f"  ATTRIBUTION {name}: {preds[pi][1].text[:70]!r} gold {gold_attr} predicted {pred_attr}")
        if show_misses:
            for gi in sorted(set(range(len(golds))) - used_g):
                print(f"  MISSED {name}: {golds[gi].get('content') or golds[gi]['claim']}")
            for pi in sorted(set(range(len(preds))) - used_p):
                print(f"  EXTRA  {name}: {preds[pi][1].text}")
        matched += hits
        found += len(golds)
        predicted += len(preds)
        per_article.append((name, len(golds), len(preds), hits))
    print(f"machine: {machine()}")
    print(
        f"gold claims {found}, predicted {predicted}, matched {matched} "
        f"(same sentence, spans cover >= {SPAN_COVERAGE:.0%} of the gold span, content token F1 >= {MATCH_F1})"
    )
    for name, n_gold, n_pred, n_hit in per_article:
        print(f"  {name}: gold {n_gold}, predicted {n_pred}, matched {n_hit}")
    precision, recall = matched / max(predicted, 1), matched / max(found, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"attribution accuracy on matched claims {attr_ok / max(attr_total, 1):.3f} ({attr_ok}/{attr_total})")


# --- WiCE -----------------------------------------------------------------------------


def bench_wice(path: Path) -> None:
    rows = _load_jsonl(path)
    multi = single = multi_split = single_kept = 0
    sizes: Counter[int] = Counter()
    for row in rows:
        sets = row["supporting_sentences"]
        # A claim whose evidence needs two or more sentences states two or more facts.
        facts = min((len(s) for s in sets), default=0)
        n = len(draft_article([SentenceInput(row["claim"], "body")])[0].claims)
        sizes[n] += 1
        if facts >= 2:
            multi += 1
            multi_split += n >= 2
        elif facts == 1:
            single += 1
            single_kept += n == 1
    print(f"machine: {machine()}")
    print(f"WiCE claims {len(rows)}; atomic claims per WiCE claim: {dict(sorted(sizes.items()))}")
    share = multi_split / max(multi, 1)
    print(f"multi-fact claims (gold evidence needs >= 2 sentences): {multi}, split into >= 2: {share:.3f}")
    print(f"single-fact claims (one sentence suffices): {single}, kept whole: {single_kept / max(single, 1):.3f}")


# --- speed ----------------------------------------------------------------------------


def _bbc_articles(path: Path, limit: int) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if n >= limit:
                return
            row = json.loads(line)
            yield "\n\n".join(row.get("paragraphs") or [row.get("text", "")])


def _work(bodies: Sequence[str]) -> tuple[int, int]:
    sentences = claims = 0
    for body in bodies:
        segments = segment(clean_text(body))
        results = draft_article([SentenceInput(s.text, s.kind.value) for s in segments])
        sentences += len(segments)
        claims += sum(len(r.claims) for r in results)
    return sentences, claims


def bench_speed(path: Path, limit: int, procs: list[int]) -> None:
    bodies = list(_bbc_articles(path, limit))
    _work(bodies[:2])  # load the model before timing
    print(f"machine: {machine()}")
    for n in procs:
        chunks = [bodies[i::n] for i in range(n)]
        start = time.perf_counter()
        if n == 1:
            totals = [_work(bodies)]
        else:
            with multiprocessing.get_context("fork").Pool(n) as pool:
                totals = pool.map(_work, chunks)
        seconds = time.perf_counter() - start
        sentences, claims = sum(t[0] for t in totals), sum(t[1] for t in totals)
        print(
            f"{n} process(es): {len(bodies)} articles, {sentences} sentences, {claims} claims in {seconds:.1f}s "
            f"= {sentences / seconds:.0f} sentences/s, {claims / seconds:.0f} claims/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="which", required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("gold", nargs="?", type=Path, default=ROOT / "bench" / "data")
    seed.add_argument("--articles", type=Path, default=ROOT / "samples" / "seed")
    seed.add_argument("--show-misses", action="store_true", help="print unmatched gold and predicted claims")
    wice = sub.add_parser("wice")
    wice.add_argument("path", nargs="?", type=Path, default=SHARED / "wice" / "claim_dev.jsonl")
    speed = sub.add_parser("speed")
    speed.add_argument("path", nargs="?", type=Path, default=SHARED / "bbc-news" / "bbc_articles.jsonl")
    speed.add_argument("--limit", type=int, default=300)
    speed.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if args.which == "seed":
        bench_seed(args.gold, args.articles, args.show_misses)
    elif args.which == "wice":
        bench_wice(args.path)
    else:
        bench_speed(args.path, args.limit, args.procs)


if __name__ == "__main__":
    main()
