"""Read article files (.txt, .md, .html, .json, .jsonl) into documents.

Each file or JSON record yields either an ``ArticleDocument`` or a ``ReadError``
naming the file (and record) and what is wrong, so one bad file never stops a
batch. Metadata is optional and comes from JSON fields, a ``NAME.meta.json``
sidecar, or a ``manifest.json`` in the same folder keyed by file name. The size
limit applies to each file, except .jsonl batches, where it applies to each line.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MANIFEST_NAME = "manifest.json"
SIDECAR_SUFFIX = ".meta.json"
BODY_FIELDS = ("text", "body", "articleBody", "content")
METADATA_FIELDS = ("title", "outlet", "domain", "url", "published_at", "language")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class ArticleDocument:
    source: str
    body: str
    is_html: bool = False
    title: str = ""
    outlet: str = ""
    domain: str = ""
    url: str = ""
    published_at: datetime | None = None
    language: str = ""

    def as_payload(self) -> dict[str, Any]:
        """JSON-safe form, for storing a queued document until a job ingests it."""
        return {
            "source": self.source,
            "body": self.body,
            "is_html": self.is_html,
            "title": self.title,
            "outlet": self.outlet,
            "domain": self.domain,
            "url": self.url,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "language": self.language,
        }


@dataclass(frozen=True, slots=True)
class ReadError:
    source: str
    message: str


@dataclass(slots=True)
class _Context:
    max_bytes: int
    manifests: dict[Path, Mapping[str, Any]] = field(default_factory=dict)


class InvalidDocument(ValueError):
    """A record whose fields cannot make an article; the message names the field."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
URL_SCHEMES = ("http", "https")


def check_storable(field: str, value: str) -> str:
    """``value`` unchanged, or InvalidDocument if PostgreSQL cannot store it.

    NUL characters and lone surrogates are refused, not removed: PostgreSQL stores neither in
    text or JSON, and dropping characters silently would change what the reader sent. (A NUL
    mostly means a UTF-16 file saved without a byte-order mark, read as UTF-8.)
    """
    found = _UNSTORABLE.search(value)
    if found is None:
        return value
    char, at = found.group(), found.start()
    if char == "\x00":
        raise InvalidDocument(f"{field} contains a NUL character (at character {at:,}), which cannot be stored")
    raise InvalidDocument(
        f"{field} contains a lone surrogate U+{ord(char):04X} (at character {at:,}): not valid Unicode"
    )


def check_url(url: str) -> str:
    """``url`` if it is empty or an http(s) address; articles' addresses are shown as links."""
    if url and (urlsplit(url).scheme.lower() not in URL_SCHEMES or not urlsplit(url).netloc):
        raise InvalidDocument(f"url must be an http:// or https:// address, got {url[:80]!r}")
    return url


def printable_source(source: str) -> str:
    """A file name as it can be stored and shown: undecodable bytes of a path (kept by Python as
    lone surrogates) become backslash escapes."""
    return source.encode("utf-8", "backslashreplace").decode("utf-8")


def source_label(source: str) -> str:
    """What a reader of the workbench may see of a document's source: a file's own name, never the
    folders it was read from on the server ("/srv/in/seed/000.txt:3" reads "000.txt:3").

    Sources are stored whole (the ``ingest`` command's report names each file to fix); this is for
    screens and the API. Names that are no path ("schools.txt", "api:documents[0]") are unchanged.
    """
    name = source.rstrip("/").rsplit("/", 1)[-1]
    return name or source


EARLIEST_PUBLISHED, LATEST_PUBLISHED = 1800, 2200


