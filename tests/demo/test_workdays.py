"""The working-day calendar seed data is placed on."""

from __future__ import annotations

import datetime
import zoneinfo

from totonou.demo.context import SeedRandom, calendar_colors
from totonou.demo.workdays import Workdays, is_working_day

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def test_days_off():
    assert not is_working_day(datetime.date(2025, 5, 3))  # Saturday
    assert not is_working_day(datetime.date(2025, 5, 5))  # こどもの日 (Monday)
    assert not is_working_day(datetime.date(2025, 12, 30))  # year-end break
    assert not is_working_day(datetime.date(2026, 1, 2))
    assert is_working_day(datetime.date(2025, 5, 7))


def test_indexes_count_working_days_around_today():
    days = Workdays(today=datetime.date(2025, 5, 7), time_zone="Asia/Tokyo", first=-3, last=2)
    # Golden Week: 3-6 May are off, so the working day before Wednesday 7 May is Friday 2 May.
    assert [days.date(i) for i in range(-3, 3)] == [
        datetime.date(2025, 4, 30),
        datetime.date(2025, 5, 1),
        datetime.date(2025, 5, 2),
        datetime.date(2025, 5, 7),
        datetime.date(2025, 5, 8),
        datetime.date(2025, 5, 9),
    ]
    # On a day off, index 0 is the next working day.
    weekend = Workdays(today=datetime.date(2025, 5, 4), time_zone="Asia/Tokyo", first=-1, last=0)
    assert weekend.date(0) == datetime.date(2025, 5, 7)
    assert weekend.date(-1) == datetime.date(2025, 5, 2)


def test_times_are_local_wall_clock_in_utc():
    days = Workdays(today=datetime.date(2025, 5, 7), time_zone="Asia/Tokyo", first=-1, last=0)
    moment = days.at(0, 9 * 60 + 30)
    assert moment.tzinfo == datetime.UTC
    assert moment.astimezone(TOKYO) == datetime.datetime(2025, 5, 7, 9, 30, tzinfo=TOKYO)


def test_later_rolls_to_the_next_morning_but_never_reaches_today():
    days = Workdays(today=datetime.date(2025, 5, 7), time_zone="Asia/Tokyo", first=-5, last=0)
    assert days.later(-3, 10 * 60, 30) == (-3, 10 * 60 + 30)
    index, minute = days.later(-3, 20 * 60, 120)
    assert index == -2 and 8 * 60 + 30 <= minute < 10 * 60
    assert days.later(-1, 19 * 60, 240) == (-1, 21 * 60)  # capped on the last day before today
    assert days.later(-1, 23 * 60, 240) == (-1, 23 * 60 + 1)


def test_seed_random_is_reproducible_and_in_range():
    first, second = SeedRandom("x"), SeedRandom("x")
    picks = [first.choice("abc") + str(first.randrange(5, 9)) for _ in range(200)]
    assert picks == [second.choice("abc") + str(second.randrange(5, 9)) for _ in range(200)]
    assert {pick[0] for pick in picks} == {"a", "b", "c"}
    assert {int(pick[1:]) for pick in picks} == {5, 6, 7, 8}


def test_calendar_colours_are_distinct_hex():
    colours = calendar_colors(50)
    assert len(set(colours)) == 50
    assert all(len(colour) == 7 and colour.startswith("#") for colour in colours)
