"""Reading article files: every input yields a document or an error naming the file and the problem."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sources.text.reading import (
    ArticleDocument,
    InvalidDocument,
    ReadError,
    document_from_mapping,
    parse_published_at,
    read_paths,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MAX_BYTES = 100_000
BODY = "Qatar's foreign minister briefed Iran on the ceasefire talks in Doha on Friday."


def read(*paths: Path, max_bytes: int = MAX_BYTES) -> list[ArticleDocument | ReadError]:
    return list(read_paths(paths, max_bytes=max_bytes))


def read_one(path: Path) -> ArticleDocument:
    (result,) = read(path)
    assert isinstance(result, ArticleDocument), result
    return result


def read_error(path: Path, max_bytes: int = MAX_BYTES) -> ReadError:
    (result,) = read(path, max_bytes=max_bytes)
    assert isinstance(result, ReadError), result
    return result


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["article.txt", "article.md", "ARTICLE.TXT"])
def test_a_text_file_is_read_as_its_body(tmp_path: Path, name: str) -> None:
    doc = read_one(write(tmp_path / name, BODY + "\n"))

    assert doc.body == BODY + "\n"
    assert doc.source == str(tmp_path / name)
    assert not doc.is_html
    assert (doc.title, doc.outlet, doc.url, doc.published_at) == ("", "", "", None)


def test_a_utf8_file_with_a_byte_order_mark_loses_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff".encode() + BODY.encode())

    assert read_one(path).body == BODY


def test_an_html_file_is_kept_as_html_for_extraction() -> None:
    doc = read_one(DATA_DIR / "gulf_daily_wire.html")

    assert doc.is_html
    assert "<article>" in doc.body


def test_a_json_object_gives_one_document_with_its_metadata(tmp_path: Path) -> None:
    record = {
        "title": " Qatar briefs Iran ",
        "outlet": "Gulf Daily Wire",
        "domain": "GulfDailyWire.example",
        "url": "https://gulfdailywire.example/a",
        "published_at": "2024-08-16T09:30:00Z",
        "language": "en",
        "text": BODY,
    }

    doc = read_one(write(tmp_path / "one.json", json.dumps(record)))

    assert doc == ArticleDocument(
        source=str(tmp_path / "one.json"),
        body=BODY,
        title="Qatar briefs Iran",
        outlet="Gulf Daily Wire",
        domain="gulfdailywire.example",
        url="https://gulfdailywire.example/a",
        published_at=datetime(2024, 8, 16, 9, 30, tzinfo=UTC),
        language="en",
    )


def test_a_json_list_gives_one_document_per_record_and_errors_name_the_index(tmp_path: Path) -> None:
    path = write(tmp_path / "many.json", json.dumps([{"text": "First."}, {"title": "no body"}, {"body": "Third."}]))

    first, second, third = read(path)

    assert isinstance(first, ArticleDocument)
    assert (first.source, first.body) == (f"{path}[0]", "First.")
    assert isinstance(second, ReadError)
    assert second.source == f"{path}[1]"
    assert "no article text" in second.message
    assert isinstance(third, ArticleDocument)
    assert (third.source, third.body) == (f"{path}[2]", "Third.")


def test_a_json_record_with_html_is_marked_for_extraction(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "page.json", json.dumps({"html": "<p>Hello there.</p>"})))

    assert doc.is_html
    assert doc.body == "<p>Hello there.</p>"


def test_jsonl_reads_one_document_per_line_and_errors_name_file_and_line(tmp_path: Path) -> None:
    lines = [json.dumps({"text": "First article."}), "", "{not json", json.dumps(["a list"]), '{"text": "Last."}']
    path = write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")

    results = read(path)

    assert [type(r).__name__ for r in results] == ["ArticleDocument", "ReadError", "ReadError", "ArticleDocument"]
    assert [r.source for r in results] == [f"{path}:1", f"{path}:3", f"{path}:4", f"{path}:5"]
    assert isinstance(results[2], ReadError)
    assert "expected a JSON object, got list" in results[2].message


def test_a_jsonl_batch_over_the_size_limit_is_read_with_the_limit_applied_per_line(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"Article number {n} says talks resumed in Doha."}) for n in range(40)]
    lines[7] = json.dumps({"text": "x" * 500})
    path = write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")
    assert path.stat().st_size > 1_000

    results = read(path, max_bytes=100)

    errors = [r for r in results if isinstance(r, ReadError)]
    assert len(results) == 40
    assert errors == [ReadError(f"{path}:8", f"line is {len(lines[7]):,} bytes, over the 100-byte limit")]
    assert isinstance(results[8], ArticleDocument)
    assert results[8].source == f"{path}:9"


def test_a_jsonl_line_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    text = "Talks resumed in Doha.\u2028Qatar mediated.\u0085Egypt too."
    path = write(tmp_path / "sep.jsonl", json.dumps({"text": text}, ensure_ascii=False) + "\n")

    assert read_one(path).body == text


def test_a_utf16_jsonl_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes((json.dumps({"text": "First."}) + "\r\n" + json.dumps({"text": "Second."})).encode("utf-16"))

    assert [d.body for d in read(path) if isinstance(d, ArticleDocument)] == ["First.", "Second."]


def test_a_latin1_jsonl_line_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"text": "Caf\xe9 owners protested."}\n{"text": "Talks resumed."}\n')

    error, doc = read(path)

    assert isinstance(error, ReadError)
    assert error.source == f"{path}:1"
    assert "not valid UTF-8" in error.message
    assert isinstance(doc, ArticleDocument)


def test_the_bbc_layout_joins_paragraphs_and_keeps_the_title(tmp_path: Path) -> None:
    record = {
        "id": "business_001",
        "category": "business",
        "title": "Ad sales boost profit",
        "paragraphs": ["P1.", "P2."],
    }

    doc = read_one(write(tmp_path / "bbc.jsonl", json.dumps(record) + "\n"))

    assert doc.body == "P1.\n\nP2."
    assert doc.title == "Ad sales boost profit"


def test_a_sidecar_gives_metadata_to_its_article(tmp_path: Path) -> None:
    write(tmp_path / "story.txt", BODY)
    write(tmp_path / "story.meta.json", json.dumps({"title": "Sidecar title", "url": "https://example.org/s"}))

    doc = read_one(tmp_path / "story.txt")

    assert (doc.title, doc.url, doc.body) == ("Sidecar title", "https://example.org/s", BODY)


def test_a_folder_manifest_gives_metadata_by_file_name(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "b.txt", BODY + " Again.")
    write(tmp_path / "manifest.json", json.dumps({"b.txt": {"outlet": "Tehran Times", "published_at": "2024-08-16"}}))

    a, b = (read_one(tmp_path / name) for name in ("a.txt", "b.txt"))

    assert (a.outlet, a.published_at) == ("", None)
    assert (b.outlet, b.published_at) == ("Tehran Times", datetime(2024, 8, 16, tzinfo=UTC))


def test_a_sidecar_wins_over_the_manifest(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "a.meta.json", json.dumps({"title": "From sidecar"}))
    write(tmp_path / "manifest.json", json.dumps({"a.txt": {"title": "From manifest"}}))

    assert read_one(tmp_path / "a.txt").title == "From sidecar"


def test_a_broken_sidecar_fails_its_article_naming_the_sidecar(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "a.meta.json", "{title: oops")

    error = read_error(tmp_path / "a.txt")

    assert error.source == str(tmp_path / "a.txt")
    assert "a.meta.json is not valid JSON" in error.message


def test_a_latin1_manifest_fails_its_articles_without_stopping_the_batch(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    write(folder / "a.txt", BODY)
    (folder / "manifest.json").write_bytes('{"a.txt": {"title": "Café"}}'.encode("latin-1"))
    other = write(tmp_path / "other.txt", BODY)

    error, doc = read(folder, other)

    assert isinstance(error, ReadError)
    assert "manifest.json" in error.message
    assert "UTF-8" in error.message
    assert isinstance(doc, ArticleDocument)


def test_metadata_of_the_wrong_type_names_the_field(tmp_path: Path) -> None:
    error = read_error(write(tmp_path / "bad.json", json.dumps({"text": BODY, "title": 42})))

    assert error.message == "title must be a string"


def test_latin1_bytes_are_an_error_naming_the_file_and_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Le ministre a déclaré vendredi.".encode("latin-1"))

    error = read_error(path)

    assert error.source == str(path)
    assert "not valid UTF-8" in error.message
    assert "0xe9" in error.message
    assert "save the file as UTF-8" in error.message


@pytest.mark.parametrize("name", ["empty.txt", "blank.md", "empty.json", "empty.jsonl", "blank.jsonl", "empty.html"])
def test_an_empty_file_is_an_error(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "  \n\n" if name.startswith("blank") else "")

    error = read_error(path)

    assert (error.source, error.message) == (str(path), "file is empty")


def test_a_file_over_the_size_limit_is_an_error_naming_its_size(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", "x" * 1_500)

    error = read_error(path, max_bytes=1_000)

    assert error.source == str(path)
    assert error.message == "file is 1,500 bytes, over the 1,000-byte limit"


def test_malformed_json_is_an_error(tmp_path: Path) -> None:
    error = read_error(write(tmp_path / "broken.json", '{"text": "unterminated'))

    assert error.message.startswith("malformed JSON:")


def test_an_unsupported_suffix_is_an_error_listing_the_supported_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "article.pdf", BODY)

    error = read_error(path)

    assert error.source == str(path)
    assert "unsupported file type .pdf" in error.message
    assert ".txt" in error.message


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    error = read_error(tmp_path / "nowhere.txt")

    assert error.message == "no such file or folder"


def test_a_folder_is_read_recursively_in_name_order_skipping_manifests_sidecars_and_others(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "Second.")
    write(tmp_path / "a.md", "First.")
    write(tmp_path / "a.meta.json", json.dumps({"title": "A"}))
    write(tmp_path / "manifest.json", json.dumps({"b.txt": {"title": "B"}}))
    write(tmp_path / "notes.pdf", "not an article")
    write(tmp_path / ".hidden.txt", "hidden")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "c.txt", "Third.")

    docs = [d for d in read(tmp_path) if isinstance(d, ArticleDocument)]

    assert len(docs) == len(read(tmp_path))
    assert [(Path(d.source).name, d.body, d.title) for d in docs] == [
        ("a.md", "First.", "A"),
        ("b.txt", "Second.", "B"),
        ("c.txt", "Third.", ""),
    ]


def test_several_paths_are_read_in_the_order_given(tmp_path: Path) -> None:
    second = write(tmp_path / "a.txt", "Second.")
    first = write(tmp_path / "z.txt", "First.")

    assert [d.source for d in read(first, second)] == [str(first), str(second)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-08-16", datetime(2024, 8, 16, tzinfo=UTC)),
        ("2024-08-16T09:30:00Z", datetime(2024, 8, 16, 9, 30, tzinfo=UTC)),
        ("2024-08-16T09:30:00", datetime(2024, 8, 16, 9, 30, tzinfo=UTC)),
        ("2024-08-16T12:30:00+03:00", datetime(2024, 8, 16, 12, 30, tzinfo=timezone(timedelta(hours=3)))),
        (" 2024-08-16 ", datetime(2024, 8, 16, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_published_at_accepts_dates_times_and_zones(value: str | None, expected: datetime | None) -> None:
    parsed = parse_published_at(value)

    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


@pytest.mark.parametrize("value", ["16/08/2024", "yesterday", "2024-13-01", 1723800000])
def test_a_bad_published_at_is_an_error_naming_the_field(value: object) -> None:
    with pytest.raises(InvalidDocument, match="published_at"):
        parse_published_at(value)


def test_a_bad_published_at_in_a_file_fails_that_record(tmp_path: Path) -> None:
    error = read_error(write(tmp_path / "a.json", json.dumps({"text": BODY, "published_at": "last Friday"})))

    assert "published_at 'last Friday'" in error.message


def test_a_record_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidDocument, match="expected a JSON object"):
        document_from_mapping(["text"], "x.json")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"text": ' + "1" * 5_000 + "}", "malformed JSON"),
    ],
)
def test_json_that_python_cannot_load_is_an_error_not_a_crash(tmp_path: Path, content: str, reason: str) -> None:
    error = read_error(write(tmp_path / "hostile.json", content), max_bytes=1_000_000)

    assert reason in error.message


def test_deep_nesting_in_a_jsonl_line_fails_only_that_line(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.jsonl", "[" * 50_000 + "\n" + json.dumps({"text": BODY}) + "\n")

    first, second = read(path, max_bytes=1_000_000)

    assert isinstance(first, ReadError)
    assert first.source == f"{path}:1"
    assert isinstance(second, ArticleDocument)


def test_broken_utf16_is_an_error_naming_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(b"\xff\xfeA")  # a UTF-16 byte order mark and half a character

    assert "not valid UTF-16" in read_error(path).message


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31"])
def test_a_publication_year_no_newspaper_has_is_refused(value: str) -> None:
    with pytest.raises(InvalidDocument, match="outside the years"):
        parse_published_at(value)


def test_published_at_with_an_offset_postgresql_refuses_is_stored_in_utc() -> None:
    parsed = parse_published_at("2024-01-01T00:00:00-23:59")

    assert parsed == datetime(2024, 1, 1, 23, 59, tzinfo=UTC)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


def test_a_utf16_file_without_a_byte_order_mark_is_an_error_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(BODY.encode("utf-16-le"))

    (error,) = read(path)

    assert isinstance(error, ReadError)
    assert "NUL bytes" in error.message
    assert "UTF-16 without a byte-order mark" in error.message


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"text": BODY + "\x00"}, "text contains a NUL character"),
        ({"text": BODY + "\ud800"}, "text contains a lone surrogate U+D800"),
        ({"text": BODY, "title": "a\udfffb"}, "title contains a lone surrogate U+DFFF"),
        ({"text": BODY, "outlet": "\x00"}, "outlet contains a NUL character"),
        ({"html": "<p>\x00</p>"}, "html contains a NUL character"),
    ],
)
def test_text_postgresql_cannot_store_is_refused_naming_the_field(record: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidDocument, match=re.escape(message)):
        document_from_mapping(record, "x")


def test_a_nul_escape_in_a_json_file_fails_that_record_alone(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([{"text": BODY + "\x00"}, {"text": BODY}]))

    error, document = read(path)

    assert isinstance(error, ReadError)
    assert "NUL character" in error.message
    assert isinstance(document, ArticleDocument)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://example.org/a", "http://"])
def test_a_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(InvalidDocument, match="url must be an http"):
        document_from_mapping({"text": BODY, "url": url}, "x")


def test_a_file_name_with_undecodable_bytes_is_named_with_escapes(tmp_path: Path) -> None:
    path = tmp_path / "caf\udce9.txt"  # b"caf\xe9.txt" on disk: Latin-1, not UTF-8
    path.write_text(BODY)

    (document,) = read(tmp_path)

    assert document.source.endswith("caf\\udce9.txt")
    document.source.encode("utf-8")  # storable: no lone surrogate left
