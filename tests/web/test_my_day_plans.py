"""My day's today list reads one range of the member's starts, never their whole history (issue 14).

Today is "starts today, or a result that began earlier and ended after midnight". The second half had no
lower bound on the start: SQLite walked every earlier activity of the member (the benchmark's rep:
~50,000 rows, 60–70 ms for the list and again for its count). The bound implied by the rule (the earliest
start of the member's results ending after midnight, from ``activity_owner_done_end_idx``) makes it one
range of ``activity_owner_start_idx`` in the list's order, with or without statistics.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ActivityFactory, UserFactory
from totonou.activities.models import Activity
from totonou.web.selectors import my_day_today, my_day_waiting, my_day_waiting_count
from totonou.web.views.home import day_bounds

pytestmark = pytest.mark.django_db

STARTS = "activity_owner_start_idx (owner_id=? AND starts_at>? AND starts_at<?)"
SQLITE = pytest.mark.skipif("connection.vendor != 'sqlite'")


def _done(rep, starts_at: datetime.datetime, ends_at: datetime.datetime) -> Activity:
    return ActivityFactory(
        owner=rep, status="done", starts_at=starts_at, ends_at=ends_at, completed_at=ends_at
    )


def _history(rep) -> tuple[Activity, Activity, Activity]:
    """Forty days of results, a result from 23:00 yesterday to 00:30 today, one that ended at 23:50
    yesterday, and a plan today."""
    today = timezone.localdate()
    start, _end = day_bounds(today)
    for days in range(1, 41):
        at = start - datetime.timedelta(days=days) + datetime.timedelta(hours=10)
        _done(rep, at, at + datetime.timedelta(hours=1))
    overnight = _done(rep, start - datetime.timedelta(hours=1), start + datetime.timedelta(minutes=30))
    before_midnight = _done(rep, start - datetime.timedelta(hours=2), start - datetime.timedelta(minutes=10))
    plan = ActivityFactory(
        owner=rep,
        status="planned",
        starts_at=start + datetime.timedelta(hours=15),
        ends_at=start + datetime.timedelta(hours=16),
    )
    return overnight, before_midnight, plan


def test_today_lists_the_overnight_result_and_todays_plans_only():
    rep = UserFactory(username="nightowl")
    overnight, _before_midnight, plan = _history(rep)
    start, end = day_bounds(timezone.localdate())
    today = my_day_today(user=rep, member=rep, start=start, end=end, limit=12)
    assert [activity.pk for activity in today.rows] == [overnight.pk, plan.pk]
    assert today.total == 2


@SQLITE
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_today_reads_two_index_ranges_never_the_history(analyze):
    rep = UserFactory(username="nightowl")
    _history(rep)
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start, end = day_bounds(timezone.localdate())
    with CaptureQueriesContext(connection) as captured:
        my_day_today(user=rep, member=rep, start=start, end=end, limit=12)
    assert len(captured.captured_queries) == 2  # the first rows and the count
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = [str(row[-1]) for row in cursor.fetchall()]
        main = [line for line in plan if "activities_activity USING" in line and "done_end" not in line]
        assert main == [f"SEARCH activities_activity USING INDEX {STARTS}"], plan
        assert any("activity_owner_done_end_idx (owner_id=? AND ends_at>?)" in line for line in plan), plan
        assert not [line for line in plan if line.startswith("SCAN")], plan
        assert not [line for line in plan if "TEMP B-TREE FOR ORDER BY" in line], plan


def test_the_waiting_list_and_every_waiting_plan_are_counted_in_one_query():
    """The waiting list's total (plans of earlier days) and the count of every plan waiting for a result
    (``my_day_waiting_count``: today's started ones too) come from one aggregate, equal to the rule's."""
    rep = UserFactory(username="planner")
    start, _end = day_bounds(timezone.localdate())
    now = start + datetime.timedelta(hours=12)
    for hours in (-48 + 10, -24 + 10, 9, 15):  # two earlier days, this morning, this afternoon
        at = start + datetime.timedelta(hours=hours)
        ActivityFactory(owner=rep, status="planned", starts_at=at, ends_at=at + datetime.timedelta(hours=1))
    _done(rep, start - datetime.timedelta(hours=14), start - datetime.timedelta(hours=13))
    with CaptureQueriesContext(connection) as captured:
        waiting, waiting_count = my_day_waiting(user=rep, member=rep, before=start, now=now, limit=1)
    assert len(captured.captured_queries) == 2  # the first rows, the two counts
    assert (len(waiting.rows), waiting.total, waiting.more, waiting_count) == (1, 2, 1, 3)
    assert my_day_waiting_count(user=rep, member_id=rep.pk, now=now) == 3
