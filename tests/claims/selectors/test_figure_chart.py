"""The figures chart: each count's figures at the date they describe, by outlet, with the range their wording allows."""

from __future__ import annotations

from datetime import UTC, datetime

from claims.extraction import figures
from claims.selectors.figure_chart import FigureSource, figure_charts


def source(claim_id: int, text: str, outlet: str, published: datetime | None, own: bool = False) -> FigureSource:
    return FigureSource(
        claim_id=claim_id,
        text=text,
        quantities=figures.as_dicts(figures.quantities(text)),
        dates=figures.as_dicts(figures.dates(text, published)),
        published_at=published,
        outlet=outlet,
        own=own,
    )


OCTOBER = datetime(2023, 10, 24, 9, tzinfo=UTC)
AUGUST = datetime(2024, 8, 17, 9, tzinfo=UTC)


def test_a_toll_reported_months_apart_is_charted_by_date_and_outlet():
    early = source(1, "At least 8,005 Palestinians have been killed in Gaza.", "Tehran Times", OCTOBER, own=True)
    late = source(2, "More than 40,000 Palestinians have been killed in Gaza.", "Al Jazeera", AUGUST)

    (chart,) = figure_charts([early, late])

    assert (chart.event, chart.part) == ("killed", "")
    first, second = chart.points
    assert (first.outlet, first.as_of.isoformat(), first.own) == ("Tehran Times", "2023-10-24", True)
    assert (second.outlet, second.as_of.isoformat()) == ("Al Jazeera", "2024-08-17")
    assert first.x < second.x
    assert second.y < first.y  # higher on the chart: SVG y grows downwards
    assert second.y_high < second.y == second.y_low  # "more than" reaches above the stated value
    assert [t.label for t in chart.y_ticks] == ["0", "25,000", "50,000"]
    assert chart.outlets == [("Tehran Times", 0), ("Al Jazeera", 1)]


def test_part_of_a_population_and_shares_are_not_charted_with_the_whole_toll():
    whole = source(1, "At least 8,005 people have been killed in Gaza.", "A", OCTOBER, own=True)
    children = source(2, "At least 3,195 children have been killed in Gaza.", "B", OCTOBER)
    more_children = source(3, "More than 16,000 children have been killed in Gaza.", "C", AUGUST)
    share = source(4, "Some 40 percent of those killed in Gaza were children.", "D", AUGUST)

    charts = figure_charts([whole, children, more_children, share], events_of_own=False)

    assert [(c.event, c.part, [p.claim_id for p in c.points]) for c in charts] == [("killed", "children", [2, 3])]
    assert figure_charts([whole, children, more_children, share]) == []  # the claim counts the whole toll


def test_a_count_the_claim_does_not_state_is_left_off_its_page_but_not_off_the_group_page():
    claim = source(1, "At least 8,005 people have been killed in Gaza.", "A", OCTOBER, own=True)
    injured = [source(n, f"More than {n},000 people have been injured in Gaza.", "B", AUGUST) for n in (20, 30)]

    assert [c.event for c in figure_charts([claim, *injured])] == []
    assert [c.event for c in figure_charts([claim, *injured], events_of_own=False)] == ["injured"]


def test_figures_without_any_date_are_counted_as_left_out():
    dated = [
        source(1, "At least 8,005 people have been killed in Gaza.", "A", OCTOBER, own=True),
        source(2, "Over 9,000 people have been killed in Gaza.", "B", AUGUST),
    ]
    undated = source(3, "Over 10,000 people have been killed in Gaza.", "C", None)

    (chart,) = figure_charts([*dated, undated])

    assert chart.undated == 1
    assert len(chart.points) == 2


def test_one_figure_or_one_figure_told_twice_on_a_day_makes_no_chart():
    one = source(1, "At least 8,005 people have been killed in Gaza.", "A", OCTOBER, own=True)
    again = source(2, "At least 8,005 people have been killed in Gaza.", "B", OCTOBER)

    assert figure_charts([one]) == []
    assert figure_charts([one, again]) == []
