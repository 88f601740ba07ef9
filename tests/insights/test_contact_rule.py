""" "Due for contact" is one rule in two forms (``insights/selectors/thresholds.py``): the SQL expression
``uncontacted_q`` and the Python ``contact_status``. Both run here over a grid of customers on the real
database (every threshold source × every contact state) and must give the same answers, which are also
written out by hand; the uncontacted list, My day and the customer page read the same values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db.models import Q
from django.utils import timezone

from tests.factories import CustomerFactory, SegmentFactory
from tests.insights.conftest import JST, jst, make_activity
from totonou.activities.selectors import planned_ahead_q
from totonou.core.bounds import MAX_DAYS
from totonou.customers.models import Customer, Segment
from totonou.insights.selectors.thresholds import (
    Thresholds,
    contact_status,
    thresholds_in_force,
    uncontacted_q,
)
from totonou.insights.selectors.uncontacted import _counts, _counts_in_ranges, uncontacted_customers
from totonou.web.selectors import my_day_key_customers_due

pytestmark = pytest.mark.django_db

NOW = jst(2026, 4, 30, 12)
TODAY = datetime.date(2026, 4, 30)
DEFAULT = 21

#: Where a customer's threshold comes from, and what it is: (cadence override, segment, is_key) ->
#: threshold. Segment "a" has normal 30 / key 14, segment "b" normal 10 / key 20 (a key cadence longer
#: than the normal one).
SOURCES = {
    "override": ((7, "a", False), 7),
    "override_key": ((45, "a", True), 45),
    "segment_key": ((None, "a", True), 14),
    "segment_key_longer": ((None, "b", True), 20),
    "segment_normal": ((None, "a", False), 30),
    "segment_normal_b": ((None, "b", False), 10),
    "default": ((None, None, False), DEFAULT),
    "default_key": ((None, None, True), DEFAULT),
}

#: The contact states, and whether each makes the customer due.
STATES = {
    "never": True,  # never contacted
    "overdue": True,  # last real contact threshold + 3 days ago
    "at_threshold": True,  # exactly threshold days ago: due that day
    "not_yet": False,  # threshold - 1 days ago
    "planned_ahead": True,  # never contacted, a visit planned for tomorrow: a plan is not a contact
    "planned_not_yet": False,  # threshold - 1 days ago, and a visit planned ahead
    "internal_only": True,  # only internal work yesterday: it does not count
    "internal_after_overdue": True,  # overdue, then internal work and an e-mail yesterday
    "cancelled_only": True,  # a visit yesterday, cancelled
    "tz_edge": True,  # threshold days ago at 00:30 in Tokyo (the day before in UTC)
}


@dataclass
class Case:
    customer: Customer
    threshold: int
    due: bool
    days: int | None


def _days_ago(days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    day = TODAY - datetime.timedelta(days=days)
    return jst(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def grid(team_a, settings):
    settings.TOTONOU_DEFAULT_CADENCE_DAYS = DEFAULT
    _, _, (rep, _) = team_a
    segments = {
        "a": SegmentFactory(name="a", cadence_days=30, key_cadence_days=14),
        "b": SegmentFactory(name="b", cadence_days=10, key_cadence_days=20),
    }
    cases: dict[str, Case] = {}
    for source, ((override, segment, is_key), threshold) in SOURCES.items():
        for state, due in STATES.items():
            name = f"{source}/{state}"
            customer = CustomerFactory(
                name=name,
                name_kana=name,
                owner=rep,
                cadence_days=override,
                segment=segments[segment] if segment else None,
                is_key=is_key,
            )
            days: int | None = None
            if state in {"overdue", "internal_after_overdue"}:
                days = threshold + 3
            elif state == "at_threshold":
                days = threshold
            elif state in {"not_yet", "planned_not_yet"}:
                days = threshold - 1
            if days is not None:
                make_activity(owner=rep, customer=customer, starts_at=_days_ago(days))
            if state == "tz_edge":
                days = threshold
                make_activity(owner=rep, customer=customer, starts_at=_days_ago(threshold, 0, 30))
            if state in {"planned_ahead", "planned_not_yet"}:
                make_activity(
                    owner=rep, customer=customer, starts_at=NOW + datetime.timedelta(days=1), status="planned"
                )
            if state in {"internal_only", "internal_after_overdue"}:
                make_activity(owner=rep, customer=customer, starts_at=_days_ago(1), slug="internal")
            if state == "internal_after_overdue":
                make_activity(owner=rep, customer=customer, starts_at=_days_ago(1), slug="email")
            if state == "cancelled_only":
                make_activity(owner=rep, customer=customer, starts_at=_days_ago(1), status="cancelled")
            customer.refresh_from_db()
            cases[name] = Case(customer, threshold, due, days)
    return cases


def test_the_sql_expression_and_contact_status_agree_on_every_case(grid):
    assert len(grid) == len(SOURCES) * len(STATES) == 80
    thresholds = thresholds_in_force()
    in_sql = set(
        Customer.objects.filter(
            uncontacted_q(thresholds=thresholds, days=None, today=TODAY, zone=JST)
        ).values_list("name", flat=True)
    )
    in_python = set()
    for name, case in grid.items():
        status = contact_status(case.customer, thresholds=thresholds, today=TODAY, zone=JST)
        assert (status.threshold_days, status.days_since_contact) == (case.threshold, case.days), name
        if status.is_due:
            in_python.add(name)
    expected = {name for name, case in grid.items() if case.due}
    assert in_sql == in_python == expected
    assert len(expected) == 8 * 8


def test_with_a_number_of_days_both_forms_use_it_for_every_customer(grid):
    thresholds = thresholds_in_force()
    in_sql = set(
        Customer.objects.filter(uncontacted_q(thresholds=None, days=25, today=TODAY, zone=JST)).values_list(
            "name", flat=True
        )
    )
    in_python = {
        name
        for name, case in grid.items()
        if contact_status(case.customer, thresholds=thresholds, today=TODAY, zone=JST, days=25).is_due
    }
    expected = {name for name, case in grid.items() if case.days is None or case.days >= 25}
    assert in_sql == in_python == expected
    assert "override/overdue" not in expected  # 10 days ago: within 25
    assert "override_key/overdue" in expected  # 48 days ago


def test_the_pages_read_the_same_answers(grid, team_a, settings):
    """The uncontacted list (its rows), My day's key customers and ``contact_status`` with the
    thresholds a page builds from the customer's own segment (no query for the overrides)."""
    _, _, (rep, _) = team_a
    timezone.activate(JST)
    try:
        result = uncontacted_customers(user=rep, now=NOW)
        listed = {row.customer.name: row for row in result.rows}
        assert set(listed) == {name for name, case in grid.items() if case.due}
        for name, row in listed.items():
            assert (row.threshold_days, row.days_since_contact) == (grid[name].threshold, grid[name].days)
            assert row.is_planned == name.endswith("/planned_ahead")
        assert result.totals.planned == len(SOURCES)

        segment_only = {}
        for name, case in grid.items():
            segment = case.customer.segment
            thresholds = Thresholds.of_segments(
                {segment.pk: (segment.cadence_days, segment.key_cadence_days)} if segment else {}
            )
            segment_only[name] = contact_status(case.customer, thresholds=thresholds, today=TODAY, zone=JST)
        assert {name for name, status in segment_only.items() if status.is_due} == set(listed)

        key_due, total = my_day_key_customers_due(user=rep, member=rep, today=TODAY, limit=100)
        expected_key = {name for name, case in grid.items() if case.due and case.customer.is_key}
        assert {item.customer.name for item in key_due} == expected_key
        assert total == len(expected_key) == 4 * 8
        for item in key_due:
            case = grid[item.customer.name]
            assert (item.threshold_days, item.days_since_contact) == (case.threshold, case.days)
    finally:
        timezone.deactivate()


