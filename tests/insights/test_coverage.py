"""Key-customer coverage per member and month, with exact numbers: touches, distinct face-to-face days,
coverage against each key customer's own threshold, and the trend; e-mail, plans, cancellations,
internal work, non-key and inactive customers never count; days follow the viewer's time zone."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import large_statistics
from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from tests.insights.conftest import jst, make_activity
from totonou.core.exceptions import ValidationError
from totonou.customers.models import Customer
from totonou.insights.filters import CoverageFilter
from totonou.insights.selectors.coverage import key_customer_coverage

pytestmark = pytest.mark.django_db

NOW = jst(2026, 4, 20, 12)


@pytest.fixture
def world(team_a):
    team, manager, (rep1, rep2) = team_a
    seg_a = SegmentFactory(name="食品スーパー", cadence_days=30, key_cadence_days=14)
    seg_b = SegmentFactory(name="ドラッグストア", cadence_days=10, key_cadence_days=20)
    k1 = CustomerFactory(owner=rep1, segment=seg_a, is_key=True)  # threshold 14
    k2 = CustomerFactory(owner=rep1, segment=seg_b, is_key=True)  # threshold 20 (the key cadence)
    k3 = CustomerFactory(owner=rep1, segment=seg_a, is_key=True, cadence_days=7)  # its own 7
    n1 = CustomerFactory(owner=rep1, segment=seg_a)  # not key
    retired = CustomerFactory(owner=rep1, segment=seg_a, is_key=True, status=Customer.Status.INACTIVE)
    CustomerFactory(owner=rep2, segment=seg_a, is_key=True)  # k4: nothing happens there
    make_activity(owner=rep1, customer=k1, starts_at=jst(2026, 3, 10, 10))  # visit
    make_activity(owner=rep1, customer=k1, starts_at=jst(2026, 3, 10, 15), slug="call")  # same day, not F2F
    make_activity(owner=rep1, customer=k3, starts_at=jst(2026, 3, 20), slug="demo")
    make_activity(owner=rep1, customer=k2, starts_at=jst(2026, 3, 31, 23, 30))  # 14:30 UTC
    make_activity(owner=rep1, customer=k1, starts_at=jst(2026, 4, 1, 0, 30))  # 31 March 15:30 UTC
    make_activity(owner=rep1, customer=k1, starts_at=jst(2026, 4, 15))
    make_activity(owner=manager, customer=k3, starts_at=jst(2026, 4, 18))  # covers k3, not rep1's touch
    make_activity(owner=rep1, customer=k2, starts_at=jst(2026, 4, 10), slug="email")  # not a contact
    make_activity(owner=rep1, customer=k2, starts_at=jst(2026, 4, 25), status="planned")
    make_activity(owner=rep1, customer=k1, starts_at=jst(2026, 4, 5), status="cancelled")
    make_activity(owner=rep1, customer=n1, starts_at=jst(2026, 4, 2))
    make_activity(owner=rep1, customer=None, starts_at=jst(2026, 4, 3), slug="internal")
    make_activity(owner=rep1, customer=retired, starts_at=jst(2026, 4, 6))
    return SimpleNamespace(team=team, manager=manager, rep1=rep1, rep2=rep2)


def numbers(month):
    return (
        month.key_customers,
        month.touches,
        month.touches_per_key_customer,
        month.key_days,
        month.covered,
        month.coverage_rate,
    )


def table(result):
    return {member.user.username: [numbers(month) for month in member.months] for member in result.members}


def test_per_member_and_month(world):
    result = key_customer_coverage(
        user=world.manager, filters=CoverageFilter(team=world.team.pk, months=2), now=NOW
    )
    assert [period.key for period in result.periods] == ["2026-03", "2026-04"]
    assert table(result) == {
        # key customers, touches, touches per key customer, key days, covered, coverage rate
        world.manager.username: [(0, 0, None, 0, 0, None), (0, 0, None, 0, 0, None)],
        world.rep1.username: [(3, 4, 1.33, 3, 1, 0.3333), (3, 2, 0.67, 2, 2, 0.6667)],
        world.rep2.username: [(1, 0, 0.0, 0, 0, 0.0), (1, 0, 0.0, 0, 0, 0.0)],
    }
    assert [numbers(month) for month in result.totals] == [(4, 4, 1.0, 3, 1, 0.25), (4, 2, 0.5, 2, 2, 0.5)]


def test_a_past_month_alone_gives_the_same_numbers(world):
    """March judged on its last day through the activities, whether or not April is in the trend."""
    filters = CoverageFilter(owner=world.rep1.pk, month=datetime.date(2026, 3, 5), months=1)
    result = key_customer_coverage(user=world.manager, filters=filters, now=NOW)
    assert [period.key for period in result.periods] == ["2026-03"]
    assert table(result) == {world.rep1.username: [(3, 4, 1.33, 3, 1, 0.3333)]}


def test_this_month_agrees_with_the_uncontacted_list(world):
    from totonou.insights.filters import UncontactedFilter
    from totonou.insights.selectors.uncontacted import uncontacted_customers

    result = key_customer_coverage(
        user=world.manager, filters=CoverageFilter(owner=world.rep1.pk, months=1), now=NOW
    )
    uncontacted = uncontacted_customers(
        user=world.manager, filters=UncontactedFilter(owner=world.rep1.pk, key_only=True), now=NOW
    )
    assert result.members[0].months[0].covered == 3 - len(uncontacted.rows) == 2


def test_days_and_months_follow_the_viewers_time_zone(world):
    """In UTC the 00:30 (Tokyo) visit of 1 April falls on 31 March: March gains a touch and k1's
    coverage, April loses a touch and a key day."""
    in_utc = UserFactory(username="london", role="manager", time_zone="UTC")
    result = key_customer_coverage(
        user=in_utc, filters=CoverageFilter(owner=world.rep1.pk, months=2), now=NOW
    )
    assert table(result) == {world.rep1.username: [(3, 5, 1.67, 3, 2, 0.6667), (3, 1, 0.33, 1, 2, 0.6667)]}


def test_a_future_month_is_refused(world):
    with pytest.raises(ValidationError) as error:
        key_customer_coverage(
            user=world.manager, filters=CoverageFilter(month=datetime.date(2026, 5, 1)), now=NOW
        )
    assert set(error.value.message_dict) == {"month"}


def test_default_members_are_the_active_reps_and_managers(world, admin_user):
    UserFactory(username="gone", is_active=False)
    result = key_customer_coverage(user=admin_user, filters=CoverageFilter(months=1), now=NOW)
    assert [member.user.username for member in result.members] == [
        world.manager.username,
        world.rep1.username,
        world.rep2.username,
    ]


def test_queries_do_not_grow_with_members_months_or_rows(world):
    def queries(months):
        with CaptureQueriesContext(connection) as captured:
            key_customer_coverage(user=world.manager, filters=CoverageFilter(months=months), now=NOW)
        return len(captured)

    # members, segments, overrides in use, key customers with their coverage, the activities
    assert queries(1) == queries(12) == 5
    for _index in range(5):
        rep = UserFactory(team=world.team)
        key = CustomerFactory(owner=rep, is_key=True)
        make_activity(owner=rep, customer=key, starts_at=jst(2026, 2, 3))
    assert queries(12) == 5


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_reads_the_touches_through_each_key_customers_activities(world):
    """With the large data set's statistics, SQLite read the period's done activities of every member
    through the status index to find the touches of the members' key customers (a team's quarter:
    41 ms); with the status as ``+status`` it seeks each key customer's period (14 ms, the same rows)."""
    large_statistics.install()
    with CaptureQueriesContext(connection) as captured:
        result = key_customer_coverage(
            user=world.manager, filters=CoverageFilter(team=world.team.pk, months=2), now=NOW
        )
    # the same numbers as test_per_member_and_month's
    assert table(result)[world.rep1.username] == [(3, 4, 1.33, 3, 1, 0.3333), (3, 2, 0.67, 2, 2, 0.6667)]
    (touches,) = [query["sql"] for query in captured if 'AS "touches"' in query["sql"]]
    steps = large_statistics.plan(touches)
    assert (
        "SEARCH activities_activity USING INDEX activity_customer_start_idx (customer_id=? AND starts_at>? "
        "AND starts_at<?)"
    ) in steps, steps
    assert not any("activity_status_start_idx" in step for step in steps), steps
