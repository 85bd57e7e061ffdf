"""Seconds per 10,000 characters of pathological documents through segmentation and claim extraction.

    python bench/hostile_documents.py [--scale 1.0] [--old-limit 16000] [--shapes "NAME;..."]

For each shape it times, on the same text in the same run:
- "old": the raw spaCy call segmentation made before the guard (a blank English tokenizer and
  the sentencizer over each whole paragraph); texts over --old-limit characters are not run that
  way (a 100,000-character bracket run took over 13 minutes), and texts over spaCy's max_length
  fail with ValueError, as ingestion did;
- "segment": sources.text.segmentation.segment as it is now (tokenizer view, chunks);
- "segment + extract": the whole CPU work of one ingest item without the database: cleaning,
  segmentation, and claim drafting with en_core_web_sm (claims.extraction.drafting).

--scale multiplies every shape's length (0.1 for a quick look). Prints the load average before and
after, since two cores are shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402
from spacy.language import Language  # noqa: E402

from claims.extraction.drafting import SentenceInput, draft_article, parser  # noqa: E402
from sources.text.cleaning import clean_text  # noqa: E402
from sources.text.segmentation import segment  # noqa: E402

PROSE = (
    "The ministry said on Monday that at least 42 people were killed in the strike near Khan Younis. "
    "Officials in Gaza told Reuters (which could not verify the figure) that 118 others were injured. "
)


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


SHAPES: dict[str, tuple[int, Callable[[int], str]]] = {
    "brackets '(' run": (16_000, lambda n: _repeat("(", n)),
    "closing ']' run": (16_000, lambda n: _repeat("]", n)),
    "dollar '$' run": (16_000, lambda n: _repeat("$", n)),
    "quotes '\"' run": (16_000, lambda n: _repeat('"', n)),
    "prose with 2,000-bracket runs": (100_000, lambda n: _repeat(PROSE * 5 + "(" * 2_000 + " ", n)),
    "prose, 1 MB": (1_048_576, lambda n: _repeat(PROSE, n)),
    "prose, 1 MB, one paragraph per 10 sentences": (1_048_576, lambda n: _repeat(PROSE * 5 + "\n\n", n)),
    "words without stops, 1 MB": (1_048_576, lambda n: _repeat("word ", n)),
    "one 1 MB token": (1_048_576, lambda n: _repeat("a", n)),
}


@lru_cache(maxsize=1)
def _old_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _old_segmentation(text: str) -> None:
    """What segment() ran before: the tokenizer and sentencizer over each whole paragraph."""
    for doc in _old_nlp().pipe(p.strip() for p in text.split("\n") if p.strip()):
        list(doc.sents)


def _extract(text: str) -> int:
    body = clean_text(text)
    segments = segment(body)
    sentences = [SentenceInput(s.text, s.kind.value, s.paragraph) for s in segments]
    return sum(len(r.claims) for r in draft_article(sentences))


def _timed(work: Callable[[str], object], text: str) -> tuple[float, str, object]:
    started = time.perf_counter()
    try:
        result = work(text)
    except ValueError as exc:
        return time.perf_counter() - started, f"fails: ValueError ({str(exc)[:40]}…)", None
    return time.perf_counter() - started, "", result


def _per_10k(seconds: float, chars: int) -> str:
    return f"{seconds / chars * 10_000:.3f}"


def _row(name: str, text: str, old_limit: int) -> str:
    chars = len(text)
    # Texts over spaCy's max_length are run the old way too: they fail at once, as ingestion did.
    if chars <= old_limit or chars > _old_nlp().max_length:
        old_s, old_note, _ = _timed(_old_segmentation, text)
        old = (f"{old_s:.2f}", old_note or _per_10k(old_s, chars))
    else:
        old = ("not run", f"over --old-limit {old_limit:,}")
    seg_s, _, _ = _timed(segment, text)
    all_s, note, claims = _timed(_extract, text)
    return (
        f"| {name} | {chars:,} | {old[0]} | {old[1]} | {seg_s:.2f} | {_per_10k(seg_s, chars)} | "
        f"{all_s:.2f} | {_per_10k(all_s, chars)} | {claims if note == '' else note} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--scale", type=float, default=1.0, help="multiply every shape's length")
    args.add_argument("--old-limit", type=int, default=16_000, help="longest text to time the old way")
    args.add_argument("--shapes", default="", help="shape names separated by ; (default: all)")
    options = args.parse_args(argv)
    chosen = [s.strip() for s in options.shapes.split(";") if s.strip()] or list(SHAPES)

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    parser()  # load en_core_web_sm before timing
    segment("Warm up. The tokenizer loads once.")
    _old_segmentation("Warm up.")
    print(
        "| shape | characters | old segmentation s | old s/10k | segment s | s/10k | segment + extract s "
        "| s/10k | claims |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in chosen:
        length, make = SHAPES[name]
        print(_row(name, make(int(length * options.scale)), options.old_limit), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
