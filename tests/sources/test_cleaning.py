"""Cleaning: the canonical body every offset points into, and its content hash."""

from __future__ import annotations

import unicodedata

import pytest

from sources.text.cleaning import clean_text, content_hash, is_boilerplate


def test_source_link_and_collected_news_lines_are_removed() -> None:
    raw = (
        "Talks resumed in Doha on Friday.\n"
        "Source link\n"
        "This news has been collected from reliable news agencies in the country. Click to enter the source.\n"
        "Egypt and Qatar mediated."
    )

    assert clean_text(raw) == "Talks resumed in Doha on Friday.\nEgypt and Qatar mediated."


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "Read more: Iran and Qatar discuss Gaza",
        "SEE ALSO:  Ceasefire talks stall in Doha",
        "Share this article",
        "© 2024 Reuters",
        "Copyright 2024 The Associated Press. All rights reserved.",
        "Sign up for the Politics Today newsletter!",
    ],
)
def test_site_furniture_lines_are_removed(line: str) -> None:
    assert clean_text(f"Talks resumed in Doha.\n{line}\nQatar mediated.") == "Talks resumed in Doha.\nQatar mediated."


@pytest.mark.parametrize(
    "sentence",
    [
        "The source link was shared by the foreign ministry on Telegram.",
        "Officials said the source of the leak was a senior diplomat.",
        "Copyright law was rewritten by parliament in 2019.",
        "(c) the ministers agreed to meet again in Cairo.",
        "Readers were asked to click to enter the competition.",
    ],
)
def test_a_sentence_that_merely_mentions_a_source_or_copyright_stays(sentence: str) -> None:
    assert not is_boilerplate(sentence)
    assert clean_text(f"Talks resumed.\n{sentence}") == f"Talks resumed.\n{sentence}"


def test_a_boilerplate_phrase_inside_a_real_paragraph_keeps_the_paragraph() -> None:
    line = "Talks resumed in Doha. Source link"

    assert clean_text(line) == line


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "Cafe\u0301 owners in Tehran said prices rose."

    cleaned = clean_text(decomposed)

    assert cleaned == "Café owners in Tehran said prices rose."
    assert unicodedata.is_normalized("NFC", cleaned)


def test_windows_and_old_mac_line_endings_become_newlines() -> None:
    assert clean_text("One line.\r\nTwo line.\rThree line.") == "One line.\nTwo line.\nThree line."


def test_spaces_tabs_and_invisible_characters_collapse_and_blank_runs_shrink() -> None:
    raw = "  Talks\t\tresumed \u00a0in\u200b Doha.  \n\n\n\n\nQatar   mediated.\ufeff  "

    assert clean_text(raw) == "Talks resumed in Doha.\n\nQatar mediated."


def test_a_body_of_only_boilerplate_cleans_to_nothing() -> None:
    assert clean_text("Source link\n\nAdvertisement\n") == ""


def test_content_hash_is_sha256_of_the_utf8_body() -> None:
    # Pinned: stored articles are deduplicated on this value, so it must not drift.
    assert content_hash("Talks resumed in Doha.\nQatar mediated.") == (
        "52fab6c258194aa48216965ee8dbff10e601f1aba9cb8fb3bed0393a381f2879"
    )


def test_the_same_text_with_other_line_endings_and_trailing_spaces_hashes_the_same() -> None:
    unix = "Talks resumed in Doha.\nQatar mediated.\n"
    windows = "Talks resumed in Doha.  \r\nQatar mediated.\t\r\n\r\n"

    assert content_hash(clean_text(unix)) == content_hash(clean_text(windows))
    assert content_hash(clean_text(unix)) != content_hash(clean_text("Talks resumed in Cairo.\nQatar mediated."))
