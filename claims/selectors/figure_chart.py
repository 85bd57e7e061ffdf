"""Figures of one count against the date they describe, by outlet: the chart on the claim and group screens.

A death toll reported by five outlets over ten months is a rising line, not five rival numbers:
drawn at the date each figure describes (a date the sentence names, else its publication), with
the range its qualifier allows ("at least 37,945" reaches up to 47,431), a reviewer sees at a
glance which figures are updates and which disagree on the same day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from claims.extraction import figures
from claims.matching.scoring import figure_group, figure_interval
from claims.models import Claim, Evidence, EvidenceDecisionChoice

CHART_WIDTH = 640
CHART_HEIGHT = 220
CHART_LEFT = 76  # room for the value labels
CHART_RIGHT = 24
CHART_TOP = 14
CHART_BOTTOM = 34  # room for the date labels
OUTLET_COLOURS = 6  # .chart__point--0 … --5 in the stylesheet, reused in turn


@dataclass(frozen=True, slots=True)
class FigureSource:
    claim_id: int
    text: str
    quantities: list[dict[str, Any]]
    dates: list[dict[str, Any]]
    published_at: datetime | None
    outlet: str
    own: bool  # the claim the page is about


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    y_low: float
    y_high: float
    outlet: str
    colour: int
    label: str  # the figure as the sentence states it
    as_of: date
    claim_id: int
    own: bool


@dataclass(frozen=True, slots=True)
class ChartTick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class FigureChart:
    event: str
    part: str  # "" for a whole population, else the part counted ("children")
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    x_ticks: list[ChartTick]
    y_ticks: list[ChartTick]
    outlets: list[tuple[str, int]]
    undated: int  # figures of this count whose date is unknown, left out


def claim_figure_sources(*, claim: Claim) -> list[FigureSource]:
    """The claim and every live claim its evidence links come through (rejected and withdrawn links aside).

    A claim that counts nothing gets no chart, so it pays no query.
    """
    if not any(isinstance(q, dict) and q.get("event") for q in claim.quantities):
        return [_source(claim, own=True)]
    via = Evidence.objects.filter(claim=claim, via_claim__isnull=False, withdrawn_at__isnull=True).exclude(
        decision=EvidenceDecisionChoice.REJECTED
    )
    others = (
        Claim.objects.filter(pk__in=via.values("via_claim_id"), deleted_at__isnull=True)
        .exclude(pk=claim.pk)
        .select_related("article__outlet")
        .order_by("pk")
    )
    return [_source(claim, own=True), *(_source(c, own=False) for c in others)]


def group_figure_sources(*, claims: Sequence[Claim]) -> list[FigureSource]:
    """Sources for a group's members (loaded with their articles and outlets by the caller)."""
    return [_source(c, own=False) for c in claims]


def _source(claim: Claim, *, own: bool) -> FigureSource:
    outlet = claim.article.attribution.name
    return FigureSource(
        claim_id=claim.pk,
        text=claim.text,
        quantities=[q for q in claim.quantities if isinstance(q, dict)],
        dates=[d for d in claim.dates if isinstance(d, dict)],
        published_at=claim.article.published_at,
        outlet=outlet or "Unknown outlet",
        own=own,
    )


def figure_charts(sources: Sequence[FigureSource], *, events_of_own: bool = True) -> list[FigureChart]:
    """One chart per count (event and population part) with at least two dated figures.

    With ``events_of_own``, only counts the page's own claim states are charted (the claim page);
    otherwise every count (the group page).
    """
    own_keys = {(str(q["event"]), figure_group(q)) for s in sources if s.own for q in s.quantities if q.get("event")}
    collected: dict[tuple[str, str], list[tuple[FigureSource, dict[str, Any], date | None]]] = {}
    for source in sources:
        as_of = figures.as_of(source.text, source.dates, source.published_at)
        for q in source.quantities:
            if not q.get("event") or q.get("value") is None or q.get("percent"):
                continue
            key = (str(q["event"]), figure_group(q))
            if events_of_own and key not in own_keys:
                continue
            collected.setdefault(key, []).append((source, q, as_of))
    charts = []
    for (event, part), rows in sorted(collected.items()):
        dated = [(s, q, d) for s, q, d in rows if d is not None]
        if len(dated) >= 2 and len({(float(q["value"]), d) for _, q, d in dated}) >= 2:
            charts.append(_chart(event, part, dated, undated=len(rows) - len(dated)))
    return charts


def _chart(event: str, part: str, rows: list[tuple[FigureSource, dict[str, Any], date]], undated: int) -> FigureChart:
    left, right = CHART_LEFT, CHART_WIDTH - CHART_RIGHT
    top, bottom = CHART_TOP, CHART_HEIGHT - CHART_BOTTOM
    days = [d for _, _, d in rows]
    first, last = min(days), max(days)
    span = (last - first).days
    highs = [figure_interval(q)[1] for _, q, _ in rows]
    ceiling = _nice_ceiling(max(highs))
    outlets = list(dict.fromkeys(s.outlet for s, _, _ in rows))
    colour = {name: n % OUTLET_COLOURS for n, name in enumerate(outlets)}

    def x_of(day: date) -> float:
        return round((left + right) / 2 if span == 0 else left + (right - left) * (day - first).days / span, 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * value / ceiling, 1)

    points = []
    for source, q, day in sorted(rows, key=lambda r: (r[2], float(r[1]["value"]))):
        low, high = figure_interval(q)
        points.append(
            ChartPoint(x_of(day), y_of(float(q["value"])), y_of(low), y_of(high), source.outlet,
                       colour[source.outlet], str(q.get("text") or q["value"]), day, source.claim_id, source.own)
        )  # fmt: skip
    x_ticks = [ChartTick(x_of(first), first.strftime("%-d %b %Y"))]
    if span:
        x_ticks.append(ChartTick(x_of(last), last.strftime("%-d %b %Y")))
    y_ticks = [ChartTick(y_of(v), f"{v:,.0f}") for v in (0.0, ceiling / 2, ceiling)]
    return FigureChart(event, part, CHART_WIDTH, CHART_HEIGHT, left, right, top, bottom, points, x_ticks, y_ticks,
                       [(name, colour[name]) for name in outlets], undated)  # fmt: skip


def _nice_ceiling(value: float) -> float:
    """The axis top: the value rounded up to 1, 2 or 5 times a power of ten ("47,431" becomes 50,000)."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)
