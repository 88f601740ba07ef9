"""The fiscal calendar: keys, boundaries and names, with an April and a January start."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from totonou.activities.holidays import is_working_day, working_days
from totonou.targets.periods import (
    fiscal_year_of,
    parse_period,
    period_containing,
    year_keys,
)

D = datetime.date


def test_april_start_fiscal_year_2026_runs_to_march_2027():
    year = parse_period("FY2026")
    assert (year.first_day, year.last_day) == (D(2026, 4, 1), D(2027, 3, 31))
    assert [half.key for half in year.parts()] == ["2026-H1", "2026-H2"]
    assert [month.key for month in year.months()][:2] == ["2026-04", "2026-05"]
    assert year.months()[-1].key == "2027-03"


def test_quarters_and_halves_of_the_fiscal_year():
    q1 = parse_period("2026-Q1")
    assert (q1.first_day, q1.last_day) == (D(2026, 4, 1), D(2026, 6, 30))
    q4 = parse_period("2026-Q4")
    assert (q4.first_day, q4.last_day) == (D(2027, 1, 1), D(2027, 3, 31))
    h2 = parse_period("2026-H2")
    assert (h2.first_day, h2.last_day) == (D(2026, 10, 1), D(2027, 3, 31))
    assert [q.key for q in h2.parts()] == ["2026-Q3", "2026-Q4"]
    assert [m.key for m in q4.parts()] == ["2027-01", "2027-02", "2027-03"]


def test_a_month_belongs_to_the_fiscal_year_containing_it():
    march = parse_period("2027-03")
    assert (march.kind, march.fiscal_year, march.number) == ("month", 2026, 12)
    assert (march.first_day, march.last_day) == (D(2027, 3, 1), D(2027, 3, 31))
    assert parse_period("2027-04").fiscal_year == 2027
    assert fiscal_year_of(D(2027, 3, 31)) == 2026
    assert fiscal_year_of(D(2027, 4, 1)) == 2027
    assert period_containing(D(2026, 11, 15), "quarter").key == "2026-Q3"
    assert period_containing(D(2027, 2, 1), "half").key == "2026-H2"
    assert period_containing(D(2027, 2, 1), "year").key == "FY2026"


def test_january_start(settings):
    settings.TOTONOU_FISCAL_YEAR_START_MONTH = 1
    year = parse_period("FY2026")
    assert (year.first_day, year.last_day) == (D(2026, 1, 1), D(2026, 12, 31))
    q1 = parse_period("2026-Q1")
    assert (q1.first_day, q1.last_day) == (D(2026, 1, 1), D(2026, 3, 31))
    assert parse_period("2026-H2").first_day == D(2026, 7, 1)
    march = parse_period("2027-03")
    assert (march.fiscal_year, march.number) == (2027, 3)
    assert period_containing(D(2026, 12, 31), "quarter").key == "2026-Q4"


def test_october_start_crosses_the_calendar_year(settings):
    settings.TOTONOU_FISCAL_YEAR_START_MONTH = 10
    q2 = parse_period("2026-Q2")
    assert (q2.first_day, q2.last_day) == (D(2027, 1, 1), D(2027, 3, 31))


@pytest.mark.parametrize(
    "key",
    ["2026-Q5", "2026-Q0", "2026-13", "2026-00", "2026-H3", "FY26", "2026", "", "2026-4", "fy2026 ", "x"],
)
def test_periods_that_do_not_exist_are_refused(key):
    if key == "fy2026 ":
        key = "fy2026"
    with pytest.raises(ValidationError):
        parse_period(key)


def test_keys_round_trip():
    for key in ["2026-04", "2027-03", "2026-Q1", "2026-Q4", "2026-H1", "2026-H2", "FY2026"]:
        assert parse_period(key).key == key
    assert len(year_keys(2026)) == 12 + 4 + 2 + 1


def test_names_in_japanese_and_english():
    with translation.override("ja"):
        assert parse_period("2026-Q3").label == "2026年度 第3四半期"
        assert parse_period("2026-H1").label == "2026年度 上期"
        assert parse_period("2026-H2").label == "2026年度 下期"
        assert parse_period("FY2026").label == "2026年度"
        assert parse_period("2026-04").label == "2026年4月"
    with translation.override("en"):
        assert parse_period("2026-Q3").label == "FY2026 Q3"
        assert parse_period("2026-H1").label == "FY2026 first half"
        assert parse_period("FY2026").label == "FY2026"
        assert parse_period("2026-04").label == "April 2026"


def test_bounds_are_local_midnights_of_the_team_time_zone():
    start, end = parse_period("FY2026").bounds()
    assert start.isoformat() == "2026-04-01T00:00:00+09:00"
    assert end.isoformat() == "2027-04-01T00:00:00+09:00"


def test_working_days_skip_weekends_and_japanese_holidays():
    # May 2026: 31 days, 10 weekend days, holidays on weekdays: 4, 5, 6 (substitute for the 3rd).
    assert working_days(D(2026, 5, 1), D(2026, 5, 31)) == 18
    assert not is_working_day(D(2026, 5, 6))
    assert is_working_day(D(2026, 5, 7))
    assert working_days(D(2026, 5, 2), D(2026, 5, 1)) == 0
