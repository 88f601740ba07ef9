"""The calendar drawn to scale (ADR 0030): where an activity's box sits on the day and week time grid.

Everything here is arithmetic on **local wall-clock minutes** (0 = midnight of the column's day, 1440 =
the next midnight), so a daylight-saving day needs no special case: a 09:00–10:30 plan sits at 09:00 and
is an hour and a half tall on every day of every zone, and the hour lines are the clock's hours. (On the
day clocks go back, a plan from 01:50 before the change to 01:10 after it lasts 20 minutes but reads
backwards on the wall clock: it is drawn from its start with the shortest box.)

- ``span_on``: the piece of an activity on one day (an activity crossing midnight is two pieces);
- ``is_all_day``: 24 hours or more — drawn in the strip above the hours, not on them;
- ``visible_hours``: 07:00–21:00, widened to every piece (and every "+N more" mark) shown;
- ``lanes``: overlapping boxes side by side — each cluster of boxes that overlap one another, directly or
  through a chain, is split into as many lanes as it needs at its busiest, and each box takes the first
  lane free at its start;
- ``Box``: what the template writes into the item's ``style`` as CSS custom properties (minutes from the
  grid's first hour, and lane / lanes), which ``app.css`` turns into ``top``, ``height``, ``left`` and
  ``width`` with the one hour height, ``--cal-hour``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DAY_MINUTES = 24 * 60
FIRST_HOUR, LAST_HOUR = 7, 21  # the hours a day always shows: 07:00 to 21:00
MIN_LENGTH = 30  # minutes: a shorter activity is drawn this tall (its first line must read), lanes too
ALL_DAY = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Span:
    """The piece of an activity on one day: wall-clock minutes of that day, and whether it goes on
    before the day's midnight or after the next one."""

    start: int
    end: int
    continues_before: bool = False
    continues_after: bool = False

    @property
    def drawn_end(self) -> int:
        """The box's bottom: at least ``MIN_LENGTH`` below its start, never past midnight."""
        return min(max(self.end, self.start + MIN_LENGTH), DAY_MINUTES)


@dataclass(frozen=True)
class Box:
    """Where a box sits: ``top`` and ``length`` in minutes from the grid's first hour, and its lane."""

    top: int
    length: int
    lane: int
    lanes: int

    @property
    def style(self) -> str:
        return f"--top: {self.top}; --len: {self.length}; --lane: {self.lane}; --lanes: {self.lanes}"


def _wall(moment: datetime.datetime) -> datetime.datetime:
    """The local wall-clock time of an aware datetime (already in the reader's zone)."""
    return moment.replace(tzinfo=None)


def _minutes(delta: datetime.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def is_all_day(start: datetime.datetime, end: datetime.datetime) -> bool:
    """An activity of 24 hours or more goes in the strip above the hours."""
    return end - start >= ALL_DAY


def span_on(start: datetime.datetime, end: datetime.datetime, day: datetime.date) -> Span | None:
    """The piece of ``[start, end)`` (aware, in the reader's zone) on ``day``'s wall clock, or ``None``
    when it does not touch the day. A moment activity (``end == start``) touches the day it starts on."""
    midnight = datetime.datetime.combine(day, datetime.time())
    next_midnight = midnight + datetime.timedelta(days=1)
    first, last = _wall(start), _wall(end)
    if first >= next_midnight or (first < midnight and last <= midnight):
        return None
    top = _minutes(max(first, midnight) - midnight)
    bottom = _minutes(min(last, next_midnight) - midnight)
    return Span(
        start=top,
        end=max(bottom, top),
        continues_before=first < midnight,
        continues_after=last > next_midnight,
    )


def visible_hours(
    spans: Iterable[tuple[int, int]], first: int = FIRST_HOUR, last: int = LAST_HOUR
) -> tuple[int, int]:
    """The first hour shown and the hour the grid ends at (exclusive): ``first``–``last`` widened to the
    whole hours every ``(start, drawn end)`` needs."""
    for start, end in spans:
        first = min(first, start // 60)
        last = max(last, -(-end // 60))
    return first, last


def lanes(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(lane, lanes)`` for each ``(start, drawn end)``, in the given order. Boxes that touch (one ends
    when the next starts) do not overlap."""
    order = sorted(range(len(spans)), key=lambda index: (spans[index][0], -spans[index][1], index))
    result: list[tuple[int, int]] = [(0, 1)] * len(spans)
    cluster: list[tuple[int, int]] = []  # (index, lane) of the current cluster
    lane_ends: list[int] = []  # the end of the last box in each lane of the current cluster
    cluster_end = 0

    def close() -> None:
        for index, lane in cluster:
            result[index] = (lane, len(lane_ends))

    for index in order:
        start, end = spans[index]
        if cluster and start >= cluster_end:
            close()
            cluster, lane_ends = [], []
        cluster_end = max(cluster_end, end) if cluster else end
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                lane_ends[lane] = end
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(end)
        cluster.append((index, lane))
    close()
    return result


def boxes(spans: Sequence[tuple[int, int]], first_hour: int) -> list[Box]:
    """Each ``(start, drawn end)`` placed on a grid that starts at ``first_hour``, side by side where
    they overlap."""
    offset = first_hour * 60
    return [
        Box(top=start - offset, length=end - start, lane=lane, lanes=count)
        for (start, end), (lane, count) in zip(spans, lanes(spans), strict=True)
    ]


def now_top(now: datetime.datetime, first_hour: int, last_hour: int) -> int | None:
    """The current-time line's offset in minutes from the grid's first hour, or ``None`` outside it."""
    minute = now.hour * 60 + now.minute
    if not first_hour * 60 <= minute <= last_hour * 60:
        return None
    return minute - first_hour * 60
