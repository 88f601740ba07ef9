"""``totonou rebuild`` makes every derived field and index true again after rows were written outside the
services (a bulk load, a restore): last contacts, key flags on activities, the search index."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, activity_type
from totonou.activities.models import Activity, ActivityDayCount
from totonou.activities.rebuild import activity_day_counts
from totonou.activities.services import activity_create
from totonou.customers.models import Customer
from totonou.deals.models import Deal, StageChange
from totonou.search.models import Document as SearchDocument

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
NOW = timezone.now().replace(microsecond=0)


def _activity(rep, customer, days_ago, *, slug="visit", status="done", subject="", deal=None):
    start = NOW - datetime.timedelta(days=days_ago)
    return activity_create(
        actor=rep,
        type=activity_type(slug),
        customer=customer,
        deal=deal,
        status=status,
        starts_at=start,
        ends_at=start + HOUR,
        subject=subject,
    )


def _stale_key_flags(key: Customer, plain: Customer) -> int:
    """Make the activities' key flags wrong the way a restore does, and return how many are wrong.

    The triggers of ADR 0011 fix the flag on every write, so only a load with triggers off leaves it
    stale: PostgreSQL's ``pg_restore --disable-triggers`` (``session_replication_role = replica``).
    SQLite has no such switch; there the triggers keep the flags right and the rebuild finds nothing."""
    if connection.vendor != "postgresql":
        Activity.objects.filter(customer=key).update(is_key_customer=False)
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            changed = Activity.objects.filter(customer=key).update(is_key_customer=False)
            changed += Activity.objects.filter(customer=plain).update(is_key_customer=True)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert set(Activity.objects.values_list("customer_id", "is_key_customer").distinct()) == {
        (key.pk, False),
        (plain.pk, True),
    }
    return changed


def _stale_deal_owners(deal: Deal, owner_id: int) -> int:
    """Make the deal's stage changes hold another owner, as a load with triggers off does (see
    ``_stale_key_flags``; on SQLite the triggers correct them at once), and return how many are wrong."""
    if connection.vendor != "postgresql":
        StageChange.objects.filter(deal=deal).update(deal_owner_id=owner_id)
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            changed = StageChange.objects.filter(deal=deal).update(deal_owner_id=owner_id)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert set(StageChange.objects.filter(deal=deal).values_list("deal_owner_id", flat=True)) == {owner_id}
    return changed


def test_rebuild_restores_what_a_bulk_load_left_behind(team_a):
    _, _, (rep1, rep2) = team_a
    key = CustomerFactory(owner=rep1, is_key=True, name="重点商事")
    plain = CustomerFactory(owner=rep2, name="普通物産")
    never = CustomerFactory(owner=rep2, name="未接触工業")
    _activity(rep1, key, 9)
    _activity(rep2, key, 4)
    _activity(rep1, key, 2, slug="internal")  # not a contact: never the last contact
    _activity(rep2, plain, 6, subject="リプレース提案")
    deal = DealFactory(customer=plain, owner=rep2)
    idle = DealFactory(customer=plain, owner=rep2)
    _activity(rep2, plain, 8, deal=deal)
    _activity(rep1, plain, -3, status="planned")  # a plan ahead: not a contact
    expected_contacts = {
        key.pk: (NOW - datetime.timedelta(days=4), rep2.pk),
        plain.pk: (NOW - datetime.timedelta(days=6), rep2.pk),
        never.pk: (None, None),
    }
    # Every record is indexed after a rebuild, including the customers made by the factory (a bulk load).
    expected_documents = {("customer", pk) for pk in (key.pk, plain.pk, never.pk)} | {
        ("activity", pk) for pk in Activity.objects.values_list("pk", flat=True)
    }
    expected_documents |= {("deal", deal.pk), ("deal", idle.pk)}
    assert len(expected_documents) == 11

    expected_counts = activity_day_counts()  # while the key flags are right
    assert sum(done for done, _key in expected_counts.values()) == 5

    # What a load outside the services leaves: stale derived columns and an empty index.
    Customer.objects.update(last_contact_at=NOW, last_contact_by=rep1)
    stale_flags = _stale_key_flags(key, plain)
    StageChange.objects.create(deal=deal, to_stage=deal.stage, changed_at=NOW - datetime.timedelta(days=9))
    StageChange.objects.create(deal=deal, to_stage=deal.stage, changed_at=NOW - datetime.timedelta(days=7))
    stale_owners = _stale_deal_owners(deal, rep1.pk)
    SearchDocument.objects.all().delete()
    Deal.objects.update(last_activity_at=NOW)
    ActivityDayCount.objects.all().delete()  # a restore without the table's rows
    Customer.objects.update(last_planned_contact_at=NOW)  # a load with the triggers off

    out = io.StringIO()
    call_command("rebuild", stdout=out)

    contacts = {
        pk: (at, by)
        for pk, at, by in Customer.objects.values_list("pk", "last_contact_at", "last_contact_by")
    }
    assert contacts == expected_contacts
    assert dict(Customer.objects.values_list("pk", "last_planned_contact_at")) == {
        key.pk: None,
        plain.pk: NOW + datetime.timedelta(days=3),
        never.pk: None,
    }
    flags = set(Activity.objects.values_list("customer_id", "is_key_customer").distinct())
    assert flags == {(key.pk, True), (plain.pk, False)}
    assert set(SearchDocument.objects.values_list("kind", "object_id")) == expected_documents
    assert dict(Deal.objects.values_list("pk", "last_activity_at")) == {
        deal.pk: NOW - datetime.timedelta(days=8),
        idle.pk: None,
    }
    counts = {
        (owner, day.isoformat(), kind): (done, key_done)
        for owner, day, kind, done, key_done in ActivityDayCount.objects.values_list(
            "owner_id", "day", "type_id", "done", "key_done"
        )
    }
    assert counts == expected_counts
    assert set(StageChange.objects.values_list("deal_id", "deal_owner_id")) == {(deal.pk, rep2.pk)}
    assert stale_owners == (2 if connection.vendor == "postgresql" else 0)
    assert sorted(key_done for _done, key_done in counts.values()) == [0, 0, 1, 1, 1]
    assert (
        f"Rebuilt: 3 customers' last contacts, 2 deals' last activities, {stale_flags} key flags "
        f"corrected, {stale_owners} stage changes' deal owners corrected, 5 daily activity counts, "
        "1 customers with a planned contact, 11 search documents" in out.getvalue()
    )
    assert [hit for hit in SearchDocument.objects.filter(title__contains="リプレース")]  # the text is back


def test_rebuild_on_consistent_data_changes_nothing(team_a):
    _, _, (rep1, _) = team_a
    customer = CustomerFactory(owner=rep1, is_key=True)
    _activity(rep1, customer, 1)
    call_command("rebuild", stdout=io.StringIO())
    before = list(Customer.objects.values_list("pk", "last_contact_at", "last_contact_by"))
    documents = list(
        SearchDocument.objects.order_by("id").values_list("id", "kind", "object_id", "title", "body")
    )
    out = io.StringIO()
    call_command("rebuild", stdout=out)
    assert list(Customer.objects.values_list("pk", "last_contact_at", "last_contact_by")) == before
    assert list(
        SearchDocument.objects.order_by("id").values_list("id", "kind", "object_id", "title", "body")
    ) == (documents)
    assert (
        "0 key flags corrected, 0 stage changes' deal owners corrected, 1 daily activity counts, "
        "0 customers with a planned contact, 2 search documents" in out.getvalue()
    )
