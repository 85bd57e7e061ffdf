"""Reduce an HTML page to its article text and metadata with trafilatura."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    text: str
    title: str
    sitename: str
    hostname: str
    url: str
    date: str


def extract_article(html: str) -> ExtractedPage | None:
    """The main text of a page, or None when no article text can be found."""
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    if document is None:
        return None
    data = document if isinstance(document, dict) else document.as_dict()
    text = data.get("text") or ""
    if not text.strip():
        return None
    return ExtractedPage(
        text=text,
        title=data.get("title") or "",
        sitename=data.get("sitename") or "",
        hostname=data.get("hostname") or "",
        url=data.get("url") or "",
        date=data.get("date") or "",
    )
