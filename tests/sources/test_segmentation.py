"""Sentence segmentation: exact offsets for any text, and news-aware sentence boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources.text.cleaning import clean_text
from sources.text.segmentation import Segment, SentenceKind, segment
from tests.conftest import SEED_DIR

SEED_FILES = sorted(SEED_DIR.glob("*.txt"))

WORDS = (
    "the", "minister", "said", "talks", "in", "Doha", "ceasefire", "Gaza", "Hamas", "Israel", "Qatar", "Iran",
    "on", "Friday", "were", "killed", "according", "to", "officials", "and", "a", "statement", "Al", "Thani",
)  # fmt: skip
ABBREVIATIONS = ("U.S.", "U.N.", "Dr", "Dr.", "Gen.", "Mr.", "Lt.", "Col.", "a.m.", "e.g.", "St.")
NUMBERS = ("8,005", "3.5", "40,000", "2024", "7", "37,945", "0.25", "90")
QUOTES = ("“", "”", '"', "'", "‘", "’")
INLINE_SPACE = ("", " ", " ", " ", "  ", "\t", " \t ", "\u00a0", "   ")
LINE_BREAKS = ("\n", "\n\n", " \n", "\n ", "\n\t\n", "\n\n\n", "\r\n", "  \n  ")
TERMINALS = (".", "?", "!", "…", ".”", '."', "?”", ",”", ":", "")

tokens = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(ABBREVIATIONS),
    st.sampled_from(NUMBERS),
    st.sampled_from(QUOTES),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-’'()", min_size=1, max_size=8),
)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(tokens, min_size=1, max_size=14))
    gaps = draw(st.lists(st.sampled_from(INLINE_SPACE), min_size=len(words), max_size=len(words)))
    opening = draw(st.sampled_from(("", "", "“", '"')))
    return (
        opening + "".join(w + g for w, g in zip(words, gaps, strict=True)).rstrip() + draw(st.sampled_from(TERMINALS))
    )


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 4)) == 0:
        # A headline: a few capitalised words with no full stop.
        return " ".join(w.capitalize() for w in draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)))
    parts = draw(st.lists(sentences(), min_size=1, max_size=5))
    gaps = draw(st.lists(st.sampled_from(INLINE_SPACE[1:]), min_size=len(parts), max_size=len(parts)))
    return "".join(p + g for p, g in zip(parts, gaps, strict=True))


@st.composite
def news_bodies(draw: st.DrawFn) -> str:
    paras = draw(st.lists(paragraphs(), min_size=1, max_size=6))
    breaks = draw(st.lists(st.sampled_from(LINE_BREAKS), min_size=len(paras), max_size=len(paras)))
    lead = draw(st.sampled_from(("", " ", "\n", "\t", "\n\n  ")))
    return lead + "".join(p + b for p, b in zip(paras, breaks, strict=True))


def assert_offsets_exact(body: str, segments: list[Segment]) -> None:
    """Every segment is body[start:end], trimmed, in order, and together they cover all the text."""
    covered = [False] * len(body)
    previous_end = 0
    for seg in segments:
        assert 0 <= seg.start < seg.end <= len(body), seg
        assert body[seg.start : seg.end] == seg.text
        assert seg.text == seg.text.strip(), seg
        assert seg.start >= previous_end, f"{seg} overlaps or precedes the segment ending at {previous_end}"
        previous_end = seg.end
        covered[seg.start : seg.end] = [True] * (seg.end - seg.start)
    lost = [(i, ch) for i, ch in enumerate(body) if not ch.isspace() and not covered[i]]
    assert lost == [], f"characters outside every sentence: {lost[:10]}"


def texts(body: str) -> list[str]:
    return [s.text for s in segment(body)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_bodies())
def test_segments_of_news_like_text_are_exact_ordered_and_cover_every_character(body: str) -> None:
    assert_offsets_exact(body, segment(body))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_segments_of_arbitrary_text_are_exact_ordered_and_cover_every_character(body: str) -> None:
    assert_offsets_exact(body, segment(body))


def test_an_abbreviated_country_does_not_end_a_sentence() -> None:
    body = "U.S. Secretary of State Antony Blinken has blamed Hamas."

    assert texts(body) == [body]


@pytest.mark.parametrize(
    "sentence",
    [
        "Egypt's intelligence chief Gen. Abbas Kamel joined the talks in Cairo.",
        "On Sunday, Qatari foreign ministry spokesman, Dr Majed Al Ansari told CNN that talks were ongoing.",
        "Military spokesman Lt. Col. Avichay Adraee said the strikes hit rocket launchers.",
        "The envoy met Amb. Linda Thomas-Greenfield and Capt. John Smith in New York.",
    ],
)
def test_titles_and_ranks_do_not_end_a_sentence(sentence: str) -> None:
    assert texts(f"{sentence} The talks continue.") == [sentence, "The talks continue."]


def test_a_closing_quote_after_the_full_stop_stays_with_its_sentence() -> None:
    body = "“The results of this phase are critical.” announced Ali Baqeri Kani. Talks resume on Monday."

    result = texts(body)

    assert result[0].startswith("“The results of this phase are critical.”")
    assert not any(s.startswith("”") for s in result)
    assert result[-1] == "Talks resume on Monday."


def test_an_attribution_after_a_quoted_full_stop_is_not_a_sentence_of_its_own() -> None:
    body = "“We are saying enough is enough.” said the emir. The talks continue."

    assert texts(body) == ["“We are saying enough is enough.” said the emir.", "The talks continue."]


@pytest.mark.parametrize(
    "sentence",
    [
        "At least 8,005 Palestinians, including 3,195 children, have been killed.",
        "The economy grew by 3.5 per cent in the second quarter.",
    ],
)
def test_thousands_separators_and_decimals_do_not_split(sentence: str) -> None:
    assert texts(f"{sentence} Officials gave no details.") == [sentence, "Officials gave no details."]


def test_a_headline_without_a_full_stop_is_a_title_first_and_a_heading_later() -> None:
    body = (
        "Qatar informs Iran on Gaza ceasefire talks\n"
        "Ceasefire talks took place in Doha. Egypt and Qatar mediated.\n"
        "Humanitarian disaster in Gaza\n"
        "Aid deliveries have stopped."
    )

    result = [(s.text, s.kind) for s in segment(body)]

    assert result == [
        ("Qatar informs Iran on Gaza ceasefire talks", SentenceKind.TITLE),
        ("Ceasefire talks took place in Doha.", SentenceKind.BODY),
        ("Egypt and Qatar mediated.", SentenceKind.BODY),
        ("Humanitarian disaster in Gaza", SentenceKind.HEADING),
        ("Aid deliveries have stopped.", SentenceKind.BODY),
    ]


def test_a_long_line_without_a_full_stop_is_body_text_not_a_headline() -> None:
    line = " ".join(["The ministers discussed the ceasefire talks in Doha"] * 4)

    assert [s.kind for s in segment(f"Headline\n{line}")] == [SentenceKind.TITLE, SentenceKind.BODY]


def test_paragraph_numbers_count_lines_with_text() -> None:
    body = "First paragraph here.\n\n\nSecond paragraph. Still second.\nThird."

    assert [s.paragraph for s in segment(body)] == [0, 1, 1, 2]


def test_boilerplate_sentences_are_marked_boilerplate() -> None:
    body = (
        "Talks resumed in Doha on Friday. Click here to read the article.\n"
        "Source link\n"
        "This news has been collected from reliable news agencies in the country."
    )

    kinds = {s.text: s.kind for s in segment(body)}

    assert kinds == {
        "Talks resumed in Doha on Friday.": SentenceKind.BODY,
        "Click here to read the article.": SentenceKind.BOILERPLATE,
        "Source link": SentenceKind.BOILERPLATE,
        "This news has been collected from reliable news agencies in the country.": SentenceKind.BOILERPLATE,
    }


def test_an_empty_or_blank_body_has_no_sentences() -> None:
    assert segment("") == []
    assert segment(" \n\t\n ") == []


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_articles_segment_with_exact_offsets(path: Path) -> None:
    body = clean_text(path.read_text(encoding="utf-8"))

    segments = segment(body)

    assert len(segments) >= 10
    assert_offsets_exact(body, segments)


def test_a_long_seed_sentence_with_a_comma_clause_is_one_sentence() -> None:
    body = clean_text(SEED_FILES[0].read_text(encoding="utf-8"))
    sentence = (
        "Hamas refused to send a delegation after Israel killed its political Chief Ismail Haniyeh in Tehran, "
        "saying it would only receive the results of the negotiations."
    )

    assert sentence in texts(body)


def test_seed_headlines_are_titles_and_embedded_story_headlines_are_headings() -> None:
    by_text = {s.text: s.kind for path in SEED_FILES for s in segment(clean_text(path.read_text(encoding="utf-8")))}

    assert by_text["Qatar informs Iran on Gaza ceasefire talks"] == SentenceKind.TITLE
    assert by_text["Iran, Qatar discuss latest developments in Gaza war"] == SentenceKind.TITLE
    assert by_text["Humanitarian disaster in Gaza direct result of Western actions"] == SentenceKind.HEADING
    assert by_text["Regional spillover"] == SentenceKind.HEADING


@pytest.mark.parametrize("run", ["(", "]", "$", '"', "'", "US$", "'s", "(a"])
def test_a_long_run_of_symbols_keeps_exact_offsets(run: str) -> None:
    # spaCy's tokenizer is quadratic on such runs; segment() must not hand them to it whole.
    body = "The army said 12 people died. " + run * 5_000 + " Officials confirmed it.\n\nA second paragraph."

    segments = segment(body)

    assert segments
    assert all(body[s.start : s.end] == s.text for s in segments)
    assert segments[-1].text == "A second paragraph."


def test_a_paragraph_over_spacys_max_length_is_segmented_in_chunks() -> None:
    sentence = "The ministry said 42 people were killed near Khan Younis on Monday. "
    body = (sentence * (1_100_000 // len(sentence) + 1)).strip()

    segments = segment(body)

    assert len(body) > 1_000_000
    assert len(segments) == body.count(". ") + 1
    assert all(body[s.start : s.end] == s.text == sentence.strip() for s in segments)


def test_words_without_a_stop_across_chunks_stay_one_sentence() -> None:
    body = "word " * 30_000 + "end."

    (only,) = segment(body)

    assert (only.start, only.end) == (0, len(body))
