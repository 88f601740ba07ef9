"""``Activity.is_key_customer`` is kept by the database from the customer's key flag, whatever writes the
rows (ADR 0011): services, plain ORM inserts like the seed writer's, and a customer's flag changing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.factories import CustomerFactory, activity_type
from totonou.activities.models import Activity
from totonou.activities.services import activity_create, activity_update
from totonou.customers.services import customer_update


def stored(*activities: Activity) -> list[bool]:
    flags = dict(Activity.objects.values_list("pk", "is_key_customer"))
    return [flags[activity.pk] for activity in activities]


def plain_row(customer, owner) -> Activity:
    """An insert that names no flag at all, as a bulk writer would."""
    start = timezone.now() + datetime.timedelta(days=1)
    (activity,) = Activity.objects.bulk_create(
        [
            Activity(
                owner=owner,
                type=activity_type(),
                customer=customer,
                status="planned",
                starts_at=start,
                ends_at=start,
                planned_at=start,
                original_starts_at=start,
            )
        ]
    )
    return activity


def test_inserts_take_the_flag_from_the_customer(team_a):
    rep = team_a[2][0]
    key = CustomerFactory(owner=rep, is_key=True)
    plain = CustomerFactory(owner=rep, is_key=False)
    assert stored(plain_row(key, rep), plain_row(plain, rep), plain_row(None, rep)) == [
        True,
        False,
        False,
    ]


def test_the_service_returns_the_flag_the_database_keeps(team_a):
    rep = team_a[2][0]
    key = CustomerFactory(owner=rep, is_key=True)
    start = timezone.now() + datetime.timedelta(days=1)
    activity = activity_create(actor=rep, type=activity_type(), customer=key, starts_at=start, ends_at=start)
    assert activity.is_key_customer is True
    assert stored(activity) == [True]


def test_moving_an_activity_to_another_customer_moves_the_flag(team_a):
    rep = team_a[2][0]
    key = CustomerFactory(owner=rep, is_key=True)
    plain = CustomerFactory(owner=rep, is_key=False)
    activity = plain_row(plain, rep)
    activity = activity_update(actor=rep, activity=activity, customer=key)
    assert activity.is_key_customer is True
    assert stored(activity) == [True]
    activity = activity_update(actor=rep, activity=activity, customer=plain)
    assert activity.is_key_customer is False
    assert stored(activity) == [False]


def test_a_customer_becoming_key_marks_all_its_activities_and_no_others(team_a):
    rep = team_a[2][0]
    customer = CustomerFactory(owner=rep, is_key=False)
    other = CustomerFactory(owner=rep, is_key=False)
    first, second, elsewhere = (
        plain_row(customer, rep),
        plain_row(customer, rep),
        plain_row(other, rep),
    )
    customer_update(actor=rep, customer=customer, is_key=True)
    assert stored(first, second, elsewhere) == [True, True, False]
    customer_update(actor=rep, customer=customer, is_key=False)
    assert stored(first, second, elsewhere) == [False, False, False]


def test_an_update_cannot_set_the_flag_against_the_customer(team_a):
    rep = team_a[2][0]
    plain = CustomerFactory(owner=rep, is_key=False)
    activity = plain_row(plain, rep)
    Activity.objects.filter(pk=activity.pk).update(is_key_customer=True)
    assert stored(activity) == [False]
