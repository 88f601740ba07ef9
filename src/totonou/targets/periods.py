"""The fiscal calendar: fiscal years, halves (上期 / 下期), quarters and months, their keys and names.

The fiscal year starts on the first day of ``settings.TOTONOU_FISCAL_YEAR_START_MONTH`` (default 4,
April) and is named after the calendar year it starts in: with an April start FY2026 is 2026-04-01 …
2027-03-31; with a January start FY2026 is the calendar year 2026.

Keys (the API and the stored targets use them):

- ``2026-04``: a calendar month; it belongs to the fiscal year that contains it (``2027-03`` is in
  FY2026 with an April start);
- ``2026-Q1`` … ``2026-Q4``: the quarters of FY2026 (with an April start ``2026-Q1`` is April–June 2026);
- ``2026-H1`` (上期) and ``2026-H2`` (下期): the halves of FY2026;
- ``FY2026``: the fiscal year.

Boundaries are dates here; ``FiscalPeriod.bounds(zone)`` gives the aware ``[start, end)`` of local
midnights in the team's time zone (``period_zone``, from ``users.zones``).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

# The one rule of the periods' time zone lives in users.zones (deals reads it too); read here with them.
from totonou.users.zones import member_zone as member_zone
from totonou.users.zones import period_zone as period_zone

Kind = Literal["month", "quarter", "half", "year"]

MIN_YEAR, MAX_YEAR = 1900, 9998

_MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")
_QUARTER = re.compile(r"(?P<year>[0-9]{4})-Q(?P<number>[0-9]+)")
_HALF = re.compile(r"(?P<year>[0-9]{4})-H(?P<number>[0-9]+)")
_YEAR = re.compile(r"FY(?P<year>[0-9]{4})")


def fiscal_start_month() -> int:
    """The month (1–12) the fiscal year starts in."""
    return int(getattr(settings, "TOTONOU_FISCAL_YEAR_START_MONTH", 4))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(day: datetime.date, start_month: int | None = None) -> int:
    start = start_month or fiscal_start_month()
    return day.year if day.month >= start else day.year - 1


@dataclass(frozen=True)
class FiscalPeriod:
    """A month, quarter, half or fiscal year: ``first_day`` to ``last_day``, both included."""

    kind: Kind
    fiscal_year: int
    number: int  # month: 1–12 within the fiscal year; quarter 1–4; half 1–2; year 1
    first_day: datetime.date
    last_day: datetime.date

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.fiscal_year}-Q{self.number}"
        if self.kind == "half":
            return f"{self.fiscal_year}-H{self.number}"
        return f"FY{self.fiscal_year}"

    @property
    def label(self) -> str:
        """The name people read: 2026年度 第3四半期 / FY2026 Q3, 2026年度 上期 / FY2026 first half,
        2026年4月 / April 2026."""
        year = self.fiscal_year
        if self.kind == "month":
            return formats.date_format(self.first_day, "YEAR_MONTH_FORMAT")
        if self.kind == "quarter":
            return _("FY%(year)s Q%(number)s") % {"year": year, "number": self.number}
        if self.kind == "half":
            if self.number == 1:
                return _("FY%(year)s first half") % {"year": year}
            return _("FY%(year)s second half") % {"year": year}
        return _("FY%(year)s") % {"year": year}

    @property
    def short_label(self) -> str:
        """A column heading: 4月 / Apr, Q1 / 第1四半期, 上期 / H1, 2026年度 / FY2026."""
        if self.kind == "month":
            return formats.date_format(self.first_day, "M")
        if self.kind == "quarter":
            return _("Q%(number)s") % {"number": self.number}
        if self.kind == "half":
            return _("H1") if self.number == 1 else _("H2")
        return self.label

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def months(self) -> list[FiscalPeriod]:
        """The months of the period, in order."""
        if self.kind == "month":
            return [self]
        count = {"quarter": 3, "half": 6, "year": 12}[self.kind]
        return [month_period(add_months(self.first_day, offset)) for offset in range(count)]

    def parts(self) -> list[FiscalPeriod]:
        """One level down: a year's halves, a half's quarters, a quarter's months; a month has none."""
        if self.kind == "year":
            return [half_period(self.fiscal_year, number) for number in (1, 2)]
        if self.kind == "half":
            first = (self.number - 1) * 2 + 1
            return [quarter_period(self.fiscal_year, number) for number in (first, first + 1)]
        if self.kind == "quarter":
            return self.months()
        return []

    def contains(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day

    def bounds(self, zone: zoneinfo.ZoneInfo | None = None) -> tuple[datetime.datetime, datetime.datetime]:
        """Local midnight of the first day to the midnight after the last day (aware)."""
        zone = zone or period_zone()
        start = datetime.datetime.combine(self.first_day, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(
            self.last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return start, end

    def year(self) -> FiscalPeriod:
        return year_period(self.fiscal_year)

    def previous_year(self) -> FiscalPeriod:
        """The same period one fiscal year earlier."""
        if self.kind == "month":
            return month_period(add_months(self.first_day, -12))
        if self.kind == "quarter":
            return quarter_period(self.fiscal_year - 1, self.number)
        if self.kind == "half":
            return half_period(self.fiscal_year - 1, self.number)
        return year_period(self.fiscal_year - 1)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            _("Choose a year from %(first)s to %(last)s.") % {"first": MIN_YEAR, "last": MAX_YEAR}
        )


def year_period(fiscal_year: int) -> FiscalPeriod:
    _check_year(fiscal_year)
    first = datetime.date(fiscal_year, fiscal_start_month(), 1)
    return FiscalPeriod("year", fiscal_year, 1, first, add_months(first, 12) - datetime.timedelta(days=1))


def half_period(fiscal_year: int, number: int) -> FiscalPeriod:
    _check_year(fiscal_year)
    first = add_months(datetime.date(fiscal_year, fiscal_start_month(), 1), (number - 1) * 6)
    return FiscalPeriod("half", fiscal_year, number, first, add_months(first, 6) - datetime.timedelta(days=1))


def quarter_period(fiscal_year: int, number: int) -> FiscalPeriod:
    _check_year(fiscal_year)
    first = add_months(datetime.date(fiscal_year, fiscal_start_month(), 1), (number - 1) * 3)
    return FiscalPeriod(
        "quarter", fiscal_year, number, first, add_months(first, 3) - datetime.timedelta(days=1)
    )


def month_period(day: datetime.date) -> FiscalPeriod:
    """The calendar month containing ``day``, numbered within its fiscal year."""
    first = day.replace(day=1)
    _check_year(first.year)
    start = fiscal_start_month()
    number = (first.month - start) % 12 + 1
    return FiscalPeriod(
        "month",
        fiscal_year_of(first, start),
        number,
        first,
        add_months(first, 1) - datetime.timedelta(days=1),
    )


def period_containing(day: datetime.date, kind: Kind) -> FiscalPeriod:
    """The month, quarter, half or fiscal year that contains ``day``."""
    month = month_period(day)
    if kind == "month":
        return month
    if kind == "quarter":
        return quarter_period(month.fiscal_year, (month.number - 1) // 3 + 1)
    if kind == "half":
        return half_period(month.fiscal_year, (month.number - 1) // 6 + 1)
    return year_period(month.fiscal_year)


def parse_period(key: str) -> FiscalPeriod:
    """``2026-04``, ``2026-Q1``, ``2026-H1`` or ``FY2026``; anything else (``2026-Q5``, ``2026-13``) is a
    ``ValidationError``."""
    text = (key or "").strip()
    invalid = ValidationError(
        _(
            "“%(value)s” is not a period: give a month (2026-04), a quarter (2026-Q1), a half "
            "(2026-H1) or a fiscal year (FY2026)."
        )
        % {"value": text[:20]},
        code="invalid",
    )
    if match := _MONTH.fullmatch(text):
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise invalid
        return month_period(datetime.date(int(match["year"]), month, 1))
    if match := _QUARTER.fullmatch(text):
        number = int(match["number"])
        if not 1 <= number <= 4:
            raise invalid
        return quarter_period(int(match["year"]), number)
    if match := _HALF.fullmatch(text):
        number = int(match["number"])
        if not 1 <= number <= 2:
            raise invalid
        return half_period(int(match["year"]), number)
    if match := _YEAR.fullmatch(text):
        return year_period(int(match["year"]))
    raise invalid


def year_keys(fiscal_year: int) -> list[str]:
    """Every period key of a fiscal year: its months, quarters, halves and the year itself."""
    year = year_period(fiscal_year)
    quarters = [quarter_period(fiscal_year, number) for number in range(1, 5)]
    return [
        *(month.key for month in year.months()),
        *(quarter.key for quarter in quarters),
        *(half.key for half in year.parts()),
        year.key,
    ]
