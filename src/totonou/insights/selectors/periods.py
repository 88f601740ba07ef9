"""Days, weeks and months in a user's time zone, as aware UTC-comparable boundaries.

Every insight counts days where the viewing user is: an activity at 23:30 JST on 1 April belongs to
1 April for a user in Asia/Tokyo. Boundaries are computed here, in Python, so the SQL only compares
``starts_at`` with constants (no time-zone or date arithmetic in the database, and the indexes on
``starts_at`` stay usable).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Case, Expression, F, IntegerField, Value, When
from django.utils import timezone

if TYPE_CHECKING:
    from totonou.insights.filters import PeriodFilter

Granularity = Literal["week", "month"]


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC-aware datetimes: local midnight of ``first_day`` to the midnight after
    ``last_day``."""

    key: str  # "2026-04" for a month, the first day "2026-03-30" for a week
    first_day: datetime.date
    last_day: datetime.date
    start: datetime.datetime
    end: datetime.datetime


def user_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The user's time zone; the active one when the user has none (or an unknown one)."""
    name = getattr(user, "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        current = timezone.get_current_timezone()
        return current if isinstance(current, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo("UTC")


def local_today(zone: zoneinfo.ZoneInfo, now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(zone).date()


def midnight(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The start of ``day`` in ``zone`` (aware)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def local_date(value: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date:
    return value.astimezone(zone).date()


def day_period(
    first_day: datetime.date, last_day: datetime.date, zone: zoneinfo.ZoneInfo, key: str
) -> Period:
    return Period(
        key=key,
        first_day=first_day,
        last_day=last_day,
        start=midnight(first_day, zone),
        end=midnight(last_day + datetime.timedelta(days=1), zone),
    )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_period(day: datetime.date, zone: zoneinfo.ZoneInfo) -> Period:
    first = day.replace(day=1)
    following = _add_months(first, 1)
    return day_period(first, following - datetime.timedelta(days=1), zone, f"{first:%Y-%m}")


def week_start(day: datetime.date, week_starts_on: int = 0) -> datetime.date:
    """The first day of the week of ``day``; ``week_starts_on`` as ``date.weekday()`` (0 Monday, 6 Sunday)."""
    return day - datetime.timedelta(days=(day.weekday() - week_starts_on) % 7)


def week_period(day: datetime.date, zone: zoneinfo.ZoneInfo, week_starts_on: int = 0) -> Period:
    first = week_start(day, week_starts_on)
    return day_period(first, first + datetime.timedelta(days=6), zone, first.isoformat())


def periods_until(
    *,
    last_day: datetime.date,
    count: int,
    granularity: Granularity,
    zone: zoneinfo.ZoneInfo,
    week_starts_on: int = 0,
) -> list[Period]:
    """``count`` consecutive weeks or months, oldest first, the last one containing ``last_day``."""
    if granularity == "month":
        first = last_day.replace(day=1)
        return [month_period(_add_months(first, offset), zone) for offset in range(1 - count, 1)]
    first = week_start(last_day, week_starts_on)
    return [
        week_period(first + datetime.timedelta(weeks=offset), zone, week_starts_on)
        for offset in range(1 - count, 1)
    ]


def range_periods(
    *, first_day: datetime.date, last_day: datetime.date, count: int, zone: zoneinfo.ZoneInfo
) -> list[Period]:
    """``count`` consecutive ranges as long as ``first_day`` … ``last_day``, oldest first, the last one
    that range; each is keyed "first/last" (ISO 8601 interval: "2026-12-01/2026-12-07")."""
    length = (last_day - first_day).days + 1
    periods = []
    for offset in range(1 - count, 1):
        first = first_day + datetime.timedelta(days=offset * length)
        last = last_day + datetime.timedelta(days=offset * length)
        periods.append(day_period(first, last, zone, f"{first.isoformat()}/{last.isoformat()}"))
    return periods


def chosen_periods(
    filters: PeriodFilter,
    *,
    count: int,
    today: datetime.date,
    zone: zoneinfo.ZoneInfo,
    week_starts_on: int = 0,
    day: datetime.date | None = None,
) -> list[Period]:
    """The periods an insight counts for ``filters`` (``PeriodFilter``): ``count`` of them, oldest first,
    the last one the chosen week or month (containing ``day``, else ``filters.date``, else ``today``) or
    the custom range ``from`` … ``to``."""
    if filters.period == "custom" and filters.from_ is not None and filters.to is not None:
        return range_periods(first_day=filters.from_, last_day=filters.to, count=count, zone=zone)
    granularity: Granularity = "month" if filters.period == "month" else "week"
    return periods_until(
        last_day=day or filters.date or today,
        count=count,
        granularity=granularity,
        zone=zone,
        week_starts_on=week_starts_on,
    )


def period_index(field: str, periods: Sequence[Period]) -> Case:
    """An SQL expression giving the index of the period ``field`` falls in (for rows already limited to
    ``[periods[0].start, periods[-1].end)``): plain comparisons with constants, so grouping by week or
    month costs no time-zone function per row."""
    whens = [When(**{f"{field}__lt": period.end}, then=Value(index)) for index, period in enumerate(periods)]
    return Case(*whens[:-1], default=Value(len(periods) - 1), output_field=IntegerField())


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four places (a share, 0–1), None when there is nothing to compare."""
    return round(part / whole, 4) if whole else None


class DayIndex(Expression):
    """The local day (0 = ``first_day``) that a datetime column falls on, for rows already limited to
    those ``days`` days: a balanced tree of comparisons with the local midnights, so each row costs about
    log2(days) comparisons and no time-zone function. (SQLite runs ``TruncDate`` with a time zone as a
    Python function per row, slower than the rest of these queries together.) The SQL is written here
    rather than as nested ``Case`` objects, which cost Django milliseconds to resolve and compile."""

    def __init__(self, field: str, first_day: datetime.date, days: int, zone: zoneinfo.ZoneInfo) -> None:
        super().__init__(output_field=IntegerField())
        self.source: Any = F(field)
        self.boundaries = [
            midnight(first_day + datetime.timedelta(days=offset), zone) for offset in range(days + 1)
        ]
        self.days = days

    def get_source_expressions(self) -> list[Any]:
        return [self.source]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.source,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, column_params = compiler.compile(self.source)
        values = [connection.ops.adapt_datetimefield_value(boundary) for boundary in self.boundaries]

        def between(low: int, high: int) -> tuple[str, list[Any]]:
            if low == high:
                return str(low), []
            middle = (low + high + 1) // 2
            left, left_params = between(low, middle - 1)
            right, right_params = between(middle, high)
            return (
                f"CASE WHEN {column} < %s THEN {left} ELSE {right} END",
                [*column_params, values[middle], *left_params, *right_params],
            )

        return between(0, self.days - 1)