def test_stored_cadences_beyond_the_bound_are_read_as_the_bound_in_both_forms(team_a):
    """An old row may hold a cadence of a million days (the inputs stop at ``MAX_DAYS`` now): both forms
    read it as ``MAX_DAYS``, agree, and neither overflows."""
    _, _, (rep, _) = team_a
    huge = SegmentFactory(name="huge", cadence_days=30, key_cadence_days=14)
    Segment.objects.filter(pk=huge.pk).update(cadence_days=1_000_000, key_cadence_days=1_000_000)
    contacts = {"never": None, "3649": 3649, "3650": 3650, "5000": 5000}
    customers = {}
    for source in ("override", "segment", "segment_key"):
        for label, days in contacts.items():
            name = f"{source}/{label}"
            customer = CustomerFactory(
                name=name, name_kana=name, owner=rep, segment=huge, is_key=source == "segment_key"
            )
            if source == "override":
                Customer.objects.filter(pk=customer.pk).update(cadence_days=1_000_000)
            if days is not None:
                make_activity(owner=rep, customer=customer, starts_at=_days_ago(days))
            customers[name] = Customer.objects.get(pk=customer.pk)
    by_rule, in_parts = _counts_both_ways(rep)
    assert in_parts == by_rule
    assert by_rule[huge.pk]["uncontacted"] == 9
    thresholds = thresholds_in_force()
    assert thresholds.longest == MAX_DAYS
    in_sql = set(
        Customer.objects.filter(
            uncontacted_q(thresholds=thresholds, days=None, today=TODAY, zone=JST)
        ).values_list("name", flat=True)
    )
    statuses = {
        name: contact_status(customer, thresholds=thresholds, today=TODAY, zone=JST)
        for name, customer in customers.items()
    }
    assert {status.threshold_days for status in statuses.values()} == {MAX_DAYS}
    in_python = {name for name, status in statuses.items() if status.is_due}
    expected = {
        f"{source}/{label}"
        for source in ("override", "segment", "segment_key")
        for label in ("never", "3650", "5000")
    }
    assert in_sql == in_python == expected


