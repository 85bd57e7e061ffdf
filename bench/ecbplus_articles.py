"""Turn ECB+ news articles into a JSONL batch the workbench ingests: many outlets, dated by their own text.

    python bench/ecbplus_articles.py [DIR] [--topic N ...] [--out FILE]      default ../shared/eval/ecbplus
    python manage.py ingest FILE --story "ECB+ topic 1"

ECB+ (Cybulska and Vossen, 2014; licence in its folder: measure with it, never ship it) gives, for
each of its ``ecbplus`` documents, the address the article was taken from and its sentences; the
``ecb`` half has no address and is left out. Each line written is ``{"url", "text"}``:
the outlet is the address's domain (ingestion derives it), and no ``published_at`` is written
because the dataset gives none. Most of these articles print their date at the head ("May 03,
2013", "PUBLISHED: THURSDAY, MAY 2, 2013"), so ingestion reads it from the text and the screens
mark it as inferred; the rest show "date not given" or the "not before" bound their text allows.
Nothing is added to the text: the sentences are joined one per line as the dataset gives them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "ecbplus"


def articles(docs: Path, topics: set[int] | None = None) -> Iterator[dict[str, Any]]:
    """One ingestible record per ECB+ document that names its address, in the dataset's order."""
    with docs.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            doc = json.loads(line)
            if not doc.get("url") or (topics and doc["topic"] not in topics):
                continue
            sentences = sorted(doc["sentences"], key=lambda s: s["idx"])
            yield {
                "url": doc["url"],
                "text": "\n".join(s["text"] for s in sentences),
            }


def write(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR, help="the ecbplus folder")
    parser.add_argument("--topic", type=int, action="append", help="keep only this topic; repeat for several")
    parser.add_argument("--out", type=Path, help="JSONL file to write (default: standard output)")
    args = parser.parse_args()
    records = articles(args.dir / "docs.jsonl", set(args.topic) if args.topic else None)
    if args.out:
        with args.out.open("w", encoding="utf-8") as out:
            count = write(records, out)
    else:
        count = write(records, sys.stdout)
    print(f"{count} articles written", file=sys.stderr)


if __name__ == "__main__":
    main()
