"""Claim-worthiness: which sentences become claims, with a score and a reason a reviewer can read."""

from __future__ import annotations

import pytest

from claims.extraction.worthiness import MIN_WORDS, assess, claim_key, normalise_claim_text

EXTRACTOR = "sentence-v1"

FACTUAL = (
    "At least 8,005 Palestinians, including 3,195 children, have been killed by Israel since the regime "
    "declared war on October 7."
)


@pytest.mark.parametrize(
    ("text", "kind", "reason"),
    [
        ("Qatar informs Iran on Gaza ceasefire talks", "title", "headline"),
        ("Humanitarian disaster in Gaza direct result of Western actions", "heading", "headline of a section"),
        ("This news has been collected from reliable news agencies in the country.", "boilerplate", "boilerplate"),
        ("Will the ceasefire talks in Doha succeed before the deadline?", "body", "question"),
        ("“Why target the airlines and not the banks?”", "body", "question"),
        ("Talks resumed on Friday.", "body", f"fewer than {MIN_WORDS} words"),
        ("Regional spillover.", "body", f"fewer than {MIN_WORDS} words"),
    ],
)
def test_sentences_that_state_nothing_checkable_are_not_worthy_and_say_why(text: str, kind: str, reason: str) -> None:
    worth = assess(text, kind)

    assert not worth.worthy
    assert reason in worth.reason
    assert worth.score < 0.5


def test_a_headline_with_a_figure_is_still_not_a_claim() -> None:
    assert not assess("Gaza death toll passes 40,000, ministry says", "title").worthy


def test_a_factual_sentence_with_a_figure_is_worthy_with_score_and_reason() -> None:
    worth = assess(FACTUAL, "body")

    assert worth.worthy
    assert worth.score == 0.8
    assert worth.reason == "states a figure or date, a named entity"


def test_an_attributed_quote_is_worthy_but_a_question_inside_it_is_not_the_end() -> None:
    worth = assess("“Why target the airlines?” said Ulrich Schulte-Strathaus, the association's secretary.", "body")

    assert worth.worthy
    assert "an attribution" in worth.reason


def test_more_signals_score_higher() -> None:
    plain = assess("the situation was very bad for everyone there", "body")
    attributed = assess("Hamas said the situation was very bad for everyone there", "body")
    all_three = assess("Hamas said 40,000 people were killed in the war there", "body")

    assert (plain.worthy, plain.reason) == (True, "declarative sentence")
    assert plain.score < attributed.score < all_three.score <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "“We will keep trying to end this war,” he said on the phone.",
        "We will keep trying to end this war, he said.",
        "It was the worst day. Nobody expected it to happen here.",
    ],
)
def test_capitals_made_by_grammar_are_not_named_entities(text: str) -> None:
    assert "a named entity" not in assess(text, "body").reason


def test_a_name_after_an_opening_quote_mid_sentence_is_a_named_entity() -> None:
    assert "a named entity" in assess("He told reporters that “Qatar will keep mediating” this week.", "body").reason


def test_claim_wording_is_normalised_to_single_spaces() -> None:
    assert normalise_claim_text(" a \n b ") == "a b"


def test_claim_key_is_stable_for_the_same_sentence_span_and_wording() -> None:
    # Pinned: re-running extraction upserts on this key, so a drift would duplicate every claim.
    assert claim_key(42, 10, 20, "Talks resumed in Doha.", EXTRACTOR) == (
        "00bba2dbfba3240f5dc52a36afb46d9bb98161b6f6bd0de4f932dffabbe9aa73"
    )


@pytest.mark.parametrize(
    "changed",
    [
        (43, 10, 20, "Talks resumed in Doha.", EXTRACTOR),
        (42, 11, 20, "Talks resumed in Doha.", EXTRACTOR),
        (42, 10, 21, "Talks resumed in Doha.", EXTRACTOR),
        (42, 10, 20, "Talks resumed in Cairo.", EXTRACTOR),
        (42, 10, 20, "Talks resumed in Doha.", "clauses-v2"),
    ],
)
def test_claim_key_changes_with_any_part(changed: tuple[int, int, int, str, str]) -> None:
    assert claim_key(*changed) != claim_key(42, 10, 20, "Talks resumed in Doha.", EXTRACTOR)
