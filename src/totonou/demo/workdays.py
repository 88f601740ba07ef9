"""Working days counted from today, so generated data is relative to "now" but its content is fixed.

Seed data places every event on a *working-day index* and a minute of the local day: index -1 is the
last working day before today, 0 is today (or the next working day when today is a day off), 1 the
working day after. The same seed gives the same indexes and minutes on every run; only the calendar
dates they map to move with today. Everything at index <= -1 lies before today's local midnight, so it
is safely in the past whatever the clock says.
"""

from __future__ import annotations

import datetime
import zoneinfo

import jpholiday

MINUTES_PER_DAY = 24 * 60
EVENING = 21 * 60


def is_working_day(day: datetime.date) -> bool:
    """Weekdays that are neither Japanese public holidays nor the year-end break (29 Dec to 3 Jan)."""
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return not jpholiday.is_holiday(day)


class Workdays:
    """Maps working-day indexes around ``today`` to dates and aware datetimes."""

    def __init__(self, *, today: datetime.date, time_zone: str, first: int, last: int) -> None:
        if first > -1 or last < 0:
            raise ValueError("The range must include index -1 and 0.")
        self.today = today
        self.first = first
        self.last = last
        self._zone = zoneinfo.ZoneInfo(time_zone)
        past: list[datetime.date] = []
        day = today
        while len(past) < -first:
            day -= datetime.timedelta(days=1)
            if is_working_day(day):
                past.append(day)
        future: list[datetime.date] = []
        day = today
        while len(future) <= last:
            if is_working_day(day):
                future.append(day)
            day += datetime.timedelta(days=1)
        self._dates = list(reversed(past)) + future
        # Local midnights in UTC. Adding minutes in UTC is exact wherever the day has no DST change
        # (Asia/Tokyo has none); elsewhere a seeded time may be an hour off on the two switch days.
        self._midnights = [
            datetime.datetime.combine(date, datetime.time(), tzinfo=self._zone).astimezone(datetime.UTC)
            for date in self._dates
        ]
        self._minutes = [datetime.timedelta(minutes=minute) for minute in range(MINUTES_PER_DAY)]

    def date(self, index: int) -> datetime.date:
        return self._dates[index - self.first]

    def at(self, index: int, minute: int) -> datetime.datetime:
        """The aware (UTC) datetime of ``minute`` after local midnight on working day ``index``."""
        return self._midnights[index - self.first] + self._minutes[minute]

    def later(self, index: int, minute: int, delta: int, *, latest: int = -1) -> tuple[int, int]:
        """``delta`` minutes after (index, minute); past 21:00 it rolls to the next working morning.

        Never beyond working day ``latest`` (by default the last one before today): on that day it
        stops at 21:00, or just after ``minute`` when that is later still.
        """
        moved = minute + delta
        next_index = index
        if moved >= EVENING:
            next_index, moved = index + 1, 8 * 60 + 30 + (moved - EVENING) % 90
        if next_index > latest:
            return latest, min(max(minute + 1, EVENING), MINUTES_PER_DAY - 1)
        return next_index, min(moved, MINUTES_PER_DAY - 1)
