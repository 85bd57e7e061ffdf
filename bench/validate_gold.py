"""Validate the gold claim annotation of the seed articles.

Checks ``bench/data/seed_claims_gold.jsonl`` and ``bench/data/seed_skipped_gold.jsonl``
against the article files in ``samples/seed/``:

* every record has the required keys with the right types, and no unknown keys;
* every sentence occurs in its article file (and in its paragraph, when ``paragraph`` is given);
* every claim span occurs in its sentence;
* attribution kinds, quantity qualifiers and skip reasons come from the allowed sets;
* records are in article then text order, with no duplicates;
* the annotated sentences of each paragraph cover the paragraph exactly (no text left out).

Prints counts and exits with status 1 when any problem is found. Warnings (a reporting
verb or a source not written near the sentence) are printed but do not fail the run.
Plain Python, no Django: ``.venv/bin/python bench/validate_gold.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLAIMS = ROOT / "bench" / "data" / "seed_claims_gold.jsonl"
DEFAULT_SKIPPED = ROOT / "bench" / "data" / "seed_skipped_gold.jsonl"
DEFAULT_ARTICLES = ROOT / "samples" / "seed"

KINDS = frozenset({"direct_quote", "reported_speech", "according_to", "none"})
QUALIFIERS = frozenset({"exact", "at least", "over", "more than", "nearly", "about", "approximately", "up to"})
REASONS = frozenset({"headline", "heading", "boilerplate", "opinion", "question"})

CLAIM_REQUIRED: dict[str, type] = {
    "article": str,
    "sentence": str,
    "span": str,
    "claim": str,
    "attribution": list,
    "quantities": list,
}
CLAIM_OPTIONAL: dict[str, type] = {"paragraph": int, "content": str, "note": str}
SKIP_REQUIRED: dict[str, type] = {"article": str, "sentence": str, "reason": str}
SKIP_OPTIONAL: dict[str, type] = {"paragraph": int, "note": str}


@dataclass
class Report:
    """Problems (fatal) and warnings (informative) collected during validation."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}")


@dataclass(frozen=True)
class Located:
    """A sentence placed in its article: 1-based paragraph (line) and offset inside that line."""

    article: str
    paragraph: int
    offset: int
    sentence: str


def load_jsonl(path: Path, report: Report) -> list[dict[str, Any]]:
    """Read one JSON object per non-empty line; report lines that are not objects."""
    records: list[dict[str, Any]] = []
    if not path.is_file():
        report.problem(str(path), "file not found")
        return records
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            report.problem(f"{path.name}:{number}", f"invalid JSON ({exc.msg})")
            continue
        if not isinstance(value, dict):
            report.problem(f"{path.name}:{number}", "line is not a JSON object")
            continue
        records.append(value)
    return records


def load_articles(folder: Path) -> dict[str, list[str]]:
    """Map each article file name to its lines (paragraphs), keeping the text exactly."""
    return {path.name: path.read_text(encoding="utf-8").split("\n") for path in sorted(folder.glob("*.txt"))}


def check_keys(
    record: dict[str, Any],
    required: Mapping[str, type],
    optional: Mapping[str, type],
    where: str,
    report: Report,
) -> bool:
    """Check required/optional keys and their types; return False if the record is unusable."""
    usable = True
    for key, kind in required.items():
        if key not in record:
            report.problem(where, f"missing key {key!r}")
            usable = False
        elif not isinstance(record[key], kind) or isinstance(record[key], bool):
            report.problem(where, f"key {key!r} should be {kind.__name__}")
            usable = False
        elif kind is str and not record[key].strip():
            report.problem(where, f"key {key!r} is empty")
            usable = False
    for key, kind in optional.items():
        if key in record and (not isinstance(record[key], kind) or isinstance(record[key], bool)):
            report.problem(where, f"key {key!r} should be {kind.__name__}")
            usable = False
    unknown = set(record) - set(required) - set(optional)
    if unknown:
        report.problem(where, f"unknown keys {sorted(unknown)}")
    return usable


