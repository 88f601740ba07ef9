"""Uncontacted customers (未接触顧客): exact lists and counts on a hand-built data set, with every edge:
never contacted, only planned, only internal work, only a cancelled visit, only e-mail, the 29th and
30th day, overrides, a key cadence longer than the normal one, no segment, an inactive customer,
an overdue plan, a plan moved ahead, and a contact just after midnight in Tokyo."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from tests.insights.conftest import UTC, jst, make_activity
from totonou.customers.models import Customer
from totonou.insights.filters import UncontactedFilter
from totonou.insights.selectors.uncontacted import uncontacted_customers

pytestmark = pytest.mark.django_db

NOW = jst(2026, 4, 30, 12)


@pytest.fixture
def world(team_a, team_b):
    """18 customers; the comment says what each is for on 2026-04-30 (Tokyo)."""
    _, manager, (rep1, rep2) = team_a
    _, _, (rep_b, _) = team_b
    seg_a = SegmentFactory(name="食品スーパー", cadence_days=30, key_cadence_days=14, sort_order=1)
    seg_b = SegmentFactory(name="ドラッグストア", cadence_days=10, key_cadence_days=20, sort_order=2)

    def customer(name, segment=seg_a, owner=rep1, **fields):
        return CustomerFactory(name=name, name_kana=name, segment=segment, owner=owner, **fields)

    c = SimpleNamespace()
    c.never = customer("never")  # never contacted
    c.only_planned = customer("only_planned")  # a visit planned for 2 May only
    make_activity(owner=rep1, customer=c.only_planned, starts_at=jst(2026, 5, 2), status="planned")
    c.only_internal = customer("only_internal")  # internal work "at" the customer does not count
    make_activity(owner=rep1, customer=c.only_internal, starts_at=jst(2026, 4, 29), slug="internal")
    c.cancelled = customer("cancelled")  # a cancelled visit does not count
    make_activity(owner=rep1, customer=c.cancelled, starts_at=jst(2026, 4, 28), status="cancelled")
    c.email = customer("email")  # e-mail is not a real contact, nor is a planned e-mail a planned contact
    make_activity(owner=rep1, customer=c.email, starts_at=jst(2026, 4, 29), slug="email")
    make_activity(owner=rep1, customer=c.email, starts_at=jst(2026, 5, 3), slug="email", status="planned")
    c.recent = customer("recent")  # visited 5 days ago
    make_activity(owner=rep1, customer=c.recent, starts_at=jst(2026, 4, 25))
    c.day29 = customer("day29")  # 29 days: still within 30
    make_activity(owner=rep1, customer=c.day29, starts_at=jst(2026, 4, 1))
    c.day30 = customer("day30")  # 30 days: uncontacted
    make_activity(owner=rep2, customer=c.day30, starts_at=jst(2026, 3, 31))
    c.override7 = customer("override7", cadence_days=7)  # 8 days against its own 7
    make_activity(owner=rep1, customer=c.override7, starts_at=jst(2026, 4, 22))
    c.override60 = customer("override60", cadence_days=60)  # 46 days against its own 60
    make_activity(owner=rep1, customer=c.override60, starts_at=jst(2026, 3, 15))
    c.key_a = customer("key_a", is_key=True)  # 20 days against the key cadence 14
    make_activity(owner=rep1, customer=c.key_a, starts_at=jst(2026, 4, 10))
    c.key_b = customer("key_b", segment=seg_b, is_key=True)  # 15 days against the key cadence 20
    make_activity(owner=rep1, customer=c.key_b, starts_at=jst(2026, 4, 15))
    c.normal_b = customer("normal_b", segment=seg_b)  # 15 days against the normal cadence 10
    make_activity(owner=rep1, customer=c.normal_b, starts_at=jst(2026, 4, 15))
    c.no_segment = customer("no_segment", segment=None)  # 31 days against the default 30
    make_activity(owner=rep1, customer=c.no_segment, starts_at=jst(2026, 3, 30))
    c.inactive = customer("inactive", status=Customer.Status.INACTIVE)  # retired: never listed
    c.tz_edge = customer("tz_edge")  # 1 April 00:30 in Tokyo is still 31 March in UTC
    make_activity(owner=rep1, customer=c.tz_edge, starts_at=jst(2026, 4, 1, 0, 30))
    c.overdue = customer("overdue", segment=seg_b, owner=rep2)  # 29 days; its plan for yesterday is overdue
    make_activity(owner=rep2, customer=c.overdue, starts_at=jst(2026, 4, 1))
    make_activity(owner=rep2, customer=c.overdue, starts_at=jst(2026, 4, 29), status="planned")
    c.moved = customer("moved", segment=seg_b, owner=rep_b)  # never contacted; its plan moved to 5 May
    make_activity(
        owner=rep_b,
        customer=c.moved,
        starts_at=jst(2026, 5, 5),
        status="planned",
        moved_from=jst(2026, 4, 20),
    )
    return SimpleNamespace(
        c=c, seg_a=seg_a, seg_b=seg_b, manager=manager, rep1=rep1, rep2=rep2, rep_b=rep_b, team=team_a[0]
    )


def names(result, start=0, stop=100):
    return [row.customer.name for row in result.rows[start:stop]]


def counts(group):
    return (group.uncontacted, group.never_contacted, group.planned, group.unplanned, group.key)


NEVER = ["never", "only_planned", "only_internal", "cancelled", "email", "moved"]
CONTACTED = ["no_segment", "day30", "overdue", "key_a", "normal_b", "override7"]


def test_the_list_and_its_order(world):
    result = uncontacted_customers(user=world.manager, now=NOW)
    assert result.today == datetime.date(2026, 4, 30)
    # never contacted first (by id), then the longest without contact
    assert names(result) == NEVER + CONTACTED
    assert len(result.rows) == 12


def test_groups_and_totals(world):
    result = uncontacted_customers(user=world.manager, now=NOW)
    assert [(group.segment_id, group.name) for group in result.groups] == [
        (world.seg_a.pk, "食品スーパー"),
        (world.seg_b.pk, "ドラッグストア"),
        (None, "No segment"),
    ]
    # uncontacted, never contacted, planned, unplanned, key
    assert [counts(group) for group in result.groups] == [(8, 5, 1, 7, 1), (3, 1, 1, 2, 0), (1, 0, 0, 1, 0)]
    assert counts(result.totals) == (12, 6, 2, 10, 1)
    assert (result.groups[0].cadence_days, result.groups[0].key_cadence_days) == (30, 14)


def test_row_details(world):
    rows = {row.customer.name: row for row in uncontacted_customers(user=world.manager, now=NOW).rows}
    details = {
        name: (row.threshold_days, row.days_since_contact, row.last_contact_by, row.is_planned)
        for name, row in rows.items()
    }
    rep1, rep2 = world.rep1, world.rep2
    assert details == {
        "never": (30, None, None, False),
        "only_planned": (30, None, None, True),
        "only_internal": (30, None, None, False),
        "cancelled": (30, None, None, False),
        "email": (30, None, None, False),
        "moved": (10, None, None, True),
        "no_segment": (30, 31, rep1, False),
        "day30": (30, 30, rep2, False),
        "overdue": (10, 29, rep2, False),
        "key_a": (14, 20, rep1, False),
        "normal_b": (10, 15, rep1, False),
        "override7": (7, 8, rep1, False),
    }
    assert rows["only_planned"].next_planned_at == jst(2026, 5, 2)
    assert rows["moved"].next_planned_at == jst(2026, 5, 5)
    assert rows["moved"].next_planned_activity_id is not None
    assert rows["day30"].last_contact_at == jst(2026, 3, 31)


def test_days_are_counted_in_the_users_time_zone(world):
    """tz_edge was visited at 00:30 on 1 April in Tokyo: 29 days ago there, 30 days ago in UTC."""
    in_utc = UserFactory(username="london", role="manager", time_zone="UTC")
    assert "tz_edge" not in names(uncontacted_customers(user=world.manager, now=NOW))
    result = uncontacted_customers(user=in_utc, now=NOW)
    assert result.today == datetime.date(2026, 4, 30)  # 03:00 UTC
    assert names(result, 6) == ["no_segment", "day30", "tz_edge", "overdue", "key_a", "normal_b", "override7"]
    row = next(row for row in result.rows if row.customer.name == "tz_edge")
    assert row.days_since_contact == 30
    assert result.rows[0:20][6].last_contact_at.astimezone(UTC).date() == datetime.date(2026, 3, 30)


def test_days_overrides_every_threshold(world):
    result = uncontacted_customers(user=world.manager, filters=UncontactedFilter(days=20), now=NOW)
    assert names(result) == [
        *NEVER,
        "override60",
        "no_segment",
        "day30",
        "tz_edge",
        "day29",
        "overdue",
        "key_a",
    ]
    assert {row.threshold_days for row in result.rows} == {20}
    assert counts(result.totals) == (13, 6, 2, 11, 1)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"segment": "seg_b"}, ["moved", "overdue", "normal_b"]),
        ({"owner": "rep2"}, ["overdue"]),  # the owner, not who made the last contact (day30)
        ({"team": "team"}, [name for name in NEVER + CONTACTED if name != "moved"]),
        ({"key_only": True}, ["key_a"]),
        ({"planned": True}, ["only_planned", "moved"]),
        ({"planned": False}, [name for name in NEVER + CONTACTED if name not in {"only_planned", "moved"}]),
        (
            {"segment": "seg_a", "planned": False, "days": 29},
            ["never", "only_internal", "cancelled", "email", "override60", "day30", "tz_edge", "day29"],
        ),
    ],
)
def test_filters(world, filters, expected):
    values = {
        name: (getattr(world, value).pk if isinstance(value, str) else value)
        for name, value in filters.items()
    }
    result = uncontacted_customers(user=world.manager, filters=UncontactedFilter(**values), now=NOW)
    assert names(result) == expected
    assert len(result.rows) == len(expected)


def test_groups_follow_the_filters(world):
    result = uncontacted_customers(
        user=world.manager, filters=UncontactedFilter(segment=world.seg_b.pk), now=NOW
    )
    assert [(group.segment_id, counts(group)) for group in result.groups] == [
        (world.seg_b.pk, (3, 1, 1, 2, 0))
    ]
    result = uncontacted_customers(
        user=world.manager, filters=UncontactedFilter(owner=world.rep2.pk), now=NOW
    )
    assert [counts(group) for group in result.groups] == [(0, 0, 0, 0, 0), (1, 0, 0, 1, 0)]  # no "no segment"
    result = uncontacted_customers(user=world.manager, filters=UncontactedFilter(planned=True), now=NOW)
    assert counts(result.totals) == (12, 6, 2, 10, 1)  # the counts always show both parts


def test_slices_cross_from_never_contacted_to_contacted(world):
    result = uncontacted_customers(user=world.manager, now=NOW)
    assert names(result, 0, 4) == NEVER[:4]
    assert names(result, 4, 8) == NEVER[4:] + CONTACTED[:2]
    assert names(result, 8, 12) == CONTACTED[2:]
    assert names(result, 12, 16) == []
    assert result.rows[6].customer.name == "no_segment"
    planned_off = uncontacted_customers(user=world.manager, filters=UncontactedFilter(planned=False), now=NOW)
    assert names(planned_off, 3, 6) == ["email", "no_segment", "day30"]


def test_the_whole_list_reads_in_chunks(world):
    result = uncontacted_customers(user=world.manager, now=NOW)
    assert [len(chunk) for chunk in result.rows.chunks(size=4)] == [4, 2, 4, 2]
    assert [row.customer.name for row in result.rows] == NEVER + CONTACTED


def test_nothing_to_report(db):
    manager = UserFactory(username="alone", role="manager")
    result = uncontacted_customers(user=manager, now=NOW)
    assert (result.groups, counts(result.totals), list(result.rows)) == ([], (0, 0, 0, 0, 0), [])


def _queries(manager, **filters):
    with CaptureQueriesContext(connection) as captured:
        result = uncontacted_customers(user=manager, filters=UncontactedFilter(**filters), now=NOW)
        rows = result.rows[0:50]
    return len(captured), len(rows)


def test_queries_do_not_grow_with_rows(world):
    # segments, overrides in use, the groups; the never-contacted part, the contacted part, their plans
    assert _queries(world.manager) == (6, 12)
    assert _queries(world.manager, days=20) == (5, 13)  # no overrides to look up
    for index in range(30):
        CustomerFactory(name=f"more{index}", segment=world.seg_a, owner=world.rep1)
        make_activity(
            owner=world.rep1, customer=CustomerFactory(segment=world.seg_b), starts_at=jst(2026, 3, 1)
        )
    assert _queries(world.manager) == (6, 50)


def test_chunks_keep_ties_in_order(world):
    """Two customers contacted at the same instant across a chunk boundary: neither lost nor repeated."""
    twin = CustomerFactory(name="twin", segment=world.seg_a, owner=world.rep1)
    make_activity(owner=world.rep1, customer=twin, starts_at=jst(2026, 3, 31))  # the same start as day30
    result = uncontacted_customers(user=world.manager, now=NOW)
    expected = [*NEVER, "no_segment", "day30", "twin", "overdue", "key_a", "normal_b", "override7"]
    for size in (1, 2, 7):
        assert [row.customer.name for chunk in result.rows.chunks(size=size) for row in chunk] == expected


def test_archived_customers_leave_the_list_and_come_back(world):
    """An archived customer (ADR 0018) is no longer uncontacted; restored, it is again."""
    from totonou.customers.services import customer_archive, customer_restore

    customer_archive(actor=world.rep1, customer=world.c.never)
    result = uncontacted_customers(user=world.manager, now=NOW)
    assert names(result) == [name for name in NEVER if name != "never"] + CONTACTED
    assert counts(result.totals) == (11, 5, 2, 9, 1)
    customer_restore(actor=world.rep1, customer=world.c.never)
    assert names(uncontacted_customers(user=world.manager, now=NOW)) == NEVER + CONTACTED
