"""Normalise article text and drop site boilerplate before it is stored.

The cleaned text becomes the article body that every character offset points
into, so cleaning happens exactly once, before segmentation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Whole lines or sentences that sites append to articles. Matched against the
# stripped text in full, case-insensitively, so a real sentence that merely
# mentions "source" is never dropped.
BOILERPLATE_PATTERNS: tuple[str, ...] = (
    r"source link",
    r"click (here )?to (enter|visit|read|view) the (source|original|article)\.?",
    r"this news has been collected from [^.]*\.",
    r"(read|see) (more|also)\s*:.*",
    r"advertisement",
    r"share this (article|story)\.?",
    r"(follow|like) us on [\w ,&]+\.?",
    r"subscribe to our [\w ]*newsletter[^.]*\.?",
    r"sign up for [\w ]*newsletter[^.]*\.?",
    r"all rights reserved\.?",
    # Copyright notices carry the sign or a year, so "Copyright law was changed ..." stays.
    r"©.{0,80}",
    r"(copyright\s*)?\(c\)\s*\d{4}.{0,80}",
    r"copyright\s*(©|\d{4}).{0,80}",
)
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_INLINE_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_RUN = re.compile(r"\n{3,}")


def is_boilerplate(text: str) -> bool:
    return _BOILERPLATE.fullmatch(text.strip()) is not None


def _line_is_boilerplate(line: str) -> bool:
    # A line such as "This news has been collected from ... Click to enter the source."
    # is two boilerplate sentences; split on sentence-final stops to test each part.
    parts = [p for p in re.split(r"(?<=[.!?])\s+", line.strip()) if p]
    return bool(parts) and all(is_boilerplate(p) for p in parts)


def clean_text(raw: str) -> str:
    """Return the canonical article body: NFC, one space between words, no boilerplate lines."""
    text = unicodedata.normalize("NFC", raw)
    text = _ZERO_WIDTH.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    kept = [line for line in lines if not (line and _line_is_boilerplate(line))]
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip()


def content_hash(body: str) -> str:
    """Hash of the cleaned body; two files with the same article text share it."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
