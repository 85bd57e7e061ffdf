"""Quantities with qualifiers and what they count; dates resolved against publication time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claims.extraction.figures import dates, quantities

PUBLISHED = datetime(2024, 8, 17, 9, 0, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("text", "value", "qualifier", "event"),
    [
        ("At least 8,005 Palestinians have been killed by Israel", 8005, "at least", "killed"),
        ("the war has resulted in the massacre of over 40,000 people", 40000, "over", "killed"),
        ("the offensive has killed nearly 40,000 Palestinians", 40000, "nearly", "killed"),
        ("the death toll has surpassed 8,000", 8000, "over", "killed"),
        ("with more than 85,523 others injured", 85523, "more than", "injured"),
        ("Approximately 576,000 people are one step away from famine", 576000, "about", ""),
    ],
)
def test_a_figure_keeps_its_qualifier_and_what_it_counts(text: str, value: float, qualifier: str, event: str) -> None:
    (quantity,) = quantities(text)

    assert (quantity.value, quantity.qualifier, quantity.event) == (value, qualifier, event)


def test_two_figures_in_one_claim_each_count_their_own_event() -> None:
    found = quantities("At least 37,945 Palestinians have been killed, with more than 85,523 others injured")

    assert [(q.value, q.event) for q in found] == [(37945, "killed"), (85523, "injured")]


def test_day_numbers_in_dates_and_years_are_not_quantities() -> None:
    assert quantities("since the war began on October 7 in 2023") == []


def test_a_weekday_resolves_to_the_latest_such_day_before_publication() -> None:
    (thursday,) = dates("Ceasefire talks took place on Thursday", PUBLISHED)

    assert thursday.date == "2024-08-15"


def test_a_month_and_day_after_publication_means_the_previous_year() -> None:
    (october,) = dates("killed since October 7", PUBLISHED)

    assert october.date == "2023-10-07"


def test_dates_stay_unresolved_without_a_publication_time() -> None:
    assert [d.date for d in dates("on Sunday night", None)] == [None]


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("He said yesterday that five people died.", datetime(1, 1, 1, tzinfo=UTC)),
        ("The talks resume on March 3.", datetime(9999, 12, 31, tzinfo=UTC)),
        ("The talks began on December 30.", datetime(1, 1, 2, tzinfo=UTC)),
    ],
)
def test_dates_at_the_ends_of_the_calendar_stay_unresolved_instead_of_crashing(text: str, published: datetime) -> None:
    found = dates(text, published)

    assert found
    assert all(d.date is None for d in found)


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("Israeli strikes have killed 40,005 people", "killed"),
        ("12 people were reported dead after the strike", "killed"),
        ("The death toll climbed to 40,005", "killed"),
        ("Deaths in the enclave rose to 40,005", "killed"),
        ("Another 70,457 individuals have been wounded", "injured"),
        ("92,401 people have been injured", "injured"),
        ("24 people were hurt in the blast", "injured"),
    ],
)
def test_every_wording_of_a_count_reads_as_one_key(text: str, event: str) -> None:
    (quantity,) = quantities(text)

    assert quantity.event == event


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Thirty-two U.S. soldiers have been killed in Iraq", 32),
        ("thirty two people were killed", 32),
        ("Twenty-one people died in the blast", 21),
        ("Seventeen people were wounded", 17),
    ],
)
def test_a_number_in_words_is_read_whole(text: str, value: float) -> None:
    (quantity,) = quantities(text)

    assert quantity.value == value


def test_a_number_word_inside_another_word_is_no_figure() -> None:
    # "Written" and "often" hold "ten": read as figures they made "10 killed" conflict with "5 killed".
    assert [q.value for q in quantities("Written reports said 5 people died")] == [5]
    assert quantities("often people were killed") == []
