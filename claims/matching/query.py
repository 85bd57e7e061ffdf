"""A search query read as words, figures and meaning, no database.

Words: every word must be in the text, in any order, each matched at the start of a word
("refus" finds "refused", "oman" does not find "Romania"). Figures: a number matches the
same number however its thousands are grouped ("40000" finds "40,000" and "40 000"), and
only that number ("40000" does not find "40,005" nor "140,000"). Meaning: the query's
embedding probes the claims' semantic band buckets (``claims.matching.semantic.HyperplaneLSH``),
each band's own key and every key one bit away from it, so a claim at a query-to-sentence
cosine (0.5 or so) is a candidate without reading every stored vector.

The patterns are written for both databases' case-insensitive regular expressions:
PostgreSQL's (advanced regular expressions) and Python's ``re`` (SQLite's REGEXP in Django).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from claims.matching.semantic import F32, HyperplaneLSH, SimHashSketch

# Words that say nothing on their own: a query of only these keeps them.
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the to was were with".split()
)

_TOKEN = re.compile(r"[\w][\w'’.,-]*[\w]|[\w]", re.UNICODE)
_SPACED_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
MAX_WORDS = 10


@dataclass(frozen=True, slots=True)
class Terms:
    """What a query asks for: ``words`` in the text (start of a word) and ``numbers`` (digits only)."""

    words: tuple[str, ...]
    numbers: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.words and not self.numbers


def _number(token: str) -> str | None:
    """The digits of a whole number written with or without thousands separators, else None."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", token):
        return token.replace(",", "").lstrip("0") or "0"
    return None


def terms(q: str) -> Terms:
    """The words and numbers of ``q``, at most ``MAX_WORDS`` of them, stopwords dropped unless nothing else is left."""
    words: list[str] = []
    numbers: list[str] = []
    # "40 000" is one number: its space becomes the comma the tokens keep.
    for token in _TOKEN.findall(_SPACED_THOUSANDS.sub(",", q.lower()))[:MAX_WORDS]:
        digits = _number(token)
        if digits is not None:
            numbers.append(digits)
        else:
            words.append(token.strip(".,"))
    kept = [w for w in words if w not in STOPWORDS] or words
    return Terms(tuple(dict.fromkeys(w for w in kept if w)), tuple(dict.fromkeys(numbers)))


def word_pattern(word: str) -> str:
    """A word at the start of a word of the text: ``(^|\\W)refus`` finds "refused", not "unrefused"."""
    return r"(^|\W)" + re.escape(word)


def thousands(digits: str) -> list[str]:
    """The groups of three digits a number is written in: "40000" -> ["40", "000"]."""
    head = len(digits) % 3 or 3
    return [digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))]


def number_pattern(digits: str) -> str:
    """The number ``digits`` in any grouping of its thousands (",", " " or none), not inside a longer number."""
    body = "[, ]?".join(thousands(digits))
    # Not after a digit or a separator (140,000; 1.40000), nor before more digits (40,0005; 40,000.5).
    return r"(^|[^0-9.,])" + body + r"([^0-9.,]|[.,]([^0-9]|$)|$)"


# --- meaning ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def planes() -> HyperplaneLSH:
    # The defaults the matcher stores claims' semantic rows with (claims.matching.linking.Matcher).
    return HyperplaneLSH()


@lru_cache(maxsize=1)
def sketcher() -> SimHashSketch:
    return SimHashSketch()


def probe_keys(vector: F32) -> list[tuple[int, int]]:
    """``(band, key)`` of each semantic band of ``vector`` and of every key one bit away from it.

    With 12 bits a band, a claim at cosine 0.5 shares some band's exact key with chance 0.22 and
    a key at most one bit away with chance 0.83; probing costs 13 buckets a band, from the query only
    (claims store one key a band, as the matcher writes them).
    """
    lsh = planes()
    bits = lsh.bits(vector.reshape(1, -1)).reshape(lsh.bands, lsh.rows)
    variants = np.repeat(bits[None, :, :], lsh.rows + 1, axis=0)
    for bit in range(lsh.rows):
        variants[bit + 1, :, bit] = ~variants[bit + 1, :, bit]
    keys: npt.NDArray[np.int64] = lsh._keys(variants)  # (1 + rows, bands)
    return sorted({(band, int(key)) for row in keys.tolist() for band, key in enumerate(row)})


def sketch(vector: F32) -> tuple[int, int]:
    """The query's 128-bit sketch, ranked against the sketches stored in the buckets."""
    hi, lo = sketcher().words(vector.reshape(1, -1))[0].tolist()
    return int(hi), int(lo)


def closeness(cosine: float) -> str:
    """How close in meaning a cosine of all-MiniLM-L6-v2 between a query and a claim reads, in words."""
    if cosine >= 0.7:
        return "very close in meaning"
    if cosine >= 0.55:
        return "close in meaning"
    return "related in meaning"
