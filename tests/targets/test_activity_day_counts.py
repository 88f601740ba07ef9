"""The daily activity counts (ADR 0037): the database triggers keep ``ActivityDayCount`` equal to the rule
computed from the activities (``activity_day_counts``) through every kind of write, and the targets'
activity figures read from them equal a count of the activities themselves in the team's time zone,
months whose boundaries cut a UTC day in two included."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter

import pytest
from django.db import connection

from tests.factories import CustomerFactory, activity_type
from tests.insights.conftest import make_activity
from totonou.activities.models import Activity, ActivityDayCount
from totonou.activities.rebuild import activity_counts_rebuild, activity_day_counts, derived_data_rebuild
from totonou.customers.models import Customer
from totonou.insights.selectors.attainment import attainment_table
from totonou.targets.periods import parse_period

UTC = datetime.UTC
JST = zoneinfo.ZoneInfo("Asia/Tokyo")


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def stored() -> dict[tuple[int, str, int], tuple[int, int]]:
    """The table as the triggers left it, without the rows that went back to zero."""
    rows = ActivityDayCount.objects.values_list("owner_id", "day", "type_id", "done", "key_done")
    assert all(done >= key_done >= 0 for *_key, done, key_done in rows), list(rows)
    return {
        (owner, day.isoformat(), kind): (done, key_done)
        for owner, day, kind, done, key_done in rows
        if done or key_done
    }


def expected_counts() -> dict[tuple[int, str, int], tuple[int, int]]:
    """Counted here in Python from the rows, independent of both the triggers and the rebuild."""
    counts: Counter[tuple[int, str, int]] = Counter()
    keys: Counter[tuple[int, str, int]] = Counter()
    for owner, starts_at, kind, key in Activity.objects.filter(status="done").values_list(
        "owner_id", "starts_at", "type_id", "is_key_customer"
    ):
        slot = (owner, starts_at.astimezone(UTC).date().isoformat(), kind)
        counts[slot] += 1
        keys[slot] += int(key)
    return {slot: (counts[slot], keys[slot]) for slot in counts}


def test_the_triggers_follow_every_kind_of_write(team_a):
    _team, _manager, (rep1, rep2) = team_a
    key = CustomerFactory(owner=rep1, is_key=True)
    plain = CustomerFactory(owner=rep1)
    late = make_activity(owner=rep1, customer=key, starts_at=utc(2026, 5, 1, 23, 59))  # done, key
    early = make_activity(owner=rep1, customer=plain, starts_at=utc(2026, 5, 2, 0, 0), slug="call")
    plan = make_activity(owner=rep1, customer=key, starts_at=utc(2026, 5, 3, 9), status="planned")
    make_activity(owner=rep2, customer=None, starts_at=utc(2026, 5, 3, 9), status="cancelled")
    steps = [
        ("insert", lambda: None),
        (
            "a plan done",
            lambda: Activity.objects.filter(pk=plan.pk).update(
                status="done", completed_at=utc(2026, 5, 3, 10)
            ),
        ),
        (
            "moved over midnight",
            lambda: Activity.objects.filter(pk=late.pk).update(
                starts_at=utc(2026, 5, 2, 0, 30), ends_at=utc(2026, 5, 2, 1, 30)
            ),
        ),
        (
            "moved in its day",
            lambda: Activity.objects.filter(pk=early.pk).update(
                starts_at=utc(2026, 5, 2, 8), ends_at=utc(2026, 5, 2, 9)
            ),
        ),
        ("another type", lambda: Activity.objects.filter(pk=early.pk).update(type=activity_type("visit"))),
        ("customer made key", lambda: Customer.objects.filter(pk=plain.pk).update(is_key=True)),
        ("customer no longer key", lambda: Customer.objects.filter(pk=key.pk).update(is_key=False)),
        ("another customer", lambda: Activity.objects.filter(pk=late.pk).update(customer=plain)),
        ("reassigned", lambda: Activity.objects.filter(owner=rep1).update(owner=rep2)),
        (
            "done undone",
            lambda: Activity.objects.filter(pk=plan.pk).update(status="planned", completed_at=None),
        ),
        ("deleted", lambda: Activity.objects.filter(pk=early.pk).delete()),
        ("saved unchanged", lambda: Activity.objects.get(pk=late.pk).save()),
    ]
    seen = []
    for name, write in steps:
        write()
        seen.append((name, stored()))
        assert stored() == expected_counts() == activity_day_counts(), name
    # The steps changed the table: a trigger that did nothing would fail above, and so would this.
    assert seen[0][1] == {
        (rep1.pk, "2026-05-01", activity_type("visit").pk): (1, 1),
        (rep1.pk, "2026-05-02", activity_type("call").pk): (1, 0),
    }
    assert seen[-1][1] == {(rep2.pk, "2026-05-02", activity_type("visit").pk): (1, 1)}


def test_the_rebuild_restores_what_a_bulk_load_left_behind(team_a):
    _team, _manager, (rep1, _rep2) = team_a
    key = CustomerFactory(owner=rep1, is_key=True)
    for day in (1, 2, 2, 5):
        make_activity(owner=rep1, customer=key, starts_at=utc(2026, 6, day, 3))
    expected = expected_counts()
    assert sum(done for done, _key in expected.values()) == 4
    with connection.cursor() as cursor:  # as a restore without the table would leave it
        cursor.execute("DELETE FROM activities_activitydaycount")
    assert stored() == {}
    assert activity_counts_rebuild() == 3
    assert stored() == expected
    assert derived_data_rebuild()["activity_day_counts"] == 3
    assert stored() == expected


@pytest.mark.parametrize("zone_name", ["Asia/Tokyo", "UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_a_year_of_activities_by_month_equals_the_rows_counted_in_the_team_zone(team_a, zone_name):
    team, _manager, (rep1, rep2) = team_a
    team.time_zone = zone_name
    team.save()
    zone = zoneinfo.ZoneInfo(zone_name)
    key = CustomerFactory(owner=rep1, is_key=True)
    plain = CustomerFactory(owner=rep2)
    fy = parse_period("FY2026")
    start, end = fy.bounds(zone)
    now = datetime.datetime(2026, 12, 10, 12, tzinfo=zone)
    moments = []
    # Around every month boundary of the year (both sides of the local midnight, which cuts a UTC day
    # in two outside UTC), inside the months, and just outside the year.
    for month in fy.months():
        midnight = datetime.datetime.combine(month.first_day, datetime.time(), tzinfo=zone)
        moments += [
            midnight - datetime.timedelta(minutes=1),
            midnight,
            midnight + datetime.timedelta(hours=13),
        ]
    moments += [end - datetime.timedelta(minutes=1), end, end + datetime.timedelta(days=3)]
    for index, moment in enumerate(moments):
        owner, customer = (rep1, key) if index % 2 else (rep2, plain)
        slug = ("visit", "call", "visit")[index % 3]
        status = "planned" if moment >= now and index % 4 else "done"
        if index % 7 == 3:
            status = "cancelled"
        make_activity(owner=owner, customer=customer, starts_at=moment, slug=slug, status=status)
    table = attainment_table(
        span=fy,
        periods=list(fy.months()),
        metrics=["activities", "key_customer_visits"],
        members=[rep1, rep2],
        now=now,
    )
    done: Counter[tuple[int, str]] = Counter()
    visits: Counter[tuple[int, str]] = Counter()
    ahead: Counter[tuple[int, str]] = Counter()
    key_ahead: Counter[tuple[int, str]] = Counter()
    for activity in Activity.objects.select_related("type"):
        if not start <= activity.starts_at < end:
            continue
        month = f"{activity.starts_at.astimezone(zone):%Y-%m}"
        slot = (activity.owner_id, month)
        if activity.status == "done":
            done[slot] += 1
            visits[slot] += activity.type.is_face_to_face and activity.is_key_customer
        elif activity.status == "planned" and activity.starts_at >= now:
            ahead[slot] += 1
            key_ahead[slot] += activity.type.is_face_to_face and activity.is_key_customer
    got = {
        (row.metric, row.user.pk, cell.period.key): (cell.actual, cell.forecast)
        for row in table.rows
        for cell in row.cells
    }
    want = {}
    for member in (rep1, rep2):
        for month in fy.months():
            slot = (member.pk, month.key)
            want[("activities", member.pk, month.key)] = (done[slot], float(done[slot] + ahead[slot]))
            want[("key_customer_visits", member.pk, month.key)] = (
                visits[slot],
                float(visits[slot] + key_ahead[slot]),
            )
    assert got == want
    assert (sum(done.values()), sum(visits.values()), sum(ahead.values()), sum(key_ahead.values())) == (
        25,
        6,
        6,
        4,
    )
