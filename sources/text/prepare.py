"""Turn a read document into the article that will be stored: text, metadata, sentences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sources.text.cleaning import clean_text, content_hash
from sources.text.html import extract_article
from sources.text.reading import (
    URL_SCHEMES,
    ArticleDocument,
    InvalidDocument,
    check_storable,
    parse_published_at,
)
from sources.text.segmentation import Segment, SentenceKind, segment


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    body: str
    content_hash: str
    title: str
    outlet: str
    domain: str
    url: str
    published_at: datetime | None
    language: str
    segments: list[Segment]


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.").lower()


# Column widths of sources.models.Article / Outlet: refused here with a reason, not by the database.
MAX_LENGTHS = {"url": 2000, "domain": 253, "language": 16}


def _check_lengths(**values: str) -> None:
    for field, value in values.items():
        if len(value) > MAX_LENGTHS[field]:
            raise InvalidDocument(f"{field} is {len(value):,} characters, over the {MAX_LENGTHS[field]:,} limit")


def prepare_document(document: ArticleDocument, max_chars: int) -> PreparedArticle:
    """Clean, segment and complete a document's metadata; raises InvalidDocument with the reason."""
    text, title, outlet, url, published_at = (
        document.body,
        document.title,
        document.outlet,
        document.url,
        document.published_at,
    )
    if document.is_html:
        page = extract_article(text)
        if page is None:
            raise InvalidDocument("no article text found in the HTML")
        text = page.text
        title = title or page.title
        outlet = outlet or page.sitename
        # A page's own address is kept only when it is one a reader can follow (http or https).
        url = url or (page.url if urlsplit(page.url or "").scheme.lower() in URL_SCHEMES else "")
        published_at = published_at or parse_published_at(page.date or None)
    body = clean_text(text)
    for field, value in (("text", body), ("title", title), ("outlet", outlet)):
        # Also what an HTML page yields: entities such as &#0; must not reach the database.
        check_storable(field, value)
    if not body:
        raise InvalidDocument("no text left after removing boilerplate")
    if len(body) > max_chars:
        raise InvalidDocument(f"article text is {len(body):,} characters, over the {max_chars:,} limit")
    segments = segment(body)
    if not title and segments and segments[0].kind == SentenceKind.TITLE:
        title = segments[0].text
    domain = document.domain or domain_of(url)
    _check_lengths(url=url, domain=domain, language=document.language)
    return PreparedArticle(
        body=body,
        content_hash=content_hash(body),
        title=title[:500],
        outlet=(outlet or domain)[:200],
        domain=domain,
        url=url,
        published_at=published_at,
        language=document.language or "en",
        segments=segments,
    )
