"""``Customer.last_planned_contact_at`` (ADR 0042): the database triggers keep it equal to the rule computed
from the plans (``latest_planned_contacts``, the ORM's ``planned_contacts``) and to the plans read here in
Python, through every kind of write; "planned ahead" read from it (``planned_ahead_q``) is the plans ahead
themselves; and the rebuild restores it after a load that bypassed the triggers."""

from __future__ import annotations

import datetime

from django.db import connection

from tests.factories import CustomerFactory
from tests.insights.conftest import make_activity
from totonou.activities.models import Activity, ActivityType
from totonou.activities.rebuild import derived_data_rebuild, latest_planned_contacts, planned_contacts_rebuild
from totonou.activities.selectors import planned_ahead_q, planned_contacts_ahead
from totonou.customers.models import Customer
from totonou.portfolio.services import customer_merge

UTC = datetime.UTC


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def stored() -> dict[int, datetime.datetime]:
    return dict(
        Customer.objects.filter(last_planned_contact_at__isnull=False).values_list(
            "pk", "last_planned_contact_at"
        )
    )


def expected() -> dict[int, datetime.datetime]:
    """Read here from the plans, independent of the triggers and of the ORM rule."""
    latest: dict[int, datetime.datetime] = {}
    for activity in Activity.objects.select_related("type"):
        if activity.status == "planned" and activity.customer_id and activity.type.counts_as_contact:
            latest[activity.customer_id] = max(
                activity.starts_at, latest.get(activity.customer_id, activity.starts_at)
            )
    return latest


def test_the_triggers_follow_every_kind_of_write(team_a, admin_user):
    _team, _manager, (rep1, rep2) = team_a
    one = CustomerFactory(owner=rep1)
    two = CustomerFactory(owner=rep2)
    early = make_activity(owner=rep1, customer=one, starts_at=utc(2026, 5, 3, 9), status="planned")
    late = make_activity(
        owner=rep1, customer=one, starts_at=utc(2026, 5, 9, 9), status="planned", slug="call"
    )
    make_activity(owner=rep1, customer=two, starts_at=utc(2026, 5, 20, 9), status="planned", slug="internal")
    make_activity(owner=rep1, customer=None, starts_at=utc(2026, 5, 21, 9), status="planned")
    done = make_activity(owner=rep2, customer=two, starts_at=utc(2026, 5, 1, 9))
    internal = ActivityType.objects.get(slug="internal")
    added: list[Activity] = []
    steps = [
        ("insert", lambda: None, {one.pk: utc(2026, 5, 9, 9)}),
        (
            "an earlier plan added",
            lambda: added.append(
                make_activity(owner=rep2, customer=one, starts_at=utc(2026, 5, 4, 9), status="planned")
            ),
            {one.pk: utc(2026, 5, 9, 9)},
        ),
        ("and deleted", lambda: added.pop().delete(), {one.pk: utc(2026, 5, 9, 9)}),
        (
            "the latest moved later",
            lambda: Activity.objects.filter(pk=late.pk).update(
                starts_at=utc(2026, 5, 12, 9), ends_at=utc(2026, 5, 12, 10)
            ),
            {one.pk: utc(2026, 5, 12, 9)},
        ),
        (
            "the latest done",
            lambda: Activity.objects.filter(pk=late.pk).update(
                status="done", completed_at=utc(2026, 5, 12, 10)
            ),
            {one.pk: utc(2026, 5, 3, 9)},
        ),
        (
            "a result planned again",
            lambda: Activity.objects.filter(pk=done.pk).update(status="planned", completed_at=None),
            {one.pk: utc(2026, 5, 3, 9), two.pk: utc(2026, 5, 1, 9)},
        ),
        (
            "moved to another customer",
            lambda: Activity.objects.filter(pk=early.pk).update(customer=two),
            {two.pk: utc(2026, 5, 3, 9)},
        ),
        (
            "a type that is no contact",
            lambda: Activity.objects.filter(pk=early.pk).update(type=internal),
            {two.pk: utc(2026, 5, 1, 9)},
        ),
        (
            "the type counts as contact",
            lambda: ActivityType.objects.filter(pk=internal.pk).update(counts_as_contact=True),
            {two.pk: utc(2026, 5, 20, 9)},
        ),
        (
            "and no longer",
            lambda: ActivityType.objects.filter(pk=internal.pk).update(counts_as_contact=False),
            {two.pk: utc(2026, 5, 1, 9)},
        ),
        (
            "reassigned",
            lambda: Activity.objects.filter(owner=rep1).update(owner=rep2),
            {two.pk: utc(2026, 5, 1, 9)},
        ),
        (
            "cancelled",
            lambda: Activity.objects.filter(pk=done.pk).update(
                status="cancelled", cancelled_at=utc(2026, 4, 30), cancel_reason="先方都合"
            ),
            {},
        ),
        (
            "cancelled planned again, no customer",
            lambda: Activity.objects.filter(pk=done.pk).update(
                status="planned", cancelled_at=None, cancel_reason="", customer=None
            ),
            {},
        ),
        (
            "a customer again",
            lambda: Activity.objects.filter(pk=done.pk).update(customer=one),
            {one.pk: utc(2026, 5, 1, 9)},
        ),
        ("saved unchanged", lambda: Activity.objects.get(pk=done.pk).save(), {one.pk: utc(2026, 5, 1, 9)}),
        ("deleted", lambda: Activity.objects.filter(pk=done.pk).delete(), {}),
    ]
    for name, write, wanted in steps:
        write()
        assert stored() == wanted == expected() == latest_planned_contacts(), name


