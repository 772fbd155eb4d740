"""Dates as publishers write them, kept with their precision.

A partial date is a range: "1960" is 1960-01-01..1960-12-31 with precision `year`; "Feb 1970"
is a month; "1960 to 1965" a range. Nothing is rounded to a fake exact day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
MONTHS["sept"] = 9


@dataclass(frozen=True)
class FuzzyDate:
    raw: str
    date_from: date
    date_to: date
    precision: str  # day | month | year | range
    circa: bool = False

    def as_row(self) -> dict[str, object]:
        return {
            "raw": self.raw,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "precision": self.precision,
            "circa": self.circa,
        }


def _year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


_DMY = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4})$")
_MY = re.compile(r"^([A-Za-z]{3,9})\.? (\d{4})$")
_Y = re.compile(r"^(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# UK lists write an unknown day or month as `00` (OFSI) or as the letters of the placeholder
# (`dd/mm/1968`, `dd/09/1958` in the FCDO's UK Sanctions List), and a bare year as `1985`.
_SLASH_PARTIAL = re.compile(r"^(\d{1,2}|dd|00)/(\d{1,2}|mm|00)/(\d{4})$", re.IGNORECASE)


def parse_point(text: str) -> tuple[date, date, str] | None:
    """One date expression → (from, to, precision), or None if not understood."""
    value = text.strip().rstrip(".")
    try:
        if m := _DMY.match(value):
            month = MONTHS.get(m.group(2).lower())
            if month is None:
                return None
            d = date(int(m.group(3)), month, int(m.group(1)))
            return d, d, "day"
        if m := _MY.match(value):
            month = MONTHS.get(m.group(1).lower())
            if month is None:
                return None
            return (*_month_span(int(m.group(2)), month), "month")
        if m := _Y.match(value):
            return (*_year_span(int(m.group(1))), "year")
        if m := _ISO.match(value):
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return d, d, "day"
    except ValueError:
        return None
    return None


_CIRCA = re.compile(r"^(circa|c\.|approximately|about)\s+", re.IGNORECASE)
_RANGE = re.compile(r"^(?:between\s+)?(.+?)\s+(?:to|and|-)\s+(.+)$", re.IGNORECASE)


def parse_fuzzy(text: str) -> FuzzyDate | None:
    """Parse OFAC-style date text: exact, month, year, circa, and ranges ("1960 to 1962")."""
    raw = text.strip()
    value = raw.rstrip(".")
    circa = False
    if m := _CIRCA.match(value):
        circa = True
        value = value[m.end() :]
    point = parse_point(value)
    if point:
        return FuzzyDate(raw, point[0], point[1], point[2], circa)
    if m := _RANGE.match(value):
        start, end = parse_point(m.group(1)), parse_point(m.group(2))
        if start and end and start[0] <= end[1]:
            return FuzzyDate(raw, start[0], end[1], "range", circa)
    return None


def parse_dmy(text: str) -> FuzzyDate | None:
    """dd/mm/yyyy as the UK lists write it, partial dates kept with their precision.

    An unknown day or month is `00` (OFSI: `00/00/1994`) or the placeholder letters (FCDO:
    `dd/mm/1968` is the year 1968, `dd/09/1958` September 1958); a bare `1985` is a year. A
    known day in an unknown month (`12/mm/1968`) still only places the date in its year.
    """
    value = text.strip()
    if m := _Y.match(value):
        year = int(m.group(1))
        return FuzzyDate(value, *_year_span(year), "year") if year else None
    m = _SLASH_PARTIAL.match(value)
    if not m:
        return None
    day_text, month_text, year = m.group(1), m.group(2), int(m.group(3))
    day = int(day_text) if day_text.isdigit() else 0
    month = int(month_text) if month_text.isdigit() else 0
    try:
        if year == 0:
            return None
        if month == 0:
            return FuzzyDate(value, *_year_span(year), "year")
        if day == 0:
            return FuzzyDate(value, *_month_span(year, month), "month")
        d = date(year, month, day)
    except ValueError:
        return None
    return FuzzyDate(value, d, d, "day")
