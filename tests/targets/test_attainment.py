"""Attainment with a hand-made history across the FY2026/FY2027 boundary (April start, JST), exact
numbers: actuals by metric, target resolution and team roll-up, pace over working days, forecast."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from tests.factories import CustomerFactory, DealFactory
from tests.insights.conftest import make_activity
from totonou.deals.models import Deal, Stage
from totonou.insights.selectors.attainment import attainment_for, attainment_table, my_day_progress
from totonou.targets.models import Target
from totonou.targets.periods import parse_period

JST = zoneinfo.ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


def deal(owner, *, amount, stage="won", closed_at=None, expected=None, created_at=None, customer=None):
    record = DealFactory(
        owner=owner,
        customer=customer or CustomerFactory(owner=owner),
        amount=amount,
        stage=Stage.objects.get(slug=stage),
        closed_at=closed_at,
        expected_close_date=expected,
    )
    Deal.objects.filter(pk=record.pk).update(created_at=created_at or jst(2025, 1, 1))
    return record


def target(*, metric, period, value, user=None, team=None):
    return Target.objects.create(user=user, team=team, metric=metric, period=period, value=value)


@pytest.fixture
def history(team_a):
    team, manager, (rep1, rep2) = team_a
    deal(rep1, amount=3_000_000, closed_at=jst(2027, 3, 31, 23, 30))  # FY2026, March 2027
    deal(rep1, amount=5_000_000, closed_at=jst(2027, 4, 1, 0, 10))  # FY2027, April 2027
    deal(rep1, amount=2_000_000, closed_at=jst(2026, 4, 10, 10))  # FY2026, April 2026
    deal(rep1, amount=9_000_000, stage="lost", closed_at=jst(2026, 5, 1, 10))  # lost: never counts
    deal(rep1, amount=1_000_000, stage="proposal", expected=datetime.date(2027, 3, 15))  # 50 %
    deal(rep1, amount=2_000_000, stage="lead", expected=datetime.date(2027, 4, 2))  # FY2027
    deal(rep2, amount=1_000_000, closed_at=jst(2026, 6, 30, 23, 59))  # June 2026
    deal(rep2, amount=4_000_000, closed_at=jst(2026, 3, 31, 23, 59))  # FY2025
    target(user=rep1, metric="revenue", period="2026-04", value=2_000_000)
    target(user=rep1, metric="revenue", period="2027-03", value=10_000_000)
    target(user=rep2, metric="revenue", period="FY2026", value=6_000_000)
    return team, manager, rep1, rep2


NOW = jst(2027, 4, 5, 12)  # FY2026 is over


def cells(table, metric):
    return {(row.user or row.team).pk if row.user else "team": row.cells for row in table.for_metric(metric)}


def test_revenue_across_the_fiscal_year_boundary_per_rep_and_team(history):
    team, manager, rep1, rep2 = history
    fy, march = parse_period("FY2026"), parse_period("2027-03")
    table = attainment_table(
        span=fy,
        periods=[march, fy],
        metrics=["revenue", "won_deals"],
        members=[rep1, rep2],
        team=team,
        team_members=[manager, rep1, rep2],
        now=NOW,
    )
    revenue = cells(table, "revenue")
    rep1_march, rep1_year = revenue[rep1.pk]
    assert (rep1_march.actual, rep1_march.target, rep1_march.target_source) == (
        3_000_000,
        10_000_000,
        "period",
    )
    assert rep1_march.attainment == 0.3
    assert rep1_march.gap == 7_000_000
    assert (rep1_march.working_days, rep1_march.elapsed_working_days) == (22, 22)  # 3/22 substitute holiday
    assert rep1_march.pace == 10_000_000
    assert rep1_march.forecast == 3_500_000  # + 1,000,000 × 50 %
    assert rep1_march.status == "behind"
    assert (rep1_year.actual, rep1_year.target, rep1_year.target_source) == (5_000_000, 12_000_000, "parts")
    assert rep1_year.forecast == 5_500_000
    rep2_year = revenue[rep2.pk][1]
    assert (rep2_year.actual, rep2_year.target, rep2_year.target_source) == (1_000_000, 6_000_000, "period")
    team_year = revenue["team"][1]
    assert (team_year.actual, team_year.target, team_year.target_source) == (6_000_000, 18_000_000, "members")
    assert team_year.gap == 12_000_000
    assert team_year.attainment == 0.3333
    assert team_year.forecast == 6_500_000
    won = cells(table, "won_deals")
    assert won[rep1.pk][1].actual == 2 and won[rep1.pk][1].forecast == 2.5 and won[rep1.pk][1].target is None
    assert won[rep1.pk][1].status is None
    assert won["team"][1].actual == 3


def test_without_forecast_the_cells_are_the_same_and_the_open_pipeline_is_not_read(
    history, django_assert_num_queries
):
    """``forecast=False`` (the meeting pack): the same targets and actuals, no forecast, one query less
    (the open deals expected to close in the period)."""
    team, manager, rep1, rep2 = history
    fy, march = parse_period("FY2026"), parse_period("2027-03")
    arguments = {
        "span": fy,
        "periods": [march, fy],
        "metrics": ["revenue", "won_deals"],
        "members": [rep1, rep2],
        "team": team,
        "team_members": [manager, rep1, rep2],
        "now": NOW,
    }
    with django_assert_num_queries(3):  # targets, won deals, open deals
        full = attainment_table(**arguments)
    with django_assert_num_queries(2):  # targets, won deals
        bare = attainment_table(**arguments, forecast=False)
    for metric in ("revenue", "won_deals"):
        with_forecast, without = cells(full, metric), cells(bare, metric)
        assert with_forecast.keys() == without.keys() == {rep1.pk, rep2.pk, "team"}
        for owner, row in with_forecast.items():
            for cell, same in zip(row, without[owner], strict=True):
                assert (same.target, same.actual, same.pace, same.status) == (
                    cell.target,
                    cell.actual,
                    cell.pace,
                    cell.status,
                )
                assert cell.forecast is not None and same.forecast is None
    assert cells(bare, "revenue")[rep1.pk][0].actual == 3_000_000


def test_a_team_target_of_its_own_wins_over_the_members_sum(history):
    team, manager, rep1, rep2 = history
    target(team=team, metric="revenue", period="FY2026", value=20_000_000)
    fy = parse_period("FY2026")
    table = attainment_table(
        span=fy,
        periods=[fy],
        metrics=["revenue"],
        members=[rep1, rep2],
        team=team,
        team_members=[manager, rep1, rep2],
        now=NOW,
    )
    team_row = table.team_row("revenue")
    assert team_row is not None
    assert (team_row.total.target, team_row.total.target_source, team_row.total.actual) == (
        20_000_000,
        "period",
        6_000_000,
    )


def test_the_next_fiscal_year_has_the_deal_won_ten_minutes_after_midnight(history):
    _team, _manager, rep1, _rep2 = history
    april = parse_period("2027-04")
    (revenue, won, *_rest) = attainment_for(rep1, april, now=NOW)
    assert (revenue.metric, revenue.actual, revenue.forecast) == ("revenue", 5_000_000, 5_200_000.0)
    assert (won.metric, won.actual, won.forecast) == ("won_deals", 1, 1.1)
    assert revenue.period.fiscal_year == 2027


def test_april_target_met_is_achieved(history):
    _team, _manager, rep1, _rep2 = history
    revenue = attainment_for(rep1, parse_period("2026-04"), now=NOW)[0]
    assert (revenue.actual, revenue.target, revenue.attainment, revenue.gap, revenue.status) == (
        2_000_000,
        2_000_000,
        1.0,
        0,
        "achieved",
    )


def test_january_start_puts_both_deals_in_fy2027(history, settings):
    settings.TOTONOU_FISCAL_YEAR_START_MONTH = 1
    _team, _manager, rep1, rep2 = history
    fy2027 = parse_period("FY2027")
    assert (fy2027.first_day, fy2027.last_day) == (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
    assert attainment_for(rep1, fy2027, now=NOW)[0].actual == 8_000_000
    assert attainment_for(rep1, parse_period("FY2026"), now=NOW)[0].actual == 2_000_000
    q2 = parse_period("2026-Q2")  # April–June 2026 with a January start
    assert attainment_for(rep2, q2, now=NOW)[0].actual == 1_000_000
    calendar_2026 = attainment_for(rep2, parse_period("FY2026"), now=NOW)[0]
    assert calendar_2026.actual == 5_000_000  # 2026-03-31 23:59 JST is in 2026 now
    assert calendar_2026.target == 6_000_000  # the stored "FY2026" now means the calendar year 2026


def test_pace_over_working_days_with_golden_week_inside(team_a):
    _team, _manager, (rep1, _rep2) = team_a
    key = CustomerFactory(owner=rep1, is_key=True)
    other = CustomerFactory(owner=rep1)
    make_activity(owner=rep1, customer=key, starts_at=jst(2026, 5, 1, 10))  # done key visit
    make_activity(owner=rep1, customer=other, starts_at=jst(2026, 5, 7, 10), slug="call")
    make_activity(owner=rep1, customer=other, starts_at=jst(2026, 5, 8, 9))  # visit, not key
    make_activity(owner=rep1, customer=key, starts_at=jst(2026, 4, 30, 23, 30))  # April
    make_activity(owner=rep1, customer=key, starts_at=jst(2026, 5, 7, 15), status="cancelled")
    make_activity(owner=rep1, customer=key, starts_at=jst(2026, 5, 20, 10), status="planned")  # ahead
    make_activity(owner=rep1, customer=other, starts_at=jst(2026, 5, 8, 8), status="planned")  # overdue
    for day in (1, 7):
        deal(rep1, amount=0, stage="lead", created_at=jst(2026, 5, day, 9))
    target(user=rep1, metric="activities", period="2026-05", value=18)
    target(user=rep1, metric="key_customer_visits", period="2026-05", value=9)
    target(user=rep1, metric="new_deals", period="2026-05", value=4)
    now = jst(2026, 5, 8, 12)
    _revenue, _won, new, done, visits = attainment_for(rep1, parse_period("2026-05"), now=now)
    # May 2026: 18 working days (4, 5 and 6 are holidays); 1, 7 and 8 have passed.
    assert (done.working_days, done.elapsed_working_days) == (18, 3)
    assert (done.actual, done.pace, done.forecast, done.status) == (3, 3.0, 4.0, "on_pace")
    assert (visits.actual, visits.pace, visits.forecast, visits.status) == (1, 1.5, 2.0, "behind")
    assert (new.actual, new.pace, new.forecast, new.status) == (2, 0.7, 12.0, "on_pace")


def test_my_day_progress_shows_the_metrics_with_a_target(history):
    _team, _manager, rep1, _rep2 = history
    progress = my_day_progress(member=rep1, now=jst(2027, 3, 10, 12))
    assert (progress.month.key, progress.quarter.key) == ("2027-03", "2026-Q4")
    assert [
        (month.metric, month.actual, month.target, quarter.target) for month, quarter in progress.rows
    ] == [("revenue", 3_000_000, 10_000_000, 10_000_000)]
    month = progress.rows[0][0]
    # 1–10 March 2027: 8 working days of 22; pace 10,000,000 × 8 / 22.
    assert (month.elapsed_working_days, month.pace, month.status) == (8, 3_636_364, "behind")


def test_query_count_does_not_grow_with_the_data(team_a, team_b, django_assert_num_queries):
    team, manager, (rep1, rep2) = team_a
    fy = parse_period("FY2026")
    months = fy.months()

    def run(members):
        with django_assert_num_queries(5):
            attainment_table(
                span=fy,
                periods=[*months, fy],
                metrics=["revenue", "won_deals", "new_deals", "activities", "key_customer_visits"],
                members=members,
                team=team,
                team_members=members,
                now=NOW,
            )

    run([rep1])
    _team_b, manager_b, reps_b = team_b
    for owner in (rep1, rep2, manager, manager_b, *reps_b):
        for month in range(4, 10):
            deal(owner, amount=1000, closed_at=jst(2026, month, 3, 10))
            target(user=owner, metric="revenue", period=f"2026-{month:02d}", value=5000)
            make_activity(owner=owner, starts_at=jst(2026, month, 4, 10))
    run([rep1, rep2, manager, manager_b, *reps_b])


def test_my_day_card_reads_only_what_has_a_target(team_a, django_assert_num_queries):
    _team, _manager, (rep1, _rep2) = team_a
    now = jst(2026, 5, 8, 12)
    with django_assert_num_queries(1):  # the targets, nothing more
        assert my_day_progress(member=rep1, now=now).rows == []
    target(user=rep1, metric="revenue", period="2026-Q1", value=9)
    with django_assert_num_queries(3):  # the targets, won deals, open deals
        progress = my_day_progress(member=rep1, now=now)
    assert [(month.target, quarter.target) for month, quarter in progress.rows] == [(None, 9)]