def test_a_merge_moves_the_plans_and_the_latest_with_them(team_a, admin_user):
    _team, _manager, (rep1, _rep2) = team_a
    survivor = CustomerFactory(owner=rep1, name="存続商事")
    duplicate = CustomerFactory(owner=rep1, name="重複商事")
    make_activity(owner=rep1, customer=survivor, starts_at=utc(2026, 5, 3, 9), status="planned")
    make_activity(owner=rep1, customer=duplicate, starts_at=utc(2026, 5, 8, 9), status="planned")
    assert stored() == {survivor.pk: utc(2026, 5, 3, 9), duplicate.pk: utc(2026, 5, 8, 9)}
    customer_merge(actor=admin_user, survivor=survivor, duplicate=duplicate)
    assert stored() == {survivor.pk: utc(2026, 5, 8, 9)} == expected()


def test_planned_ahead_from_the_column_is_the_plans_ahead(team_a):
    _team, _manager, (rep1, _rep2) = team_a
    now = utc(2026, 5, 10, 12)
    customers = [CustomerFactory(owner=rep1) for _ in range(5)]
    make_activity(owner=rep1, customer=customers[0], starts_at=now, status="planned")  # starts now: ahead
    make_activity(
        owner=rep1, customer=customers[1], starts_at=now - datetime.timedelta(seconds=1), status="planned"
    )
    make_activity(
        owner=rep1, customer=customers[2], starts_at=now + datetime.timedelta(days=3), status="planned"
    )
    make_activity(
        owner=rep1, customer=customers[2], starts_at=now - datetime.timedelta(days=3), status="planned"
    )
    make_activity(
        owner=rep1,
        customer=customers[3],
        starts_at=now + datetime.timedelta(days=1),
        slug="internal",
        status="planned",
    )
    make_activity(owner=rep1, customer=customers[4], starts_at=now + datetime.timedelta(days=1))  # done
    from_column = set(Customer.objects.filter(planned_ahead_q(now)).values_list("pk", flat=True))
    from_plans = set(planned_contacts_ahead(now).values_list("customer_id", flat=True))
    assert from_column == from_plans == {customers[0].pk, customers[2].pk}
    assert set(Customer.objects.exclude(planned_ahead_q(now)).values_list("pk", flat=True)) == {
        customers[1].pk,
        customers[3].pk,
        customers[4].pk,
    }


def test_the_rebuild_restores_what_a_load_without_triggers_left(team_a):
    _team, _manager, (rep1, _rep2) = team_a
    one, two, three = (CustomerFactory(owner=rep1) for _ in range(3))
    make_activity(owner=rep1, customer=one, starts_at=utc(2026, 6, 1, 3), status="planned")
    make_activity(owner=rep1, customer=one, starts_at=utc(2026, 6, 4, 3), status="planned")
    make_activity(owner=rep1, customer=two, starts_at=utc(2026, 6, 2, 3))
    wanted = {one.pk: utc(2026, 6, 4, 3)}
    assert stored() == wanted
    with connection.cursor() as cursor:  # stale values, as rows loaded with the triggers off leave them
        cursor.execute(
            "UPDATE customers_customer SET last_planned_contact_at = %s WHERE id IN (%s, %s)",
            [utc(2026, 1, 1), two.pk, three.pk],
        )
        cursor.execute("UPDATE customers_customer SET last_planned_contact_at = NULL WHERE id = %s", [one.pk])
    assert stored() == {two.pk: utc(2026, 1, 1), three.pk: utc(2026, 1, 1)}
    assert planned_contacts_rebuild() == 1
    assert stored() == wanted
    Customer.objects.update(last_planned_contact_at=None)
    assert derived_data_rebuild()["customers_with_plans"] == 1
    assert stored() == wanted
