"""Quantities and dates stated in a claim, resolved against the article's publication time.

Plain text processing (no Django). Quantities carry their qualifier ("at least",
"over", "nearly") and what they count, so that "at least 8,005 Palestinians
killed" and "over 40,000 people killed" can be compared as figures of one toll."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

_QUALIFIERS = {
    "at least": "at least", "more than": "more than", "over": "over", "nearly": "nearly", "almost": "nearly",
    "about": "about", "around": "about", "approximately": "about", "roughly": "about", "some": "about",
    "up to": "up to", "fewer than": "under", "less than": "under", "under": "under", "beyond": "over",
    "surpassed": "over", "exceeded": "over", "exceeding": "over", "topped": "over",
}  # fmt: skip


_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "hundred": 100, "dozens": 24, "hundreds": 200, "thousands": 2000,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
# Whole words only ("often" holds no ten, "written" none), tens with their units as one figure:
# "Thirty-two soldiers" is 32, not 2; "thirty two" is 32, not 30.
_NUMBER_WORDS = (
    rf"\b(?:(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(_UNITS)}))?"
    rf"|{'|'.join(sorted(_WORD_NUMBERS, key=len, reverse=True))})\b"
)


_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), start=1
    )
}


_WEEKDAYS = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}


# What a toll counts, whatever the wording: "death toll", "massacre of", "killed" are one measure.
_EVENTS = (
    ("killed", r"\b(killed|killing|dead|death|deaths|died|massacre|massacred|death toll|lives)\b"),
    ("injured", r"\b(injured|wounded|injuries|hurt)\b"),
    ("missing", r"\bmissing\b"),
    ("displaced", r"\b(displaced|displacement|refuge|fled)\b"),
    ("held", r"\b(held|captive|captives|hostages|detained|jails|prisoners|imprisoned)\b"),
)


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


_QUANTITY = re.compile(
    rf"(?:(?P<qual>{'|'.join(sorted(map(re.escape, _QUALIFIERS), key=len, reverse=True))})\s+)?"
    rf"(?P<num>{_NUMBER}|{_NUMBER_WORDS})"
    rf"(?:\s*(?P<scale>{'|'.join(_SCALES)}))?"
    r"(?:\s*(?P<pct>percent|per cent|%))?"
    r"(?P<unit>(?:\s+(?!(?:have|has|had|are|is|was|were|been|in|on|at|since|by|from|to|and|of|the|who|which|that)\b)"
    r"[A-Za-z][\w’'-]*){0,2})",
    re.IGNORECASE,
)


_MONTH_DAY = re.compile(
    rf"\b(?P<month>{'|'.join(m.title() for m in _MONTHS)})\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?\b"
)


_WEEKDAY = re.compile(rf"\b(?P<weekday>{'|'.join(d.title() for d in _WEEKDAYS)})\b")


_YEAR = re.compile(r"\b(?:in|since|of)\s+(?P<year>19\d\d|20\d\d)\b")


_RELATIVE = re.compile(r"\b(?P<rel>yesterday|today|last week|last month|last year|this week)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quantity:
    text: str
    value: float
    qualifier: str  # exact | at least | more than | over | nearly | about | up to | under
    unit: str
    event: str  # killed | injured | missing | displaced | held | "" when the claim says no more
    percent: bool
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DateMention:
    text: str
    kind: str  # weekday | calendar | year | relative
    date: str | None  # ISO date when the publication time pins it down
    start: int
    end: int


def _value(num: str, scale: str | None) -> float | None:
    lowered = num.lower()
    if lowered[:1].isalpha():
        words = re.split(r"[-\s]+", lowered)
        value = float(sum(_WORD_NUMBERS.get(w) or _TENS.get(w) or _UNITS[w] for w in words))
    else:
        value = float(num.replace(",", ""))
    return value * _SCALES[scale.lower()] if scale else value


def _inside_date(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 12) : start], text[end : end + 12]
    if re.search(rf"({'|'.join(m.title() for m in _MONTHS)})\s+$", before):
        return True
    if re.match(rf"\s+({'|'.join(m.title() for m in _MONTHS)})\b", after):
        return True
    return bool(re.fullmatch(r"(19|20)\d\d", text[start:end]))


def quantities(text: str) -> list[Quantity]:
    """Figures in ``text`` (claim wording) with their qualifier, unit and the event they count."""
    found = []
    for m in _QUANTITY.finditer(text):
        num_start, num_end = m.span("num")
        if _inside_date(text, num_start, num_end) or (m.group("num").isalpha() and not m.group("unit")):
            continue
        value = _value(m.group("num"), m.group("scale"))
        if value is None:
            continue
        qual = _QUALIFIERS.get((m.group("qual") or "").lower(), "exact")
        unit = " ".join(m.group("unit").split())
        found.append(
            Quantity(
                text=m.group(0).strip(),
                value=value,
                qualifier=qual,
                unit=unit,
                # "…37,945 killed, with more than 85,523 others injured": the nearest event word wins.
                event=_event(text[m.start() : m.end() + 30]) or _event(text),
                percent=bool(m.group("pct")),
                start=m.start(),
                end=m.end(),
            )
        )
    return found


def _event(text: str) -> str:
    lowered = text.lower()
    hits = [(m.start(), name) for name, pattern in _EVENTS if (m := re.search(pattern, lowered))]
    return min(hits)[1] if hits else ""


def _weekday_before(published: date, weekday: int) -> date:
    # News reports the past: "on Thursday" is the latest Thursday on or before publication.
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def _calendar(published: date | None, month: int, day: int, year: int | None) -> date | None:
    if year is None and published is None:
        return None
    try:
        resolved = date(year or published.year, month, day)  # type: ignore[union-attr]
    except ValueError:
        return None
    if year is None and published is not None and resolved > published + timedelta(days=7):
        resolved = resolved.replace(year=resolved.year - 1)
    return resolved


def _relative(published: date | None, phrase: str) -> date | None:
    if published is None:
        return None
    offsets = {"yesterday": 1, "today": 0, "last week": 7, "this week": 0, "last month": 30, "last year": 365}
    return published - timedelta(days=offsets[phrase.lower()])


def dates(text: str, published_at: datetime | None) -> list[DateMention]:
    """Dates and weekdays in ``text``, resolved to calendar dates when the publication time is known."""
    # At the ends of the calendar, "yesterday" or "a year back" has no date: resolve nothing there.
    published = published_at.date() if published_at and 1 < published_at.year < 9999 else None
    found = []
    for m in _MONTH_DAY.finditer(text):
        year = int(m.group("year")) if m.group("year") else None
        resolved = _calendar(published, _MONTHS[m.group("month").lower()], int(m.group("day")), year)
        found.append(DateMention(m.group(0), "calendar", resolved.isoformat() if resolved else None, *m.span()))
    for m in _WEEKDAY.finditer(text):
        resolved = _weekday_before(published, _WEEKDAYS[m.group(1).lower()]) if published else None
        found.append(DateMention(m.group(0), "weekday", resolved.isoformat() if resolved else None, *m.span()))
    for m in _YEAR.finditer(text):
        found.append(DateMention(m.group("year"), "year", None, *m.span("year")))
    for m in _RELATIVE.finditer(text):
        resolved = _relative(published, m.group("rel"))
        found.append(DateMention(m.group(0), "relative", resolved.isoformat() if resolved else None, *m.span()))
    return sorted(found, key=lambda d: d.start)


def as_dicts(items: list[Quantity] | list[DateMention]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]


# A date after one of these words starts the count ("killed since the war began on October 7"); it is not
# the count's date. Any such word earlier in the sentence rules the dates after it out.
_STARTS = re.compile(r"\b(?:since|from|after|between|starting)\b", re.IGNORECASE)
CUMULATIVE_EVENTS = frozenset({"killed", "injured", "missing", "displaced"})


def _names_a_day(mention: dict[str, Any]) -> bool:
    # "last year" or "last month" resolve to a day only by convention; they do not date a figure.
    kind, words = mention.get("kind"), str(mention.get("text", "")).lower()
    return kind in ("calendar", "weekday") or (kind == "relative" and words in ("today", "yesterday"))


def as_of(text: str, mentions: list[dict[str, Any]], published_at: datetime | None) -> date | None:
    """The date a claim's figures describe: a resolved date it names (not one that starts the count),
    else its publication date, else unknown."""
    for mention in mentions:
        resolved = mention.get("date")
        if not resolved or not _names_a_day(mention):
            continue
        if _STARTS.search(text[: int(mention.get("start", 0))]):
            continue
        return date.fromisoformat(str(resolved))
    return published_at.date() if published_at is not None and 1 < published_at.year < 9999 else None


@dataclass(frozen=True, slots=True)
class Credit:
    source: str
    role: str  # the title the sentence gives the source, "" when none


def credited(attribution: list[Any]) -> Credit | None:
    """Who a claim's figures are credited to: its innermost credit ("according to the health ministry",
    a speaker, a pronoun resolved to the name it stands for); None when the outlet states them itself."""
    for credit in attribution:
        if not isinstance(credit, dict):
            continue
        source = str(credit.get("resolved") or credit.get("source") or "").strip()
        if source:
            return Credit(source, str(credit.get("role") or ""))
    return None