def locate(record: dict[str, Any], articles: dict[str, list[str]], where: str, report: Report) -> Located | None:
    """Find the record's sentence in its article (in the given paragraph if there is one)."""
    name: str = record["article"]
    sentence: str = record["sentence"]
    lines = articles.get(name)
    if lines is None:
        report.problem(where, f"unknown article {name!r}")
        return None
    if sentence != sentence.strip():
        report.problem(where, "sentence has leading or trailing whitespace")
    paragraph = record.get("paragraph")
    if isinstance(paragraph, int):
        if not 1 <= paragraph <= len(lines):
            report.problem(where, f"paragraph {paragraph} out of range 1..{len(lines)}")
            return None
        offset = lines[paragraph - 1].find(sentence)
        if offset < 0:
            in_file = sentence in "\n".join(lines)
            detail = "but elsewhere in the file" if in_file else "nor anywhere in the file"
            report.problem(where, f"sentence not in paragraph {paragraph} ({detail}): {sentence[:70]!r}")
            return None
        return Located(name, paragraph, offset, sentence)
    for number, line in enumerate(lines, start=1):
        offset = line.find(sentence)
        if offset >= 0:
            return Located(name, number, offset, sentence)
    report.problem(where, f"sentence not in article file: {sentence[:70]!r}")
    return None


