"""Metadata read from an article's own text: each value with the span that gives it, nothing guessed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sources.text.cleaning import clean_text
from sources.text.inference import DateKind, InferredMetadata, infer_metadata

SEEDS = Path(__file__).resolve().parents[2] / "samples" / "seed"


def _seed(name: str) -> str:
    return clean_text(next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8"))


def _spans_are_exact(body: str, meta: InferredMetadata) -> None:
    spans = list(meta.days_without_year)
    spans += [n.evidence for n in (meta.outlet, meta.place, *meta.credits) if n is not None]
    if meta.published is not None:
        spans.append(meta.published.evidence)
    for span in spans:
        assert body[span.start : span.end] == span.text


def test_sample_000_gives_its_tehran_dateline_but_no_outlet_and_no_date() -> None:
    body = _seed("000")

    meta = infer_metadata(body)

    assert meta.place is not None
    assert meta.place.value == "TEHRAN"
    assert body[meta.place.evidence.start :].startswith("TEHRAN – Qatar's Foreign Minister")
    # "in October", "on Thursday and Friday": no year and no anchor, so no date is made up.
    assert meta.outlet is None
    assert meta.published is None
    assert meta.credits == []
    _spans_are_exact(body, meta)


def test_sample_001_credits_mehr_news_agency_as_a_source_not_as_its_publisher() -> None:
    body = _seed("001")

    meta = infer_metadata(body)

    assert meta.outlet is None
    assert [c.value for c in meta.credits] == ["Mehr News Agency"]
    assert "as reported by Mehr News Agency" in body[meta.credits[0].evidence.start - 15 : meta.credits[0].evidence.end]
    assert meta.published is None
    assert [s.text for s in meta.days_without_year] == ["May 31", "October 7"]
    _spans_are_exact(body, meta)


def test_sample_002_gives_a_dateline_and_a_day_without_its_year() -> None:
    body = _seed("002")

    meta = infer_metadata(body)

    assert meta.place is not None
    assert meta.place.value == "TEHRAN"
    assert meta.outlet is None
    assert meta.published is None
    assert [s.text for s in meta.days_without_year] == ["October 7"]
    _spans_are_exact(body, meta)


def test_sample_003_names_may_6_without_a_year_so_no_date_is_inferred() -> None:
    body = _seed("003")

    meta = infer_metadata(body)

    assert meta.place is None
    assert meta.outlet is None
    assert meta.published is None
    assert [s.text for s in meta.days_without_year] == ["May 6"]
    _spans_are_exact(body, meta)


def test_sample_004_credits_irna_twice_and_is_not_published_by_it() -> None:
    body = _seed("004")

    meta = infer_metadata(body)

    assert meta.outlet is None
    assert [c.value for c in meta.credits] == ["Islamic Republic News Agency", "IRNA"]
    assert meta.published is None
    assert [s.text for s in meta.days_without_year] == ["October 7", "October 7", "October 7"]
    _spans_are_exact(body, meta)


@pytest.mark.parametrize(
    ("head", "outlet", "place"),
    [
        ("WASHINGTON (Reuters) - The Senate voted on Tuesday.", "Reuters", "WASHINGTON"),
        ("(Reuters) - The Senate voted on Tuesday.", "Reuters", None),
        ("Tehran, IRNA -- Iran's foreign minister said on Monday.", "IRNA", "Tehran"),
        ("TEHRAN – Iran's foreign minister said on Monday.", None, "TEHRAN"),
        ("PARIS, France — Ministers met on Monday.", None, "PARIS"),
    ],
)
def test_a_dateline_credits_the_publishing_agency_only_when_it_names_one(
    head: str, outlet: str | None, place: str | None
) -> None:
    meta = infer_metadata(f"Senate vote\n{head}")

    assert (meta.outlet.value if meta.outlet else None) == outlet
    assert (meta.place.value if meta.place else None) == place


def test_a_sentence_opening_with_a_name_and_a_dash_is_not_a_dateline() -> None:
    meta = infer_metadata("Talks\nHamas – the group that runs Gaza – refused to attend.")

    assert meta.place is None
    assert meta.outlet is None


def test_a_sign_off_line_names_the_publishing_agency() -> None:
    body = "Talks resume\nMinisters met in Doha on Monday, IRNA said.\n— IRNA"

    meta = infer_metadata(body)

    assert meta.outlet is not None
    assert meta.outlet.value == "IRNA"
    assert meta.outlet.evidence.start == body.rindex("IRNA")
    assert [c.value for c in meta.credits] == ["IRNA"]  # the "IRNA said" in the story, a credit too


def test_a_printed_date_line_is_the_publication_day_and_the_earlier_of_published_and_updated() -> None:
    body = "Lohan in rehab\nUPDATED May 3, 2013 at 11:00 AM EDT\nOriginally published May 2, 2013\nShe checked in."

    meta = infer_metadata(body)

    assert meta.published is not None
    assert (meta.published.kind, meta.published.on) == (DateKind.PRINTED, date(2013, 5, 2))
    assert meta.published.evidence.text == "May 2, 2013"


def test_a_dateline_date_is_printed() -> None:
    meta = infer_metadata("GAZA CITY, 14 June 2013 (AP) — Ministers met.")

    assert meta.published is not None
    assert meta.published.kind == DateKind.PRINTED
    assert meta.published.on == date(2013, 6, 14)
    assert meta.outlet is not None
    assert meta.outlet.value == "AP"


def test_dates_named_in_the_story_only_bound_the_publication_from_below() -> None:
    body = "Fire\nThe warehouse, built in March 1961, burned on June 8, 2012 and was closed in September 2010."

    meta = infer_metadata(body)

    assert meta.published is not None
    assert (meta.published.kind, meta.published.on, meta.published.evidence.text) == (
        DateKind.NOT_BEFORE,
        date(2012, 6, 8),
        "June 8, 2012",
    )


def test_a_day_in_a_sentence_about_the_future_does_not_bound_the_publication() -> None:
    meta = infer_metadata("Vote\nThe bill passed on 3 May 2013. The court will rule on June 30, 2013.")

    assert meta.published is not None
    assert meta.published.on == date(2013, 5, 3)


@pytest.mark.parametrize("line", ["05 / 02 / 2013", "5/2/2013"])
def test_a_numeric_date_that_reads_both_ways_is_not_read(line: str) -> None:
    assert infer_metadata(f"Headline\n{line}\nText.").published is None


def test_an_unambiguous_numeric_date_line_is_read() -> None:
    meta = infer_metadata("Headline\nPosted 12 / 25 / 2013 1:30 PM\nText.")

    assert meta.published is not None
    assert meta.published.on == date(2013, 12, 25)


def test_a_long_sentence_with_a_date_is_not_a_date_line() -> None:
    meta = infer_metadata("Headline\nLohan checked into the Betty Ford Center on May 2, 2013 after skipping rehab.")

    assert meta.published is not None
    assert meta.published.kind == DateKind.NOT_BEFORE


def test_the_stored_form_reads_back_to_the_same_values() -> None:
    meta = infer_metadata("Talks\nPublished May 2, 2013\n" + _seed("004"))

    assert meta.published is not None
    assert meta.credits
    assert InferredMetadata.from_json(meta.as_json()) == meta


def test_an_unreadable_stored_form_reads_as_nothing_inferred() -> None:
    assert (
        InferredMetadata.from_json({"published": {"kind": "guess", "on": "x"}, "credits": [{}]}) == InferredMetadata()
    )
