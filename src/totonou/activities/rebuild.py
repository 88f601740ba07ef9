"""Recompute every derived field and index from the records, after a bulk load or a restore.

Derived data in Totonou, and what keeps it in step during normal work:

- ``Customer.last_contact_at`` / ``last_contact_by`` — the latest real contact; the activity services
  refresh it per change (``customers_refresh_last_contact``; an import's batch service once per batch);
- ``Deal.last_activity_at`` — the latest done activity's start (``deals_refresh_last_activity``);
- ``Activity.is_key_customer`` — the customer's key flag copied onto its activities by triggers
  (ADR 0011);
- ``ActivityDayCount`` — done activities per owner, UTC day and type, kept by triggers (ADR 0037);
- ``Customer.last_planned_contact_at`` — the start of the latest planned contact, kept by triggers
  (ADR 0042);
- ``StageChange.deal_owner_id`` — the deal's owner copied onto its stage changes by triggers (``deals``
  migration 0014);
- the search index — fed by the services (ADR 0012);
- the planner's statistics — the database's own ``ANALYZE``.

Rows loaded outside the services (SQL, a restore, the seed writer, an import that bypasses services)
leave these behind. ``derived_data_rebuild`` makes them true again, in an order that stays fast on a
freshly loaded PostgreSQL database: statistics first (without them the per-customer update walks every
activity for every customer), then the last contacts in chunks, the key flags set-based, the search
index, and statistics again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery

from totonou.activities.calendar_feed import UTCDay
from totonou.activities.models import Activity, ActivityDayCount
from totonou.activities.selectors import planned_contacts
from totonou.activities.services.contact import customers_refresh_last_contact, deals_refresh_last_activity
from totonou.customers.models import Customer
from totonou.deals.models import Deal, StageChange
from totonou.search.services import documents_rebuild

#: Customers per last-contact UPDATE: bounded transactions, and progress a person can follow.
CHUNK = 5_000

Progress = Callable[[str, int], None]


def database_analyze(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the query planner's statistics (PostgreSQL ``ANALYZE``, SQLite ``ANALYZE`` with a sample
    limit so it stays quick on millions of rows)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")


def last_contacts_rebuild(*, using: str = DEFAULT_DB_ALIAS, progress: Progress | None = None) -> int:
    """Every customer's last real contact, through the one rule (``customers_refresh_last_contact``), a
    chunk of customers per transaction."""
    ids = list(Customer.objects.using(using).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic(using=using):
            done += customers_refresh_last_contact(customer_ids=chunk)
        if progress:
            progress("last contact", done)
    return done


def deals_last_activity_rebuild(*, using: str = DEFAULT_DB_ALIAS, progress: Progress | None = None) -> int:
    """Every deal's last activity, through the one rule (``deals_refresh_last_activity``), a chunk of
    deals per transaction."""
    ids = list(Deal.objects.using(using).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic(using=using):
            done += deals_refresh_last_activity(deal_ids=ids[start : start + CHUNK])
        if progress:
            progress("deal activity", done)
    return done


def key_flags_rebuild(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """``Activity.is_key_customer`` equal to its customer's ``is_key`` (false without a customer), in
    three set-based updates that touch only the rows that differ."""
    activities = Activity.objects.using(using)
    key_ids = Customer.objects.using(using).filter(is_key=True).values("pk")
    with transaction.atomic(using=using):
        changed = activities.filter(customer_id__in=key_ids, is_key_customer=False).update(
            is_key_customer=True
        )
        changed += (
            activities.filter(is_key_customer=True)
            .exclude(customer_id__in=key_ids)
            .update(is_key_customer=False)
        )
    return changed


def stage_change_owners_rebuild(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """``StageChange.deal_owner_id`` equal to its deal's owner, in one set-based update of the rows that
    differ (after a load with the triggers off)."""
    owner = Subquery(Deal.objects.using(using).filter(pk=OuterRef("deal_id")).values("owner_id")[:1])
    with transaction.atomic(using=using):
        return (
            StageChange.objects.using(using)
            .annotate(owner=owner)
            .exclude(deal_owner_id=F("owner"))
            .update(deal_owner_id=owner)
        )


def latest_planned_contacts(*, using: str = DEFAULT_DB_ALIAS) -> dict[int, datetime.datetime]:
    """``{customer id: start of its latest planned contact}`` from the plans, by the ORM rule
    (``planned_contacts``) that the triggers of migration 0020 write in SQL (a test checks that they
    agree)."""
    rows = (
        planned_contacts(activities=Activity.objects.using(using))
        .values("customer_id")
        .annotate(latest=Max("starts_at"))
        .order_by()
    )
    return {row["customer_id"]: row["latest"] for row in rows}


def planned_contacts_rebuild(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """``Customer.last_planned_contact_at`` recomputed from the plans (after rows were loaded with the
    triggers off), in one correlated update of every customer. Returns how many have a planned contact."""
    latest = Subquery(
        planned_contacts(activities=Activity.objects.using(using))
        .filter(customer_id=OuterRef("pk"))
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    customers = Customer.objects.using(using)
    with transaction.atomic(using=using):
        customers.update(last_planned_contact_at=latest)
    return customers.filter(last_planned_contact_at__isnull=False).count()


def activity_day_counts(*, using: str = DEFAULT_DB_ALIAS) -> dict[tuple[int, str, int], tuple[int, int]]:
    """``{(owner id, UTC day, type id): (done, key_done)}`` computed from the activities: the rule the
    triggers of migration 0017 keep ``ActivityDayCount`` to (a test checks that they agree)."""
    rows = (
        Activity.objects.using(using)
        .filter(status=Activity.Status.DONE)
        .annotate(day=UTCDay("starts_at"))
        .values("owner_id", "day", "type_id")
        .annotate(done=Count("id"), key_done=Count("id", filter=Q(is_key_customer=True)))
        .order_by()
    )
    return {
        (row["owner_id"], row["day"].isoformat(), row["type_id"]): (row["done"], row["key_done"])
        for row in rows
    }


def activity_counts_rebuild(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """``ActivityDayCount`` recomputed from the activities (after rows were loaded with the triggers
    off, or restored without the table). Returns the number of rows."""
    counts = activity_day_counts(using=using)
    with transaction.atomic(using=using):
        ActivityDayCount.objects.using(using).all().delete()
        ActivityDayCount.objects.using(using).bulk_create(
            (
                ActivityDayCount(owner_id=owner, day=day, type_id=kind, done=done, key_done=key_done)
                for (owner, day, kind), (done, key_done) in counts.items()
            ),
            batch_size=CHUNK,
        )
    return len(counts)


def derived_data_rebuild(
    *, using: str = DEFAULT_DB_ALIAS, progress: Progress | None = None
) -> dict[str, int]:
    """All of the above, in order. Returns what each step counted."""
    database_analyze(using=using)
    counts = {
        "last_contacts": last_contacts_rebuild(using=using, progress=progress),
        "deals_last_activity": deals_last_activity_rebuild(using=using, progress=progress),
        "key_flags_changed": key_flags_rebuild(using=using),
    }
    if progress:
        progress("key flags", counts["key_flags_changed"])
    counts["stage_change_owners_changed"] = stage_change_owners_rebuild(using=using)
    if progress:
        progress("deal owners", counts["stage_change_owners_changed"])
    counts["activity_day_counts"] = activity_counts_rebuild(using=using)
    if progress:
        progress("day counts", counts["activity_day_counts"])
    counts["customers_with_plans"] = planned_contacts_rebuild(using=using)
    if progress:
        progress("planned contacts", counts["customers_with_plans"])
    counts["search_documents"] = sum(documents_rebuild(using=using, progress=progress).values())
    database_analyze(using=using)
    return counts
