"""The provenance timeline of a claim: its reports laid out by outlet and publication time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from claims.selectors.corroboration import Corroboration, Report

TIMELINE_WIDTH = 640


TIMELINE_LABEL_WIDTH = 150  # outlet names left of the plot


TIMELINE_LANE = 26


TIMELINE_TOP = 12


TIMELINE_AXIS = 30  # room under the lanes for the time axis


@dataclass(frozen=True, slots=True)
class TimelineDot:
    x: float
    y: float
    report: Report
    first: bool  # where the claim appeared first
    copy: bool  # repeats an earlier article's text or source


@dataclass(frozen=True, slots=True)
class TimelineLane:
    y: float
    outlet: str


@dataclass(frozen=True, slots=True)
class TimelineTick:
    x: float
    at: datetime
    anchor: str  # SVG text-anchor
    day_only: bool = False  # a day read from the text has no time of day to show


@dataclass(frozen=True, slots=True)
class Timeline:
    """Where and when a claim was reported: one lane per outlet, one dot per report (drawn server-side as SVG)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    lanes: list[TimelineLane]
    dots: list[TimelineDot]
    ticks: list[TimelineTick]
    undated: list[Report]

    @property
    def has_inferred(self) -> bool:
        """Whether the legend must explain the mark of a date read from the text."""
        return any(d.report.date_inferred is not None for d in self.dots)


def claim_timeline(corroboration: Corroboration) -> Timeline | None:
    """Lay out the dated reports of a claim in time; None when no report has a date (no query)."""
    dated = [r for r in corroboration.reports if r.published_at is not None]
    if not dated:
        return None
    outlets = list(dict.fromkeys(r.outlet or "Outlet not given" for r in dated))
    lane_y = {name: TIMELINE_TOP + TIMELINE_LANE * (n + 0.5) for n, name in enumerate(outlets)}
    left, right = TIMELINE_LABEL_WIDTH + 10, TIMELINE_WIDTH - 40
    times = [r.published_at for r in dated if r.published_at is not None]
    start, end = min(times), max(times)
    span = (end - start).total_seconds()

    def x_of(at: datetime) -> float:
        # A single instant sits mid-plot rather than on an edge.
        return (left + right) / 2 if span == 0 else left + (right - left) * (at - start).total_seconds() / span

    first = corroboration.first_appearance
    dots = [
        TimelineDot(
            round(x_of(r.published_at), 1),
            lane_y[r.outlet or "Outlet not given"],
            r,
            first is not None and r.evidence_id == first.evidence_id,
            r.copy_of_article_id is not None,
        )
        for r in dated
        if r.published_at is not None
    ]
    axis_y = TIMELINE_TOP + TIMELINE_LANE * len(outlets) + 6
    inferred_days = {r.published_at for r in dated if r.date_inferred is not None}
    ticks = [TimelineTick(round(x_of(start), 1), start, "middle" if span == 0 else "start", start in inferred_days)]
    if span:
        ticks.append(TimelineTick(round(x_of(end), 1), end, "end", end in inferred_days))
    return Timeline(
        width=TIMELINE_WIDTH,
        height=int(axis_y + TIMELINE_AXIS),
        plot_left=left,
        plot_right=right,
        axis_y=axis_y,
        lanes=[TimelineLane(y, name) for name, y in lane_y.items()],
        dots=dots,
        ticks=ticks,
        undated=[r for r in corroboration.reports if r.published_at is None],
    )