def check_attribution(record: dict[str, Any], located: Located, lines: list[str], where: str, report: Report) -> None:
    """Each attribution entry needs a source, a verb and a valid kind."""
    nearby = " ".join(lines[max(0, located.paragraph - 2) : located.paragraph + 1]).lower()
    article_text = " ".join(lines).lower()
    for index, entry in enumerate(record["attribution"]):
        spot = f"{where} attribution[{index}]"
        if not isinstance(entry, dict):
            report.problem(spot, "entry is not an object")
            continue
        if set(entry) != {"source", "verb", "kind"}:
            report.problem(spot, f"keys should be source, verb, kind (got {sorted(entry)})")
            continue
        for key in ("source", "verb", "kind"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                report.problem(spot, f"{key!r} should be a non-empty string")
        if entry["kind"] not in KINDS:
            report.problem(spot, f"kind {entry['kind']!r} not in {sorted(KINDS)}")
        verb = entry["verb"]
        if isinstance(verb, str) and verb.lower() not in nearby:
            report.warn(spot, f"verb {verb!r} not written in this or a neighbouring paragraph")
        source = entry["source"]
        if isinstance(source, str) and source.lower() not in article_text:
            report.warn(spot, f"source {source!r} not written as such in the article (resolved)")


def check_quantities(record: dict[str, Any], where: str, report: Report) -> None:
    """Each quantity needs a numeric value, an allowed qualifier and a unit."""
    for index, entry in enumerate(record["quantities"]):
        spot = f"{where} quantities[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"value", "qualifier", "unit"}:
            report.problem(spot, "should be an object with value, qualifier, unit")
            continue
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            report.problem(spot, "value should be a number")
        if entry["qualifier"] not in QUALIFIERS:
            report.problem(spot, f"qualifier {entry['qualifier']!r} not in {sorted(QUALIFIERS)}")
        if not isinstance(entry["unit"], str) or not entry["unit"].strip():
            report.problem(spot, "unit should be a non-empty string")


def check_order(located: list[tuple[str, Located]], article_order: dict[str, int], report: Report) -> None:
    """Records must follow article order, then paragraph, then position inside the paragraph."""
    previous: tuple[int, int, int] | None = None
    for where, place in located:
        key = (article_order[place.article], place.paragraph, place.offset)
        if previous is not None and key < previous:
            report.problem(where, "record out of article/text order")
        previous = key


def check_coverage(placed: list[Located], articles: dict[str, list[str]], report: Report) -> int:
    """Every non-empty paragraph must be tiled by annotated sentences; return sentences covered."""
    by_paragraph: dict[tuple[str, int], set[tuple[int, str]]] = {}
    for place in placed:
        by_paragraph.setdefault((place.article, place.paragraph), set()).add((place.offset, place.sentence))
    covered = 0
    for name, lines in articles.items():
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{name} paragraph {number}"
            sentences = sorted(by_paragraph.get((name, number), set()))
            if not sentences:
                report.problem(where, f"no annotated sentence (claims or skipped): {line.strip()[:70]!r}")
                continue
            position = 0
            for offset, sentence in sentences:
                if offset < position:
                    report.problem(where, f"sentences overlap at offset {offset}")
                elif line[position:offset].strip():
                    report.problem(where, f"text not annotated: {line[position:offset].strip()[:70]!r}")
                position = max(position, offset + len(sentence))
                covered += 1
            if line[position:].strip():
                report.problem(where, f"text not annotated: {line[position:].strip()[:70]!r}")
    return covered


def validate(claims_path: Path, skipped_path: Path, articles_dir: Path) -> int:
    """Run every check, print counts, problems and warnings; return the exit status."""
    report = Report()
    articles = load_articles(articles_dir)
    if not articles:
        print(f"no *.txt articles in {articles_dir}", file=sys.stderr)
        return 1
    article_order = {name: index for index, name in enumerate(articles)}
    claims = load_jsonl(claims_path, report)
    skipped = load_jsonl(skipped_path, report)

    claim_places: list[tuple[str, Located]] = []
    seen_claims: set[tuple[str, int, str, str]] = set()
    kinds: Counter[str] = Counter()
    for number, record in enumerate(claims, start=1):
        where = f"{claims_path.name}:{number}"
        if not check_keys(record, CLAIM_REQUIRED, CLAIM_OPTIONAL, where, report):
            continue
        place = locate(record, articles, where, report)
        if place is None:
            continue
        claim_places.append((where, place))
        if record["span"] not in record["sentence"]:
            report.problem(where, f"span not in sentence: {record['span'][:70]!r}")
        if record["span"] != record["span"].strip():
            report.problem(where, "span has leading or trailing whitespace")
        identity = (place.article, place.paragraph, place.sentence, record["claim"])
        if identity in seen_claims:
            report.problem(where, f"duplicate claim {record['claim'][:70]!r}")
        seen_claims.add(identity)
        check_attribution(record, place, articles[place.article], where, report)
        check_quantities(record, where, report)
        kinds.update(entry["kind"] for entry in record["attribution"] if isinstance(entry, dict) and "kind" in entry)
        if not record["attribution"]:
            kinds["(article's own voice)"] += 1

    skip_places: list[tuple[str, Located]] = []
    reasons: Counter[str] = Counter()
    for number, record in enumerate(skipped, start=1):
        where = f"{skipped_path.name}:{number}"
        if not check_keys(record, SKIP_REQUIRED, SKIP_OPTIONAL, where, report):
            continue
        place = locate(record, articles, where, report)
        if place is None:
            continue
        skip_places.append((where, place))
        reason: str = record["reason"]
        if reason not in REASONS and not (reason.startswith("other: ") and len(reason) > len("other: ")):
            report.problem(where, f"reason {reason!r} not in {sorted(REASONS)} nor 'other: ...'")
        reasons[reason.split(":")[0]] += 1

    check_order(claim_places, article_order, report)
    check_order(skip_places, article_order, report)
    claimed = {(p.article, p.paragraph, p.offset) for _, p in claim_places}
    for where, place in skip_places:
        if (place.article, place.paragraph, place.offset) in claimed:
            report.problem(where, "sentence is both skipped and annotated with claims")
    unique = {(p.article, p.paragraph, p.offset): p for _, p in claim_places + skip_places}
    covered = check_coverage(list(unique.values()), articles, report)

    claims_per_article = Counter(place.article for _, place in claim_places)
    skipped_per_article = Counter(place.article for _, place in skip_places)
    sentences_per_article = Counter(place.article for place in unique.values())
    print(f"{'article':<28} {'sentences':>9} {'claims':>7} {'skipped':>8}")
    for name in articles:
        print(
            f"{name:<28} {sentences_per_article[name]:>9} {claims_per_article[name]:>7} {skipped_per_article[name]:>8}"
        )
    print(f"{'total':<28} {covered:>9} {len(claim_places):>7} {len(skip_places):>8}")
    print("attribution kinds (per attribution entry):", dict(sorted(kinds.items())))
    print("claims with quantities:", sum(1 for record in claims if record.get("quantities")))
    print("skip reasons:", dict(sorted(reasons.items())))
    for warning in report.warnings:
        print(f"warning: {warning}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print(f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s)")
    return 1 if report.problems else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and validate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--claims", type=Path, default=DEFAULT_CLAIMS)
    parser.add_argument("--skipped", type=Path, default=DEFAULT_SKIPPED)
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    args = parser.parse_args(argv)
    return validate(args.claims, args.skipped, args.articles)


if __name__ == "__main__":
    sys.exit(main())
