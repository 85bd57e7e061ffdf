"""Split an article body into sentences with exact character offsets.

Paragraph breaks (newlines) always end a sentence, so headlines without a full
stop stand alone; inside a paragraph spaCy's rule-based sentencizer decides,
whose tokenizer already knows abbreviations (U.S., Gen., Dr.), decimal and
thousands separators, and keeps closing quotes with the sentence they end.
We add the news titles and ranks it lacks, and rejoin a piece that starts in
lower case to the sentence before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import cast

import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer

from sources.text.cleaning import is_boilerplate

_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$|[:;]$")
# A line longer than this with no full stop is a paragraph that lost its stop, not a headline.
MAX_HEADING_WORDS = 20
# spaCy's tokenizer strips prefixes and suffixes one at a time from each whitespace-free piece,
# copying the rest each time: quadratic on a run of brackets, quotes or currency signs (16,000
# "(" took 38 s). The tokenizer sees no piece longer than this (see _tokenizer_view).
MAX_PIECE_CHARS = 100
# Paragraphs are tokenized in chunks of at most this many characters, cut at a sentence end or a
# space where there is one: spaCy refuses texts over nlp.max_length (1,000,000) outright.
MAX_CHUNK_CHARS = 10_000
_STOPS = ".!?…"
_PIECE = re.compile(rf"\S{{{MAX_PIECE_CHARS + 1},}}")
# Titles and ranks common in news copy that spaCy's English tokenizer does not know;
# without them "Lt. Col. Avichay Adraee said ..." would be cut into three sentences.
NEWS_ABBREVIATIONS = (
    "Lt.", "Col.", "Maj.", "Capt.", "Sgt.", "Cpl.", "Pvt.", "Brig.", "Cmdr.", "Adm.",
    "Amb.", "Sec.", "Pres.", "Supt.", "Insp.", "Hon.", "Rt.", "Sr.", "Fr.",
)  # fmt: skip


class SentenceKind(StrEnum):
    TITLE = "title"
    HEADING = "heading"
    BODY = "body"
    BOILERPLATE = "boilerplate"


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    text: str
    kind: SentenceKind
    paragraph: int


@lru_cache(maxsize=1)
def _nlp() -> Language:
    nlp = spacy.blank("en")
    tokenizer = cast(Tokenizer, nlp.tokenizer)  # typed as any callable; spacy.blank makes a Tokenizer
    for abbreviation in NEWS_ABBREVIATIONS:
        tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
    nlp.add_pipe("sentencizer")
    return nlp


def _paragraphs(body: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            yield offset + (len(line) - len(line.lstrip())), stripped
        offset += len(line) + 1


def _cut(piece: str) -> int:
    """Where to break an over-long piece: its last symbol that cannot end a sentence, else its end."""
    for at in range(len(piece) - 1, 0, -1):
        if not piece[at].isalnum() and piece[at] not in _STOPS:
            return at
    return len(piece) - 1


def _tokenizer_view(text: str) -> str:
    """``text`` as the tokenizer sees it: the same length, so every offset is the same, but with a
    space in place of one character in every ``MAX_PIECE_CHARS`` of a whitespace-free run.

    Only the sentence boundaries are read from the view; every span is cut from ``text`` itself.
    """

    def broken(run: re.Match[str]) -> str:
        chars = list(run.group())
        start = 0
        while len(chars) - start > MAX_PIECE_CHARS:
            at = start + _cut("".join(chars[start : start + MAX_PIECE_CHARS]))
            chars[at] = " "
            start = at + 1
        return "".join(chars)

    return _PIECE.sub(broken, text)


def _chunks(paragraph: str) -> Iterator[tuple[int, str]]:
    """(offset, chunk) pieces of at most MAX_CHUNK_CHARS, ending after a stop and a space if possible."""
    start = 0
    while len(paragraph) - start > MAX_CHUNK_CHARS:
        window = paragraph[start : start + MAX_CHUNK_CHARS]
        stop = max(window.rfind(f"{c} ") for c in _STOPS)
        end = stop + 2 if stop > 0 else window.rfind(" ") + 1
        end = end if end > 0 else MAX_CHUNK_CHARS
        yield start, paragraph[start : start + end]
        start += end
    yield start, paragraph[start:]


def _sentence_spans(nlp: Language, paragraph: str) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph, by spaCy's sentencizer over its tokenizer view, chunk by chunk."""
    spans = []
    for offset, chunk in _chunks(paragraph):
        for s in nlp(_tokenizer_view(chunk)).sents:
            if trimmed := _trimmed(paragraph, offset + s.start_char, offset + s.end_char):
                spans.append(trimmed)
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    # spaCy may attach stray whitespace tokens to a sentence; offsets must not include it.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _with_continuations_joined(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # A piece starting in lower case continues the sentence before it: an attribution after
    # a quote closed with a full stop ("… critical.” announced Kani.") or an unknown abbreviation.
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and paragraph[start].islower():
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _is_heading(paragraph: str, sentence_count: int) -> bool:
    return sentence_count == 1 and _TERMINAL.search(paragraph) is None and len(paragraph.split()) <= MAX_HEADING_WORDS


def segment(body: str) -> list[Segment]:
    """Sentences of ``body`` in order; ``body[s.start:s.end] == s.text`` for each."""
    nlp = _nlp()
    segments: list[Segment] = []
    for index, (offset, paragraph) in enumerate(_paragraphs(body)):
        spans = _with_continuations_joined(paragraph, _sentence_spans(nlp, paragraph))
        heading = _is_heading(paragraph, len(spans))
        for start, end in spans:
            text = paragraph[start:end]
            # Boilerplate first: "Source link" looks like a headline but is site furniture.
            if is_boilerplate(text):
                kind = SentenceKind.BOILERPLATE
            elif heading:
                kind = SentenceKind.TITLE if index == 0 else SentenceKind.HEADING
            else:
                kind = SentenceKind.BODY
            segments.append(Segment(offset + start, offset + end, text, kind, index))
    return segments