def parse_published_at(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidDocument(f"published_at must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise InvalidDocument(f"published_at {value!r} is not an ISO 8601 date or time") from None
    if not EARLIEST_PUBLISHED <= parsed.year <= LATEST_PUBLISHED:
        # Dates in a claim are resolved relative to this; year 1 or 9999 is a typo, not news.
        raise InvalidDocument(f"published_at {value!r} is outside the years {EARLIEST_PUBLISHED}-{LATEST_PUBLISHED}")
    # A time without a zone is taken as UTC: newsroom feeds that omit it mostly mean UTC. Stored in UTC:
    # PostgreSQL refuses some offsets Python accepts (e.g. -23:59).
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def document_from_mapping(record: Mapping[str, Any], source: str) -> ArticleDocument:
    """Build a document from a JSON object; also reads the BBC layout (``paragraphs``)."""
    if not isinstance(record, Mapping):
        raise InvalidDocument(f"expected a JSON object, got {type(record).__name__}")
    is_html = False
    body: Any = next((record[k] for k in BODY_FIELDS if record.get(k)), None)
    if body is None and record.get("html"):
        body, is_html = record["html"], True
    if body is None and isinstance(record.get("paragraphs"), list):
        body = "\n\n".join(str(p) for p in record["paragraphs"])
    if not isinstance(body, str) or not body.strip():
        raise InvalidDocument("no article text: give one of text, body, html or paragraphs")
    check_storable("html" if is_html else "text", body)
    meta = {k: record.get(k) for k in METADATA_FIELDS}
    for key in ("title", "outlet", "domain", "url", "language"):
        if meta[key] is not None and not isinstance(meta[key], str):
            raise InvalidDocument(f"{key} must be a string")
        check_storable(key, meta[key] or "")
    return ArticleDocument(
        source=source,
        body=body,
        is_html=is_html,
        title=(meta["title"] or "").strip(),
        outlet=(meta["outlet"] or "").strip(),
        domain=(meta["domain"] or "").strip().lower(),
        url=check_url((meta["url"] or "").strip()),
        published_at=parse_published_at(meta["published_at"] or record.get("date")),
        language=(meta["language"] or "").strip(),
    )


def _decode(data: bytes) -> str:
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidDocument(f"not valid UTF-16 ({exc.reason} at offset {exc.start})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidDocument(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from None
    if "\x00" in text:
        # ASCII text in UTF-16 is valid UTF-8 with a NUL byte beside every character.
        raise InvalidDocument(
            f"contains NUL bytes (the first at offset {data.index(0)}): UTF-16 without a byte-order mark? "
            "Save the file as UTF-8"
        )
    return text


def _metadata_file(path: Path) -> Any:
    # The error lands on the article the file describes, so it must say which file is broken.
    try:
        text = _decode(path.read_bytes())
    except InvalidDocument as exc:
        raise InvalidDocument(f"{path.name}: {exc}") from None
    try:
        return _json_loads(text)
    except InvalidDocument as exc:
        raise InvalidDocument(f"{path.name} is not valid JSON: {str(exc).removeprefix('malformed JSON: ')}") from None


def _metadata_for(path: Path, ctx: _Context) -> Mapping[str, Any]:
    sidecar = path.with_name(path.name.removesuffix(path.suffix) + SIDECAR_SUFFIX)
    if sidecar.is_file():
        loaded = _metadata_file(sidecar)
        if not isinstance(loaded, Mapping):
            raise InvalidDocument(f"{sidecar.name} must hold a JSON object")
        return loaded
    folder = path.parent
    if folder not in ctx.manifests:
        manifest = folder / MANIFEST_NAME
        loaded = _metadata_file(manifest) if manifest.is_file() else {}
        if not isinstance(loaded, Mapping):
            raise InvalidDocument(f"{manifest.name} must map file names to metadata objects")
        ctx.manifests[folder] = loaded
    entry = ctx.manifests[folder].get(path.name, {})
    return entry if isinstance(entry, Mapping) else {}


def _bounded_lines(handle: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(number, line, size) for each line; a line over the limit comes as None and is never held whole."""
    number = 0
    while line := handle.readline(max_bytes + 1):
        number += 1
        size = len(line.rstrip(b"\r\n"))
        if size <= max_bytes:
            yield number, line, size
            continue
        while not line.endswith(b"\n") and (line := handle.readline(max_bytes + 1)):
            size += len(line.rstrip(b"\r\n"))
        yield number, None, size


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[ArticleDocument | ReadError]:
    """One article per line. The size limit applies to each line, so a batch file may be any size;
    lines end at "\n" only, as JSON Lines says (a record may hold a raw U+2028)."""
    found = False
    with path.open("rb") as raw:
        bom = raw.read(2)
        raw.seek(0)
        # UTF-16 line breaks are two bytes wide; such files are re-encoded whole first.
        handle: BinaryIO = io.BytesIO(_decode(raw.read()).encode("utf-8")) if bom in _UTF16_BOMS else raw
        for number, line, size in _bounded_lines(handle, max_bytes):
            if line is not None and not line.strip():
                continue
            found = True
            where = printable_source(f"{path}:{number}")
            if line is None:
                yield ReadError(where, f"line is {size:,} bytes, over the {max_bytes:,}-byte limit")
                continue
            try:
                yield document_from_mapping(_json_loads(_decode(line)), where)
            except InvalidDocument as exc:
                yield ReadError(where, str(exc))
    if not found:
        yield ReadError(printable_source(str(path)), "file is empty")


def _json_loads(text: str) -> Any:
    """json.loads with every way it can refuse input turned into one clear error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDocument(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise InvalidDocument("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise InvalidDocument(f"malformed JSON: {exc}") from None


def _read_json_records(text: str, source: str) -> Iterator[ArticleDocument | ReadError]:
    try:
        loaded = _json_loads(text)
    except InvalidDocument as exc:
        yield ReadError(source, str(exc))
        return
    records = loaded if isinstance(loaded, list) else [loaded]
    for index, record in enumerate(records):
        where = f"{source}[{index}]" if isinstance(loaded, list) else source
        try:
            yield document_from_mapping(record, where)
        except InvalidDocument as exc:
            yield ReadError(where, str(exc))


def _read_file(path: Path, ctx: _Context) -> Iterator[ArticleDocument | ReadError]:
    source = printable_source(str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            yield from _read_jsonl(path, ctx.max_bytes)
            return
        size = path.stat().st_size
        if size > ctx.max_bytes:
            yield ReadError(source, f"file is {size:,} bytes, over the {ctx.max_bytes:,}-byte limit")
            return
        text = _decode(path.read_bytes())
        if not text.strip():
            yield ReadError(source, "file is empty")
            return
        if suffix in JSON_SUFFIXES:
            yield from _read_json_records(text, source)
            return
        meta = dict(_metadata_for(path, ctx))
        meta["html" if suffix in HTML_SUFFIXES else "text"] = text
        yield document_from_mapping(meta, source)
    except OSError as exc:
        yield ReadError(source, f"cannot read file: {exc.strerror or exc}")
    except InvalidDocument as exc:
        yield ReadError(source, str(exc))


def _is_article_file(path: Path) -> bool:
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and path.name != MANIFEST_NAME
        and not path.name.endswith(SIDECAR_SUFFIX)
        and not path.name.startswith(".")
    )


def read_paths(paths: Iterable[Path], max_bytes: int) -> Iterator[ArticleDocument | ReadError]:
    """Documents from files and folders (recursively, in name order)."""
    ctx = _Context(max_bytes=max_bytes)
    for path in paths:
        source = printable_source(str(path))
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and _is_article_file(p)):
                yield from _read_file(child, ctx)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                yield ReadError(
                    source, f"unsupported file type {path.suffix or '(none)'}; use .txt, .md, .html or .json(l)"
                )
            else:
                yield from _read_file(path, ctx)
        else:
            yield ReadError(source, "no such file or folder")
