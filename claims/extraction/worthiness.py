"""Claim-worthiness of sentences and natural keys of claims. Pure text processing, no Django.

Which sentences can yield a checkable claim, with a score and a reason a reviewer
can read; the claims themselves are drafted in ``claims.extraction.drafting``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MIN_WORDS = 5
# Longer "sentences" are text that lost its stops (a list, a table, a dump); parsing one costs
# seconds and gives no claim a reviewer could check.
MAX_SENTENCE_CHARS = 1500
# A run of this many symbols (brackets, quotes, currency signs) is not prose, and spaCy's tokenizer
# is quadratic on such runs: the parser never sees them.
MAX_SYMBOL_RUN = 24


_WORD = re.compile(r"\w+(?:[’'.,-]\w+)*")


_NUMBER = re.compile(r"\d")


_SYMBOL_RUN = re.compile(rf"[^\w\s]{{{MAX_SYMBOL_RUN},}}")


# A capitalised word is a name unless grammar capitalised it: at the start of the
# sentence, just inside an opening quote there, or after a stop or quote and a space.
_PROPER = re.compile(r"(?<![.!?“\"]\s)(?<!^)(?<!^[“\"‘'])\b[A-Z][a-z]+")


_REPORTING = re.compile(
    r"\b(said|says|told|stated|announced|reported|according to|added|noted|claimed|confirmed|denied)\b", re.I
)


_NON_CLAIM_KINDS = {
    "title": "headline",
    "heading": "headline of a section or another story",
    "boilerplate": "site boilerplate",
}


@dataclass(frozen=True, slots=True)
class Worthiness:
    worthy: bool
    score: float
    reason: str


def normalise_claim_text(text: str) -> str:
    return " ".join(text.split())


def assess(text: str, kind: str) -> Worthiness:
    """Whether a sentence states something a fact-checker can check, with a score and reason."""
    if kind in _NON_CLAIM_KINDS:
        return Worthiness(False, 0.0, _NON_CLAIM_KINDS[kind])
    if len(text) > MAX_SENTENCE_CHARS:
        return Worthiness(False, 0.0, f"longer than {MAX_SENTENCE_CHARS:,} characters: not one sentence")
    if _SYMBOL_RUN.search(text):
        return Worthiness(False, 0.0, f"a run of {MAX_SYMBOL_RUN} or more symbols: not prose")
    stripped = text.strip().rstrip("”\"’')")
    if stripped.endswith("?"):
        return Worthiness(False, 0.1, "question")
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return Worthiness(False, 0.2, f"fewer than {MIN_WORDS} words")
    signals = []
    if _NUMBER.search(text):
        signals.append("a figure or date")
    if _PROPER.search(text):
        signals.append("a named entity")
    if _REPORTING.search(text):
        signals.append("an attribution")
    score = min(1.0, 0.5 + 0.15 * len(signals))
    reason = "states " + ", ".join(signals) if signals else "declarative sentence"
    return Worthiness(True, round(score, 2), reason)


def claim_key(sentence_id: int, start: int, end: int, text: str, extractor: str) -> str:
    """Natural key of an extracted claim: same sentence, span and wording -> same claim."""
    raw = f"{extractor}\x1f{sentence_id}\x1f{start}\x1f{end}\x1f{text}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
