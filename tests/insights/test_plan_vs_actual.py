"""Plan vs actual (予定と実績) per member and week or month: planned, done as planned, moved (into and
out of the window), cancelled, overdue, upcoming, unplanned; the adherence rate; per activity type;
the week in the viewer's time zone."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, UserFactory
from tests.insights.conftest import jst, make_activity
from totonou.core.exceptions import ValidationError
from totonou.insights.filters import PlanVsActualFilter
from totonou.insights.selectors.plan_vs_actual import plan_vs_actual

pytestmark = pytest.mark.django_db

NOW = jst(2026, 4, 15, 12)  # a Wednesday; the week is Monday 13 to Sunday 19 April


@pytest.fixture
def world(team_a):
    team, manager, (rep1, rep2) = team_a
    customer = CustomerFactory(owner=rep1)

    def act(owner=rep1, **fields):
        return make_activity(owner=owner, customer=customer, **fields)

    act(starts_at=jst(2026, 4, 13, 10))  # a: done as planned
    act(starts_at=jst(2026, 4, 14, 10), moved_from=jst(2026, 4, 6, 10))  # b: moved in from last week, done
    act(starts_at=jst(2026, 4, 21, 11), moved_from=jst(2026, 4, 14, 11), status="planned")  # c: moved out
    act(starts_at=jst(2026, 4, 13, 15), status="cancelled")  # d
    act(starts_at=jst(2026, 4, 14, 9), slug="call", status="planned")  # e: overdue
    act(starts_at=jst(2026, 4, 17, 10), status="planned")  # f: upcoming
    act(starts_at=jst(2026, 4, 14, 16), planned=False)  # g: logged after the fact
    act(starts_at=jst(2026, 4, 20, 0, 30))  # h: Monday in Tokyo, still Sunday in UTC
    act(starts_at=jst(2026, 4, 15, 9), slug="email")  # i: done as planned
    act(
        starts_at=jst(2026, 4, 18, 10), moved_from=jst(2026, 4, 16, 10), status="cancelled"
    )  # j: moved, cancelled
    act(owner=rep2, starts_at=jst(2026, 4, 13, 10))  # k
    act(starts_at=jst(2026, 4, 14, 10), slug="internal", status="planned")  # internal work is an activity too
    return SimpleNamespace(team=team, manager=manager, rep1=rep1, rep2=rep2)


FIELDS = (
    "planned",
    "done_as_planned",
    "done_moved",
    "cancelled",
    "overdue",
    "upcoming",
    "moved",
    "unplanned",
    "done",
)


def numbers(cell):
    return (*[getattr(cell, name) for name in FIELDS], cell.adherence_rate)


def rows(result, username):
    member = next(member for member in result.members if member.user.username == username)
    return member.periods


def test_a_week(world):
    filters = PlanVsActualFilter(team=world.team.pk)
    result = plan_vs_actual(user=world.manager, filters=filters, now=NOW)
    assert [(period.key, period.first_day, period.last_day) for period in result.periods] == [
        ("2026-04-13", datetime.date(2026, 4, 13), datetime.date(2026, 4, 19))
    ]
    rep1 = rows(result, world.rep1.username)[0]
    # planned, as planned, moved+done, cancelled, overdue, upcoming, moved, unplanned, done, adherence
    assert numbers(rep1.numbers) == (8, 2, 1, 2, 2, 1, 2, 1, 4, 0.2857)
    assert {slug: numbers(cell) for slug, cell in rep1.by_type.items()} == {
        "visit": (5, 1, 1, 2, 0, 1, 2, 1, 3, 0.25),
        "call": (1, 0, 0, 0, 1, 0, 0, 0, 0, 0.0),
        "email": (1, 1, 0, 0, 0, 0, 0, 0, 1, 1.0),
        "internal": (1, 0, 0, 0, 1, 0, 0, 0, 0, 0.0),
    }
    assert numbers(rows(result, world.rep2.username)[0].numbers) == (1, 1, 0, 0, 0, 0, 0, 0, 1, 1.0)
    assert numbers(rows(result, world.manager.username)[0].numbers) == (0, 0, 0, 0, 0, 0, 0, 0, 0, None)
    assert numbers(result.totals[0].numbers) == (9, 3, 1, 2, 2, 1, 2, 1, 5, 0.375)


def test_a_plan_counts_where_it_was_moved_to(world):
    """b was first planned for 6 April and moved to the 14th: it counts in the week of the 14th only;
    c was moved out to the 21st: it counts there."""
    filters = PlanVsActualFilter(owner=world.rep1.pk, periods=3, date=datetime.date(2026, 4, 21))
    result = plan_vs_actual(user=world.manager, filters=filters, now=NOW)
    assert [period.key for period in result.periods] == ["2026-04-06", "2026-04-13", "2026-04-20"]
    last_week, this_week, next_week = rows(result, world.rep1.username)
    assert numbers(last_week.numbers) == (0, 0, 0, 0, 0, 0, 0, 0, 0, None)
    assert numbers(this_week.numbers) == (8, 2, 1, 2, 2, 1, 2, 1, 4, 0.2857)
    # c (moved in, upcoming) and h (done as planned at 00:30 on Monday)
    assert numbers(next_week.numbers) == (2, 1, 0, 0, 0, 1, 1, 0, 1, 1.0)


def test_weeks_follow_the_viewers_time_zone(world):
    in_utc = UserFactory(username="london", role="manager", time_zone="UTC")
    result = plan_vs_actual(user=in_utc, filters=PlanVsActualFilter(owner=world.rep1.pk), now=NOW)
    assert numbers(rows(result, world.rep1.username)[0].numbers) == (9, 3, 1, 2, 2, 1, 2, 1, 5, 0.375)


def test_a_week_can_start_on_sunday(world):
    sunday_first = UserFactory(username="sunday", role="manager", week_starts_on=6)
    result = plan_vs_actual(user=sunday_first, filters=PlanVsActualFilter(owner=world.rep1.pk), now=NOW)
    assert (result.periods[0].first_day, result.periods[0].last_day) == (
        datetime.date(2026, 4, 12),
        datetime.date(2026, 4, 18),
    )
    # the week of Sunday 12 to Saturday 18 April: f (17th) and j (18th) are in, h (20th) is not
    assert numbers(rows(result, world.rep1.username)[0].numbers) == (8, 2, 1, 2, 2, 1, 2, 1, 4, 0.2857)


def test_a_month(world):
    filters = PlanVsActualFilter(owner=world.rep1.pk, period="month")
    result = plan_vs_actual(user=world.manager, filters=filters, now=NOW)
    assert [period.key for period in result.periods] == ["2026-04"]
    assert numbers(rows(result, world.rep1.username)[0].numbers) == (10, 3, 1, 2, 2, 2, 3, 1, 5, 0.375)


def test_one_type(world):
    filters = PlanVsActualFilter(team=world.team.pk, type="call")
    result = plan_vs_actual(user=world.manager, filters=filters, now=NOW)
    assert numbers(rows(result, world.rep1.username)[0].numbers) == (1, 0, 0, 0, 1, 0, 0, 0, 0, 0.0)
    assert numbers(result.totals[0].numbers) == (1, 0, 0, 0, 1, 0, 0, 0, 0, 0.0)
    with pytest.raises(ValidationError) as error:
        plan_vs_actual(user=world.manager, filters=PlanVsActualFilter(type="fax"), now=NOW)
    assert set(error.value.message_dict) == {"type"}


def test_queries_do_not_grow(world):
    def queries(periods):
        with CaptureQueriesContext(connection) as captured:
            plan_vs_actual(user=world.manager, filters=PlanVsActualFilter(periods=periods), now=NOW)
        return len(captured)

    assert queries(1) == queries(12) == 3  # types, members, the aggregate
    for _index in range(5):
        make_activity(
            owner=UserFactory(team=world.team), customer=None, starts_at=jst(2026, 4, 14), slug="internal"
        )
    assert queries(12) == 3