def _counts_both_ways(user):
    """The uncontacted counts per segment of ``user``'s customers, by the rule's CASE (``_counts``) and
    read part by part (``_counts_in_ranges``, SQLite's way)."""
    scope = Customer.objects.visible_to(user).active().exclude(status=Customer.Status.INACTIVE)
    thresholds = thresholds_in_force(customers=scope)
    planned = planned_ahead_q(NOW)
    by_rule = _counts(
        scope.filter(uncontacted_q(thresholds=thresholds, days=None, today=TODAY, zone=JST)),
        planned=planned,
        never=Q(last_contact_at__isnull=True),
    )
    in_parts = _counts_in_ranges(scope, thresholds=thresholds, today=TODAY, zone=JST, planned=planned)
    return by_rule, {segment: counts for segment, counts in in_parts.items() if counts["uncontacted"]}


def test_the_counts_read_part_by_part_are_the_counts_of_the_rule(grid, team_a):
    """Every threshold source, every contact state, a prospect, and customers left out (inactive,
    archived): the same numbers per segment both ways, and the numbers written out by hand."""
    _, _, (rep, _) = team_a
    segment_a = Segment.objects.get(name="a")
    CustomerFactory(name="prospect", owner=rep, segment=segment_a, status=Customer.Status.PROSPECT)
    CustomerFactory(name="inactive", owner=rep, segment=segment_a, status=Customer.Status.INACTIVE)
    CustomerFactory(name="archived", owner=rep, segment=segment_a, archived_at=NOW)
    by_rule, in_parts = _counts_both_ways(rep)
    assert in_parts == by_rule
    segment_b = Segment.objects.get(name="b")
    # Per source 8 states due, 4 of them never contacted, 1 never contacted with a plan ahead. Segment a:
    # override, override_key, segment_key, segment_normal and the prospect; b: two sources; none: two.
    assert by_rule == {
        segment_a.pk: {"uncontacted": 33, "never_contacted": 17, "planned": 4, "never_planned": 4, "key": 16},
        segment_b.pk: {"uncontacted": 16, "never_contacted": 8, "planned": 2, "never_planned": 2, "key": 8},
        None: {"uncontacted": 16, "never_contacted": 8, "planned": 2, "never_planned": 2, "key": 8},
    }
