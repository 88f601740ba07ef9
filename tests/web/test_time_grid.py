"""Where the calendar draws an activity (``totonou.web.time_grid``, ADR 0030): exact minutes, lanes and
the visible hours, across midnight and on days the clocks move."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from totonou.web import time_grid
from totonou.web.time_grid import Box, Span

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DAY = datetime.date(2026, 4, 14)


def local(day: datetime.date, hour: int, minute: int = 0, zone=TOKYO) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def placed(*spans: tuple[int, int], first_hour: int = 7) -> list[Box]:
    return time_grid.boxes(list(spans), first_hour)


def test_a_09_00_to_10_30_plan_sits_two_hours_below_07_00_and_is_90_minutes_tall():
    span = time_grid.span_on(local(DAY, 9), local(DAY, 10, 30), DAY)
    assert span == Span(540, 630)
    assert time_grid.visible_hours([(span.start, span.drawn_end)]) == (7, 21)
    (box,) = placed((span.start, span.drawn_end))
    assert box == Box(top=120, length=90, lane=0, lanes=1)
    assert box.style == "--top: 120; --len: 90; --lane: 0; --lanes: 1"


def test_two_overlapping_plans_take_two_lanes_and_a_later_one_the_whole_width_again():
    boxes = placed((540, 600), (570, 660), (660, 720))  # 09:00–10:00, 09:30–11:00, 11:00–12:00
    assert boxes == [
        Box(top=120, length=60, lane=0, lanes=2),
        Box(top=150, length=90, lane=1, lanes=2),
        Box(top=240, length=60, lane=0, lanes=1),  # touching at 11:00 is not overlapping
    ]


def test_a_chain_of_overlaps_is_one_cluster_and_a_freed_lane_is_taken_again():
    # 09:00–10:00 and 09:30–10:30 overlap; 10:00–11:00 overlaps only the second, and takes the first
    # lane back; the cluster needs two lanes at its busiest, so all three are half as wide.
    assert [(box.lane, box.lanes) for box in placed((540, 600), (570, 630), (600, 660))] == [
        (0, 2),
        (1, 2),
        (0, 2),
    ]
    # Three at once need three lanes; the order given is kept in the answer.
    assert [(box.lane, box.lanes) for box in placed((590, 660), (540, 720), (540, 600))] == [
        (2, 3),
        (0, 3),
        (1, 3),
    ]


def test_a_short_activity_is_drawn_half_an_hour_tall_and_lanes_count_that():
    span = time_grid.span_on(local(DAY, 9), local(DAY, 9, 10), DAY)
    assert (span.end, span.drawn_end) == (550, 570)
    moment = time_grid.span_on(local(DAY, 9, 20), local(DAY, 9, 20), DAY)
    assert (moment.start, moment.end, moment.drawn_end) == (560, 560, 590)
    # Drawn 09:00–09:30 and 09:20–09:50: side by side, though the first ended at 09:10.
    assert [(box.lane, box.lanes) for box in placed((span.start, span.drawn_end), (560, 590))] == [
        (0, 2),
        (1, 2),
    ]
    late = time_grid.span_on(local(DAY, 23, 50), local(DAY, 23, 55), DAY)
    assert late.drawn_end == 1440  # never past midnight


def test_an_activity_crossing_midnight_is_two_pieces_and_the_grid_shows_the_whole_day():
    start, end = local(DAY, 22), local(DAY + datetime.timedelta(days=1), 1, 30)
    evening = time_grid.span_on(start, end, DAY)
    morning = time_grid.span_on(start, end, DAY + datetime.timedelta(days=1))
    assert evening == Span(1320, 1440, continues_before=False, continues_after=True)
    assert morning == Span(0, 90, continues_before=True, continues_after=False)
    assert time_grid.span_on(start, end, DAY - datetime.timedelta(days=1)) is None
    assert time_grid.span_on(start, end, DAY + datetime.timedelta(days=2)) is None
    assert time_grid.visible_hours([(1320, 1440), (0, 90)]) == (0, 24)
    assert placed((0, 90), first_hour=0) == [Box(top=0, length=90, lane=0, lanes=1)]
    # Ending exactly at midnight does not touch the next day.
    until_midnight = local(DAY + datetime.timedelta(days=1), 0)
    assert time_grid.span_on(local(DAY, 23), until_midnight, DAY) == Span(1380, 1440)
    assert time_grid.span_on(local(DAY, 23), until_midnight, DAY + datetime.timedelta(days=1)) is None


def test_activities_outside_07_to_21_widen_the_grid_to_whole_hours():
    assert time_grid.visible_hours([]) == (7, 21)
    assert time_grid.visible_hours([(6 * 60 + 30, 7 * 60 + 30)]) == (6, 21)
    assert time_grid.visible_hours([(21 * 60 + 15, 22 * 60 + 15)]) == (7, 23)
    assert time_grid.visible_hours([(20 * 60, 21 * 60)]) == (7, 21)  # ends on the last line: no widening
    assert placed((6 * 60 + 30, 7 * 60 + 30), first_hour=6) == [Box(top=30, length=60, lane=0, lanes=1)]


def test_24_hours_or_more_goes_to_the_strip():
    assert time_grid.is_all_day(local(DAY, 0), local(DAY + datetime.timedelta(days=1), 0))
    assert time_grid.is_all_day(local(DAY, 9), local(DAY + datetime.timedelta(days=2), 18))
    assert not time_grid.is_all_day(local(DAY, 0), local(DAY, 23, 59))


@pytest.mark.parametrize("zone", [TOKYO, zoneinfo.ZoneInfo("Europe/London"), datetime.UTC])
def test_fixed_zones_and_a_summer_day_place_by_the_wall_clock(zone):
    day = datetime.date(2026, 7, 1)
    assert time_grid.span_on(local(day, 9, zone=zone), local(day, 10, 30, zone=zone), day) == Span(540, 630)


def test_new_york_on_the_days_the_clocks_move_keeps_the_wall_clock():
    spring = datetime.date(2026, 3, 8)  # 02:00 becomes 03:00
    assert time_grid.span_on(
        local(spring, 9, zone=NEW_YORK), local(spring, 10, 30, zone=NEW_YORK), spring
    ) == (Span(540, 630))
    # 01:30 to 03:30 on the wall clock is one real hour: drawn from 01:30 to 03:30, as the clock reads.
    start = local(spring, 1, 30, zone=NEW_YORK)
    end = (start.astimezone(datetime.UTC) + datetime.timedelta(hours=1)).astimezone(NEW_YORK)
    assert (end.hour, end.minute) == (3, 30)
    assert time_grid.span_on(start, end, spring) == Span(90, 210)
    autumn = datetime.date(2026, 11, 1)  # 02:00 becomes 01:00 again
    assert time_grid.span_on(
        local(autumn, 9, zone=NEW_YORK), local(autumn, 10, 30, zone=NEW_YORK), autumn
    ) == (Span(540, 630))
    # 01:50 before the change to 01:10 after it (20 real minutes) reads backwards: the shortest box.
    before = datetime.datetime(2026, 11, 1, 1, 50, tzinfo=NEW_YORK, fold=0)
    after = (before.astimezone(datetime.UTC) + datetime.timedelta(minutes=20)).astimezone(NEW_YORK)
    assert (after.hour, after.minute) == (1, 10)
    span = time_grid.span_on(before, after, autumn)
    assert span == Span(110, 110)
    assert span.drawn_end == 140


def test_the_current_time_line_is_placed_within_the_grid_only():
    assert time_grid.now_top(local(DAY, 13, 37), 7, 21) == 397
    assert time_grid.now_top(local(DAY, 7), 7, 21) == 0
    assert time_grid.now_top(local(DAY, 21), 7, 21) == 840
    assert time_grid.now_top(local(DAY, 6, 59), 7, 21) is None
    assert time_grid.now_top(local(DAY, 22, 30), 7, 21) is None
