"""Each customer's last real contact follows every write path; plans, internal work, cancellations
and edits that are not contacts never move it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, activity_type
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_delete,
    activity_update,
    customers_refresh_last_contact,
)

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


NOW = timezone.now().replace(microsecond=0)


def at(days_ago: float) -> datetime.datetime:
    return NOW - days_ago * DAY


def create(rep, customer, days_ago, *, slug="visit", status="done"):
    start = at(days_ago)
    return activity_create(
        actor=rep,
        type=activity_type(slug),
        customer=customer,
        status=status,
        starts_at=start,
        ends_at=start + HOUR,
    )


def last(customer):
    customer.refresh_from_db()
    return customer.last_contact_at, customer.last_contact_by


def test_a_logged_contact_sets_it_and_the_latest_wins(team_a):
    _, _, (rep1, rep2) = team_a
    customer = CustomerFactory(owner=rep1)
    assert last(customer) == (None, None)
    create(rep1, customer, 10)
    assert last(customer) == (at(10), rep1)
    create(rep2, customer, 3)
    create(rep1, customer, 7)
    assert last(customer) == (at(3), rep2)


def test_plans_internal_work_email_and_cancellations_do_not_count(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    create(rep, customer, 5)
    plan = create(rep, customer, -2, status="planned")
    create(rep, customer, 1, slug="email")
    create(rep, customer, 1, slug="internal")
    activity_cancel(actor=rep, activity=create(rep, customer, -1, status="planned"), reason="先方都合")
    assert last(customer) == (at(5), rep)
    activity_update(actor=rep, activity=plan, notes="edited plan")
    assert last(customer) == (at(5), rep)


def test_completing_a_plan_counts_from_the_plans_start(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    plan = create(rep, customer, 1, status="planned")  # an overdue plan from yesterday
    assert last(customer) == (None, None)
    activity_complete(actor=rep, activity=plan)
    assert last(customer) == (at(1), rep)


def test_editing_moving_and_deleting_a_contact_follow(team_a):
    _, _, (rep, _) = team_a
    first, second = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    older = create(rep, first, 20)
    newer = create(rep, first, 2)
    activity_update(actor=rep, activity=newer, customer=second)
    assert last(first) == (at(20), rep)
    assert last(second) == (at(2), rep)
    activity_update(actor=rep, activity=older, type=activity_type("internal"))
    assert last(first) == (None, None)
    activity_delete(actor=rep, activity=newer)
    assert last(second) == (None, None)


def test_bulk_refresh_repairs_everything(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    create(rep, customer, 4)
    type(customer).objects.update(last_contact_at=None, last_contact_by=None)
    assert customers_refresh_last_contact() >= 1
    assert last(customer) == (at(4), rep)
