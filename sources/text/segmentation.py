"""Split an article body into sentences with exact character offsets.

Paragraph breaks (newlines) always end a sentence, so headlines without a full
stop stand alone; inside a paragraph spaCy's rule-based sentencizer decides,
whose tokenizer already knows abbreviations (U.S., Gen., Dr.), decimal and
thousands separators, and keeps closing quotes with the sentence they end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import spacy
from spacy.language import Language

from sources.text.cleaning import is_boilerplate

_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$|[:;]$")
# A line longer than this with no full stop is a paragraph that lost its stop, not a headline.
MAX_HEADING_WORDS = 20


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
    nlp.add_pipe("sentencizer")
    return nlp


def _paragraphs(body: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            yield offset + (len(line) - len(line.lstrip())), stripped
        offset += len(line) + 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    # spaCy may attach stray whitespace tokens to a sentence; offsets must not include it.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _is_heading(paragraph: str, sentence_count: int) -> bool:
    return sentence_count == 1 and _TERMINAL.search(paragraph) is None and len(paragraph.split()) <= MAX_HEADING_WORDS


def segment(body: str) -> list[Segment]:
    """Sentences of ``body`` in order; ``body[s.start:s.end] == s.text`` for each."""
    paragraphs = list(_paragraphs(body))
    docs = _nlp().pipe(text for _, text in paragraphs)
    segments: list[Segment] = []
    for index, ((offset, paragraph), doc) in enumerate(zip(paragraphs, docs, strict=True)):
        spans = [t for s in doc.sents if (t := _trimmed(paragraph, s.start_char, s.end_char))]
        heading = _is_heading(paragraph, len(spans))
        for start, end in spans:
            text = paragraph[start:end]
            if heading:
                kind = SentenceKind.TITLE if index == 0 else SentenceKind.HEADING
            elif is_boilerplate(text):
                kind = SentenceKind.BOILERPLATE
            else:
                kind = SentenceKind.BODY
            segments.append(Segment(offset + start, offset + end, text, kind, index))
    return segments
