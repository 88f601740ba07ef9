"""Batched imports (ADR 0026): a batch's new customers and activities are written through
``customers_create_many`` / ``activities_create_many``, and end exactly as the row-by-row path through
``customer_create`` / ``activity_create`` ends them — records, audit trail, feed items, search documents,
derived fields and the report — with a number of queries per 500-row batch that does not grow with the
rows, and no chat message per imported activity."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, SegmentFactory, UserFactory, activity_type
from totonou.activities.models import Activity, ActivityEvent
from totonou.activities.services import activity_create
from totonou.core.models import AuditEntry
from totonou.customers.models import Customer
from totonou.deals.models import Deal
from totonou.imports import engine
from totonou.imports.engine import Options
from totonou.notifications.models import Channel, Delivery, Event, Notification
from totonou.search.models import Document
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run(actor: User, data: bytes, kind: str, **kwargs: Any) -> engine.Report:
    return engine.run(
        actor=actor, stream=io.BytesIO(data), filename="f.csv", options=Options(kind=kind), **kwargs
    )


@pytest.fixture
def people(db) -> tuple[User, User]:
    admin = UserFactory(username="admin", role=User.Role.ADMIN, display_name="管理者")
    sato = UserFactory(username="sato", display_name="佐藤 花子", email="sato@example.jp")
    return admin, sato


def _day(days: int, hour: int = 10) -> str:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%d %H:%M")


def mixed_files(admin: User, sato: User) -> tuple[bytes, bytes]:
    """Existing records, and a customers file and an activities file that create, update, leave
    unchanged and fail rows of every kind the engine reports."""
    manufacturing = SegmentFactory(name="製造業")
    alpha = CustomerFactory(external_id="C-1", name="Alpha", phone="03-1111-1111", owner=sato)
    CustomerFactory(external_id="C-2", name="Beta", phone="03-2222-2222", owner=sato)
    DealFactory(external_id="D-1", customer=alpha, owner=sato)
    other = CustomerFactory(external_id="C-9", name="Other", owner=sato)
    DealFactory(external_id="D-9", customer=other, owner=sato)
    visit = activity_type("visit")
    start = (timezone.now() - datetime.timedelta(days=30)).replace(second=0, microsecond=0)
    activity_create(
        actor=sato,
        type=visit,
        customer=alpha,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status="done",
        subject="Old visit",
        external_id="A-1",
    )
    activity_create(
        actor=sato,
        type=visit,
        customer=alpha,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status="done",
        subject="To change",
        external_id="A-2",
    )
    assert manufacturing.pk
    customers = csv_bytes(
        [
            [
                "external_id",
                "name",
                "owner",
                "segment",
                "is_key",
                "cadence_days",
                "phone",
                "website",
                "status",
            ],
            ["C-1", "Alpha", "sato", "", "", "", "03-1111-1111", "", ""],  # unchanged
            ["C-2", "Beta", "sato", "", "", "", "03-2222-0000", "", ""],  # updated
            ["C-3", "Gamma", "sato", "製造業", "○", "", "", "https://gamma.example.jp", ""],
            ["C-4", "株式会社デルタ", "admin", "製造業", "", "30", "", "", "prospect"],
            ["C-5", "=HYPERLINK(1)", "sato", "", "", "", "", "", ""],  # a formula
            ["C-6", "", "sato", "", "", "", "", "", ""],  # no name
            ["C-3", "Gamma again", "sato", "", "", "", "", "", ""],  # duplicate id in the file
            ["C-7", "Epsilon", "sato", "", "", "", "", "not a url", ""],  # invalid website
            ["C-8", "Zeta", "nobody", "", "", "", "", "", ""],  # no such owner
            ["C-10", "Eta", "sato", "", "", "0", "", "", ""],  # cadence below 1
            ["", "No id Ltd", "sato", "", "", "", "", "", ""],  # created, no external id
            ["C-11", "Theta", "sato", "", "", "", "", "", "closed"],  # not a status
            ["C-12", "Iota", "sato", "未知", "", "", "", "", ""],  # unknown segment
        ]
    )
    activities = csv_bytes(
        [
            ["external_id", "type", "customer", "deal", "owner", "starts_at", "status", "subject", "notes"],
            ["A-1", "visit", "C-1", "", "sato", "", "", "Old visit", ""],  # unchanged (start below)
            ["A-2", "visit", "Alpha", "", "sato", "", "", "Changed", ""],  # updated, by name
            ["A-3", "visit", "C-1", "D-1", "sato", _day(-2), "done", "Visit with deal", "ok"],
            ["A-4", "call", "C-4", "", "admin", _day(3), "planned", "Plan", ""],
            ["A-5", "visit", "C-2", "", "sato", _day(2), "done", "Future result", ""],  # fails
            ["A-6", "visit", "C-404", "", "sato", _day(-1), "done", "No customer", ""],  # fails
            ["A-7", "visit", "C-2", "D-9", "sato", _day(-1), "done", "Wrong deal", ""],  # fails
            ["A-8", "visit", "C-3", "", "sato", _day(-3), "done", "Key visit", "thanks @sato"],
            ["A-9", "visit", "C-3", "", "sato", _day(-1), "cancelled", "Cancelled", ""],  # fails
            ["A-10", "visit", "株式会社デルタ", "", "sato", _day(-4), "done", "By folded name", ""],
            ["A-3", "visit", "C-1", "", "sato", _day(-2), "done", "Duplicate", ""],  # fails
            ["", "call", "C-2", "", "sato", _day(-5), "done", "No id", ""],
            ["A-11", "visit", "C-1", "D-404", "sato", _day(-1), "done", "No deal", ""],  # fails
        ]
    )
    # keep their start: the file gives the one they have
    when = timezone.localtime(start).strftime("%Y-%m-%d %H:%M:%S")
    activities = activities.replace(b"sato,,,Old visit", f"sato,{when},,Old visit".encode())
    activities = activities.replace(b"sato,,,Changed", f"sato,{when},,Changed".encode())
    return customers, activities


def _user(pk: int | None) -> str | None:
    return User.objects.get(pk=pk).username if pk else None


def state() -> dict[str, Any]:
    """Every record an import writes, by natural key, without the ids and the moments of writing."""
    customers = {}
    for customer in Customer.objects.order_by("name"):
        values = {
            field.name: getattr(customer, field.attname)
            for field in Customer._meta.concrete_fields
            if field.name not in {"id", "created_at", "updated_at", "owner", "segment", "last_contact_by"}
        }
        values.update(
            owner=customer.owner.username,
            segment=customer.segment.name if customer.segment else None,
            last_contact_by=_user(customer.last_contact_by_id),
        )
        customers[customer.external_id or customer.name] = values
    activities = {}
    for activity in Activity.objects.select_related("customer", "deal", "type", "owner").order_by("subject"):
        values = {
            field.name: getattr(activity, field.attname)
            for field in Activity._meta.concrete_fields
            if field.name
            not in {"id", "created_at", "updated_at", "planned_at", "completed_at", "owner", "type"}
            | {"customer", "deal", "reviewed_by"}
        }
        values.update(
            owner=activity.owner.username,
            type=activity.type.slug,
            customer=activity.customer.external_id if activity.customer else None,
            deal=activity.deal.external_id if activity.deal else None,
            planned=activity.planned_at is not None,
            completed=activity.completed_at is not None,
            events=sorted((event.kind, _user(event.actor_id)) for event in activity.events.all()),
        )
        activities[activity.external_id or activity.subject] = values
    names = {
        ("customer", pk): key for key, pk in ((c.external_id or c.name, c.pk) for c in Customer.objects.all())
    }
    names |= {("activity", a.pk): a.external_id or a.subject for a in Activity.objects.all()}
    audit = sorted(
        (
            entry.content_type.model,
            names.get((entry.content_type.model, entry.object_id), entry.object_id),
            entry.object_repr,
            entry.action,
            _user(entry.actor_id),
            sorted(
                (name, str(names.get(("customer", change), change) if name == "customer" else change))
                for name, change in entry.changes.items()
            ),
        )
        for entry in AuditEntry.objects.select_related("content_type")
        if entry.content_type.model in {"customer", "activity"}
    )
    documents = sorted(
        (
            document.kind,
            names.get((document.kind, document.object_id)),
            document.title,
            document.body,
            document.date if document.kind == "activity" else "dated when created",
            document.owner_id,
            names.get(("customer", document.customer_id)),
        )
        for document in Document.objects.filter(kind__in=["customer", "activity"])
    )
    deals = {deal.external_id: deal.last_activity_at for deal in Deal.objects.all()}
    mentions = sorted(
        (n.recipient.username, n.kind, n.link.split("/")[1]) for n in Notification.objects.all()
    )
    return {
        "customers": customers,
        "activities": activities,
        "audit": audit,
        "documents": documents,
        "deals": deals,
        "mentions": mentions,
    }


def import_both(admin: User, customers: bytes, activities: bytes, **kwargs: Any) -> tuple[Any, ...]:
    """Import both files and read what they wrote, then roll it all back."""
    with transaction.atomic():
        first = run(admin, customers, "customers", **kwargs)
        second = run(admin, activities, "activities", **kwargs)
        result = (
            state(),
            first.counts,
            [row.as_dict() for row in first.rows],
            second.counts,
            [row.as_dict() for row in second.rows],
        )
        transaction.set_rollback(True)
    return result


def test_batches_end_exactly_like_row_by_row(people):
    admin, sato = people
    customers, activities = mixed_files(admin, sato)

    by_row = import_both(admin, customers, activities, row_by_row=True)
    batched = import_both(admin, customers, activities)

    assert batched[1] == by_row[1] == {"created": 3, "updated": 1, "unchanged": 1, "failed": 8}
    assert batched[3] == by_row[3] == {"created": 5, "updated": 1, "unchanged": 1, "failed": 6}
    assert batched[2] == by_row[2]
    assert batched[4] == by_row[4]
    assert [row["message"] for row in batched[2] + batched[4] if row["status"] == "failed"] == [
        "The name cell holds a formula (=HYPERLINK(1)); import values, not formulas.",
        "The name is empty.",
        "The external id “C-3” is also on line 4 of this file.",
        "website: Enter a valid URL.",
        "No user “nobody” (owners are matched by username, email or display name).",
        "cadence_days: Ensure this value is greater than or equal to 1.",
        "“closed” is not one of the choices.",
        "No segment “未知”; map it to an existing one or choose to create it.",
        "ends_at: A result cannot end in the future; plan it instead, or give an earlier end.",
        "No customer “C-404” (by external id or name).",
        "deal: This deal belongs to another customer.",
        "A cancelled activity is not imported.",
        "The external id “A-3” is also on line 4 of this file.",
        "No deal with the external id “D-404”.",
    ]
    for name in ("customers", "activities", "audit", "documents", "deals", "mentions"):
        assert batched[0][name] == by_row[0][name], name
    after = batched[0]
    assert set(after["customers"]) == {"C-1", "C-2", "C-3", "C-4", "C-9", "No id Ltd"}
    assert after["customers"]["C-2"]["phone"] == "03-2222-0000"
    assert after["customers"]["C-3"]["is_key"] is True
    assert after["activities"]["A-8"]["is_key_customer"] is True
    assert after["activities"]["A-3"]["events"] == [("logged", "admin")]
    assert after["activities"]["A-4"]["planned"] is True
    assert after["customers"]["C-1"]["last_contact_at"] == after["activities"]["A-3"]["starts_at"]
    assert after["customers"]["C-1"]["last_contact_by"] == "sato"
    assert after["deals"]["D-1"] == after["activities"]["A-3"]["starts_at"]
    assert after["mentions"] == [("sato", "mention", "activities")]
    assert len(after["audit"]) == len(by_row[0]["audit"]) > 0


def test_a_batch_of_500_rows_costs_the_same_few_queries_whatever_it_holds(people):
    admin, sato = people
    for n in range(500):
        CustomerFactory(external_id=f"K-{n}", name=f"Known {n}", owner=sato)
    new_customers = csv_bytes(
        [["external_id", "name", "owner", "segment"]]
        + [[f"N-{n}", f"New {n}", "sato", "製造業"] for n in range(1000)]
    )
    SegmentFactory(name="製造業")
    past = timezone.localtime() - datetime.timedelta(days=10)
    new_activities = csv_bytes(
        [["external_id", "type", "customer", "owner", "starts_at", "subject"]]
        + [
            [
                f"V-{n}",
                "visit",
                f"K-{n % 500}",
                "sato",
                (past - datetime.timedelta(hours=n)).strftime("%Y-%m-%d %H:%M"),
                "Visit",
            ]
            for n in range(1000)
        ]
    )
    per_batch: dict[str, list[int]] = {}
    for kind, data in (("customers", new_customers), ("activities", new_activities)):
        for attempt in ("first", "again"):
            counted: list[int] = []
            with CaptureQueriesContext(connection) as queries:
                last = [0]

                def count(
                    line: int, report: engine.Report, counted=counted, queries=queries, last=last
                ) -> None:
                    counted.append(len(queries.captured_queries) - last[0])
                    last[0] = len(queries.captured_queries)

                run(admin, data, kind, on_batch=count)
            per_batch[f"{kind} {attempt}"] = counted
    assert Customer.objects.filter(external_id__startswith="N-").count() == 1000
    assert Activity.objects.filter(external_id__startswith="V-").count() == 1000
    # two batches of 500 each; the second costs no more than the first (which also looks up the owner,
    # the segment and the type once for the whole run)
    for name, counts in per_batch.items():
        assert len(counts) == 2 and counts[1] <= counts[0], (name, counts)
    assert max(per_batch["customers first"]) <= 30, per_batch
    assert max(per_batch["activities first"]) <= 36, per_batch
    assert max(per_batch["customers again"]) <= 8, per_batch
    assert max(per_batch["activities again"]) <= 10, per_batch


def test_imported_activities_send_no_chat_message(people):
    admin, sato = people
    customer = CustomerFactory(external_id="C-1", name="Alpha", owner=sato)
    Channel.objects.create(name="Everything", kind="webhook", url="https://hooks.example.com/x", enabled=True)
    past = timezone.localtime() - datetime.timedelta(days=3)
    data = csv_bytes(
        [["external_id", "type", "customer", "owner", "starts_at", "status"]]
        + [
            [
                f"V-{n}",
                "visit",
                "C-1",
                "sato",
                (past - datetime.timedelta(hours=n)).strftime("%Y-%m-%d %H:%M"),
                "done",
            ]
            for n in range(600)
        ]
    )
    # the channel does hear of an activity logged in the app
    start = timezone.now() - datetime.timedelta(hours=1)
    activity_create(
        actor=sato,
        type=activity_type("visit"),
        customer=customer,
        starts_at=start,
        ends_at=start,
        status="done",
    )
    assert Event.objects.filter(name="activity.completed").count() == 1

    report = run(admin, data, "activities")

    assert report.counts == {"created": 600, "updated": 0, "unchanged": 0, "failed": 0}
    assert Event.objects.count() == 1
    assert Delivery.objects.count() == 1
    assert ActivityEvent.objects.filter(kind="logged").count() == 601  # the feed keeps its items


def _row_estimate(table: str) -> int | None:
    """What the planner's statistics say the table holds (None: no statistics)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            value = cursor.fetchone()[0]
            return None if value < 0 else int(value)
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NULL", [table])
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
            row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


def test_a_large_import_refreshes_the_planner_statistics(people, monkeypatch):
    admin, _sato = people
    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 30)
    small = csv_bytes([["external_id", "name"]] + [[f"S-{n}", f"Small {n}"] for n in range(29)])
    run(admin, small, "customers")
    assert _row_estimate("customers_customer") != 29 + 30  # nothing refreshed the statistics yet
    large = csv_bytes([["external_id", "name"]] + [[f"L-{n}", f"Large {n}"] for n in range(30)])
    run(admin, large, "customers")
    assert _row_estimate("customers_customer") == 59
