"""Read the metadata an article's own text gives: its dateline, the outlet it credits itself to, dates.

Many articles arrive without an outlet or a date. Their text often still says where and when
they were written: a dateline ("TEHRAN –", "WASHINGTON, May 2, 2013 (Reuters) -"), a printed
publication line ("Published May 03, 2013"), or dates named in the story. This module reads
those and returns each value with the exact span that gives it, so the interface can say where
a value came from and a reviewer can judge it. It never guesses beyond the text:

- a publication date is *printed* (a date line or a dateline date at the head of the text) or
  only *bounded*: a report is published no earlier than the latest past day it names, so
  "not before D" is given, never D as if it were the publication day;
- a day named without a year ("on October 7", "May 31") cannot be placed and is listed as such;
  weekdays ("on Tuesday") need a known publication day and are not read here at all;
- the publishing outlet comes only from a self-credit at the head or foot of the text
  ("(Reuters) -", "Tehran, IRNA --", a final "— IRNA"). An agency the story cites ("as reported
  by Mehr News Agency", "IRNA said") is a *credit* to a source, listed apart, never the outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# "May 3, 2013", "May 3rd, 2013", "Jun 13, 2013"; "14 June 2013"; "2013-05-03". Each names a year.
_FULL_DATES = (
    re.compile(rf"\b{_MONTH}\s+{_DAY}\s*[,-]?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)\s*-\s*(?P<month>[01]\d)\s*-\s*(?P<day>[0-3]\d)\b"),
)
# A month with a year but no day ("in September 2010"): the day it bounds is the month's first.
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.IGNORECASE)
# "05 / 02 / 2013" reads as 2 May or 5 February: only read when one side cannot be a month.
_NUMERIC_DATE = re.compile(r"\b(?P<a>[0-3]?\d)\s*/\s*(?P<b>[0-3]?\d)\s*/\s*(?P<year>(?:19|20)\d\d)\b")
# A day named without a year: "on October 7", "May 31 ceasefire proposal", "7 October".
_DAY_NO_YEAR = (
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*,?\s*(?:19|20)\d\d)(?!\s*:)", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?!\s*,?\s*(?:19|20)\d\d)", re.IGNORECASE),
)
_TIME = re.compile(r"\b[0-2]?\d\s*:\s*[0-5]\d\s*(?:[ap]\s*\.?\s*m\b\.?)?", re.IGNORECASE)
_DATE_LINE_WORDS = re.compile(
    r"\b(?:published|updated|posted|first|originally|last|modified|on|at|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"[ecmp][sd]?t|et|pt|gmt|utc|bst|cet|am|pm|a\.?\s*m|p\.?\s*m)\b\.?",
    re.IGNORECASE,
)
# A date line is short: the date, a time, a few words such as "Originally published".
_DATE_LINE_MAX_CHARS = 90
_DATE_LINE_MAX_OTHER_WORDS = 3
_HEAD_LINES = 4  # a dateline or date line sits within the first lines (after a headline)
# A sentence about what is to come names a day that may lie after publication.
_FUTURE = re.compile(
    r"\b(?:will|shall|scheduled|upcoming|expected|due|next|planned|plans?|until|deadline)\b", re.IGNORECASE
)

# Wire services and state news agencies that credit themselves in datelines and sign-offs.
_KNOWN_AGENCIES = (
    r"reuters|afp|agence france-presse|ap|associated press|upi|xinhua|dpa|ansa|efe|anadolu|aa|irna|"
    r"mehr|tasnim|fars|isna|wafa|qna|spa|mena|interfax|tass|ria novosti|kyodo|yonhap|pti|bernama|ani|ips"
)
# A named agency's words are capitalised even where the known names match in any case.
_AGENCY_NAME = rf"(?:(?-i:(?:[A-Z][\w'’.-]*\s+){{1,5}}(?:News|Press)\s+Agency)|{_KNOWN_AGENCIES})"
_AGENCY = re.compile(rf"^(?:{_AGENCY_NAME})$", re.IGNORECASE)
_DASH = r"(?:--|[-–—])"
# "TEHRAN –", "WASHINGTON (Reuters) -", "Tehran, IRNA --", "GAZA CITY, May 2, 2013 (AP) —", "(Reuters) -".
_DATELINE = re.compile(
    rf"^(?:(?P<place>[A-Z][\w'’. -]{{1,30}}?)(?:\s*,\s*(?P<extra>[^()\n–—]{{2,40}}?))?\s*)?"
    rf"(?:\((?P<credit>[^()\n]{{2,40}})\)\s*)?{_DASH}\s+(?=\S)"
)
_SIGN_OFF = re.compile(rf"^(?:{_DASH}\s*(?P<dash>[^()\n]{{2,40}}?)|\((?P<paren>[^()\n]{{2,40}})\))\.?$")
# Agencies cited in the story: credits to a source, never the publishing outlet.
_CREDIT = re.compile(rf"\b(?:{_AGENCY_NAME})\b(?:\s*\((?:{_KNOWN_AGENCIES})\))?", re.IGNORECASE)


_SHORT_NAMES = {"mehr", "fars", "tass"}  # agencies whose short names are words, not acronyms


class DateKind(StrEnum):
    PRINTED = "printed"  # a publication date printed at the head of the text
    NOT_BEFORE = "not_before"  # no earlier than the latest past day the text names


@dataclass(frozen=True, slots=True)
class Span:
    """Where in the body a value was read: ``body[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class InferredName:
    value: str
    evidence: Span


@dataclass(frozen=True, slots=True)
class InferredDate:
    kind: DateKind
    on: date
    evidence: Span


@dataclass(frozen=True, slots=True)
class InferredMetadata:
    outlet: InferredName | None = None  # the outlet the text credits itself to
    place: InferredName | None = None  # the dateline's place
    published: InferredDate | None = None
    credits: list[InferredName] = field(default_factory=list)  # agencies the story cites
    days_without_year: list[Span] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def name(n: InferredName | None) -> dict[str, Any] | None:
            return None if n is None else {"value": n.value, "evidence": _span_json(n.evidence)}

        published = self.published
        return {
            "outlet": name(self.outlet),
            "place": name(self.place),
            "published": None
            if published is None
            else {
                "kind": published.kind.value,
                "on": published.on.isoformat(),
                "evidence": _span_json(published.evidence),
            },
            "credits": [name(c) for c in self.credits],
            "days_without_year": [_span_json(s) for s in self.days_without_year],
        }

    @classmethod
    def from_json(cls, data: Any) -> InferredMetadata:
        """The stored form back; anything unreadable is left out rather than guessed."""
        if not isinstance(data, dict):
            return cls()
        published = data.get("published")
        inferred_date = None
        if isinstance(published, dict):
            try:
                inferred_date = InferredDate(
                    DateKind(published["kind"]), date.fromisoformat(published["on"]), _span_from(published["evidence"])
                )
            except (KeyError, TypeError, ValueError):
                inferred_date = None
        return cls(
            outlet=_name_from(data.get("outlet")),
            place=_name_from(data.get("place")),
            published=inferred_date,
            credits=[n for n in (_name_from(c) for c in data.get("credits") or []) if n is not None],
            days_without_year=[s for s in (_maybe_span(s) for s in data.get("days_without_year") or []) if s],
        )


def _span_json(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def _span_from(data: Any) -> Span:
    return Span(int(data["start"]), int(data["end"]), str(data["text"]))


def _maybe_span(data: Any) -> Span | None:
    try:
        return _span_from(data)
    except (KeyError, TypeError, ValueError):
        return None


def _name_from(data: Any) -> InferredName | None:
    if not isinstance(data, dict):
        return None
    span = _maybe_span(data.get("evidence"))
    value = data.get("value")
    return InferredName(str(value), span) if span and value else None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(word: str) -> int:
    return int(word) if word.isdigit() else _MONTHS[word.lower()[:3]]


def _full_dates(text: str, offset: int = 0) -> list[tuple[date, Span]]:
    """Every day named with its year (or a month with its year, as its first day), in text order."""
    found: dict[int, tuple[date, Span]] = {}
    taken: list[tuple[int, int]] = []
    for pattern in _FULL_DATES:
        for m in pattern.finditer(text):
            on = _day(int(m["year"]), _month_number(m["month"]), int(m["day"]))
            if on is not None:
                found[m.start()] = (on, Span(offset + m.start(), offset + m.end(), m.group(0)))
                taken.append(m.span())
    for m in _NUMERIC_DATE.finditer(text):
        a, b = int(m["a"]), int(m["b"])
        # Only unambiguous: 25/12/2013 or 12/25/2013, never 05/02/2013.
        month, day = (b, a) if a > 12 >= b else (a, b) if b > 12 >= a else (0, 0)
        on = _day(int(m["year"]), month, day) if month else None
        if on is not None:
            found[m.start()] = (on, Span(offset + m.start(), offset + m.end(), m.group(0)))
            taken.append(m.span())
    for m in _MONTH_YEAR.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found[m.start()] = (
                date(int(m["year"]), _month_number(m["month"]), 1),
                Span(offset + m.start(), offset + m.end(), m.group(0)),
            )
    return [found[k] for k in sorted(found)]


def _lines(body: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for line in body.split("\n"):
        if line.strip():
            out.append((at, line))
        at += len(line) + 1
    return out


def _is_date_line(line: str) -> bool:
    if len(line) > _DATE_LINE_MAX_CHARS:
        return False
    rest = line
    for pattern in (*_FULL_DATES, _NUMERIC_DATE, _TIME):
        rest = pattern.sub(" ", rest)
    rest = _DATE_LINE_WORDS.sub(" ", rest)
    return len(re.findall(r"[^\W\d_]{2,}", rest)) <= _DATE_LINE_MAX_OTHER_WORDS


def _printed_date(head: list[tuple[int, str]]) -> InferredDate | None:
    """The earliest date printed on a date line at the head ("Published ...", "Updated ...")."""
    printed: list[tuple[date, Span]] = []
    for at, line in head:
        if _is_date_line(line):
            printed.extend(d for d in _full_dates(line, at) if not _MONTH_YEAR.fullmatch(d[1].text))
    if not printed:
        return None
    # An article printing "Originally published" and "Updated" lines was published on the earlier.
    on, span = min(printed, key=lambda d: d[0])
    return InferredDate(DateKind.PRINTED, on, span)


@dataclass(frozen=True, slots=True)
class _Dateline:
    span: Span
    place: InferredName | None
    outlet: InferredName | None
    printed: InferredDate | None


def _dateline(head: list[tuple[int, str]]) -> _Dateline | None:
    for at, line in head:
        m = _DATELINE.match(line)
        if m is None:
            continue
        place, extra, credit = m["place"], m["extra"], m["credit"]
        # A bare "Name -" opening a sentence is not a dateline: the place is printed in capitals,
        # or followed by a credit or a date.
        if place and not (place.isupper() or extra or credit):
            continue
        if not place and not credit:
            continue
        outlet = printed = None
        if credit:
            outlet = InferredName(credit.strip(), Span(at + m.start("credit"), at + m.end("credit"), credit))
        if extra:
            dates = _full_dates(extra, at + m.start("extra"))
            if dates:
                printed = InferredDate(DateKind.PRINTED, dates[0][0], dates[0][1])
            elif _AGENCY.match(extra.strip()) and outlet is None:
                outlet = InferredName(extra.strip(), Span(at + m.start("extra"), at + m.end("extra"), extra))
            elif not extra.isupper() and not place.isupper():
                continue  # "Hamas, the group –": a clause, not a dateline
        where = InferredName(place.strip(), Span(at + m.start("place"), at + m.end("place"), place)) if place else None
        return _Dateline(Span(at, at + m.end(), line[: m.end()]), where, outlet, printed)
    return None


def _sign_off(lines: list[tuple[int, str]]) -> InferredName | None:
    if not lines:
        return None
    at, line = lines[-1]
    m = _SIGN_OFF.match(line.strip())
    if m is None:
        return None
    group = "dash" if m["dash"] else "paren"
    name = m[group].strip()
    if not _AGENCY.match(name):
        return None
    start = at + line.index(m[group])
    return InferredName(name, Span(start, start + len(m[group]), m[group]))


def _sentence_around(body: str, start: int) -> str:
    left = max(body.rfind(".", 0, start), body.rfind("\n", 0, start)) + 1
    return body[left:start]


def _latest_named_day(body: str, skip: Span | None) -> InferredDate | None:
    named = [
        (on, span)
        for on, span in _full_dates(body)
        if not (skip and skip.start <= span.start < skip.end) and not _FUTURE.search(_sentence_around(body, span.start))
    ]
    if not named:
        return None
    on, span = max(named, key=lambda d: (d[0], -d[1].start))
    return InferredDate(DateKind.NOT_BEFORE, on, span)


def _days_without_year(body: str) -> list[Span]:
    spans: dict[int, Span] = {}
    for pattern in _DAY_NO_YEAR:
        for m in pattern.finditer(body):
            if 1 <= int(m["day"]) <= 31 and not any(s.start <= m.start() < s.end for s in spans.values()):
                spans[m.start()] = Span(m.start(), m.end(), m.group(0))
    return [spans[k] for k in sorted(spans)]


def _credits(body: str, own: list[InferredName]) -> list[InferredName]:
    """Agencies the story cites, first mention each, outside the self-credit spans."""
    own_spans = [o.evidence for o in own]
    out: dict[str, InferredName] = {}
    for m in _CREDIT.finditer(body):
        if any(s.start <= m.start() < s.end for s in own_spans):
            continue
        key = m.group(0).lower()
        # "ap", "spa" or "fars" in lower case are words, not agencies: names start upper-case,
        # and short acronyms are written in capitals.
        if not m.group(0)[0].isupper() or (len(key) <= 4 and key not in _SHORT_NAMES and not m.group(0).isupper()):
            continue
        out.setdefault(key, InferredName(m.group(0), Span(m.start(), m.end(), m.group(0))))
    return list(out.values())


def infer_metadata(body: str) -> InferredMetadata:
    """What the text itself says about its outlet, place and publication day, each with its span."""
    lines = _lines(body)
    head = lines[:_HEAD_LINES]
    dateline = _dateline(head)
    outlet = (dateline.outlet if dateline else None) or _sign_off(lines)
    printed = _printed_date(head) or (dateline.printed if dateline else None)
    published = printed or _latest_named_day(body, dateline.span if dateline else None)
    return InferredMetadata(
        outlet=outlet,
        place=dateline.place if dateline else None,
        published=published,
        credits=_credits(body, [outlet] if outlet else []),
        days_without_year=_days_without_year(body),
    )
