"""Uncontacted customers (未接触顧客): no real contact for their threshold, grouped by segment.

"Real contact" is a done activity whose type counts as contact; the activity services keep it in
``Customer.last_contact_at`` / ``last_contact_by``, so nothing here scans the activity history except
for the customers' future plans. Inactive customers are left out (inactive is how a customer is
retired). A customer with a planned contact ahead (a planned activity of a contact type starting now
or later) is still listed, flagged as planned and counted apart.

The list is ordered by days since the last contact, longest first: never-contacted customers (by id)
come first, then the others by ``last_contact_at`` and id. It is read in two index-ordered parts (never
contacted / contacted) so that a page costs the same at 100 rows and at 100,000, on SQLite and on
PostgreSQL (whose indexes keep NULLs last).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.selectors import (
    next_planned_contacts,
    planned_ahead_q,
)
from totonou.customers.models import Customer, Segment
from totonou.insights.filters import UncontactedFilter
from totonou.insights.selectors.periods import local_today, user_zone
from totonou.insights.selectors.thresholds import (
    Thresholds,
    contact_status,
    thresholds_in_force,
    uncontacted_q,
)
from totonou.users.models import User


@dataclass
class UncontactedGroup:
    """The counts of one segment (``segment_id`` None: customers without a segment)."""

    segment_id: int | None
    name: str
    color: str
    cadence_days: int | None
    key_cadence_days: int | None
    uncontacted: int = 0
    never_contacted: int = 0
    planned: int = 0
    key: int = 0
    never_planned: int = 0

    @property
    def unplanned(self) -> int:
        """Uncontacted with nothing planned: the ones that need a plan."""
        return self.uncontacted - self.planned


@dataclass
class UncontactedRow:
    customer: Customer
    threshold_days: int
    days_since_contact: int | None  # None: never contacted
    next_planned_at: datetime.datetime | None
    next_planned_activity_id: int | None

    @property
    def is_planned(self) -> bool:
        return self.next_planned_at is not None

    @property
    def last_contact_at(self) -> datetime.datetime | None:
        return self.customer.last_contact_at

    @property
    def last_contact_by(self) -> User | None:
        return self.customer.last_contact_by


class UncontactedRows(Sequence[UncontactedRow]):
    """The uncontacted customers as a lazy sequence: ``len()`` comes from the group counts (no COUNT
    query), slicing reads one page (at most two index-ordered queries and one for the planned
    activities of the page). Works with ``core.api.paginate`` and Django's ``Paginator``."""

    def __init__(
        self,
        *,
        never: QuerySet[Customer],
        contacted: QuerySet[Customer],
        never_count: int,
        total: int,
        thresholds: Thresholds | None,
        days: int | None,
        today: datetime.date,
        zone: zoneinfo.ZoneInfo,
        now: datetime.datetime,
    ) -> None:
        self.never, self.contacted = never, contacted
        self.never_count, self.total = never_count, total
        self.thresholds, self.days = thresholds, days
        self.today, self.zone, self.now = today, zone, now

    def __len__(self) -> int:
        return self.total

    def count(self, value: Any = None) -> int:
        """The number of rows, for Django's ``Paginator`` (which calls ``count()``)."""
        return self.total

    @overload
    def __getitem__(self, index: int) -> UncontactedRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[UncontactedRow]: ...

    def __getitem__(self, index: int | slice) -> UncontactedRow | list[UncontactedRow]:
        if isinstance(index, int):
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop, step = index.indices(self.total if index.stop is None else max(self.total, index.stop))
        if step != 1:
            raise ValueError("Only contiguous slices.")
        return self._page(start, max(start, stop))

    def __iter__(self) -> Iterator[UncontactedRow]:
        for chunk in self.chunks():
            yield from chunk

    def chunks(self, size: int = 1000) -> Iterator[list[UncontactedRow]]:
        """Every row, in order, ``size`` customers at a time, read by keyset (not by offset) so an
        export of the whole list costs a query or three per chunk however long it is."""
        last_pk = 0
        while True:
            never = list(self.never.filter(pk__gt=last_pk)[:size])
            if never:
                yield self._rows(never)
                last_pk = never[-1].pk
            if len(never) < size:
                break
        after: tuple[datetime.datetime, int] | None = None
        while True:
            queryset = self.contacted
            if after is not None:
                # The range on last_contact_at lets the index seek; the OR settles ties on the id.
                queryset = queryset.filter(last_contact_at__gte=after[0]).filter(
                    Q(last_contact_at__gt=after[0]) | Q(pk__gt=after[1])
                )
            contacted = list(queryset[:size])
            if contacted:
                yield self._rows(contacted)
                last = contacted[-1]
                after = (last.last_contact_at, last.pk)
            if len(contacted) < size:
                break

    def _page(self, start: int, stop: int) -> list[UncontactedRow]:
        customers: list[Customer] = []
        if start < self.never_count:
            customers += list(self.never[start : min(stop, self.never_count)])
        if stop > self.never_count:
            offset = max(0, start - self.never_count)
            customers += list(self.contacted[offset : stop - self.never_count])
        return self._rows(customers)

    def _rows(self, customers: list[Customer]) -> list[UncontactedRow]:
        plans: dict[int, tuple[datetime.datetime, int]] = {}
        if customers:
            upcoming = next_planned_contacts(
                customer_ids=[customer.pk for customer in customers], now=self.now
            ).values_list("customer_id", "starts_at", "id")
            for customer_id, starts_at, activity_id in upcoming:
                plans.setdefault(customer_id, (starts_at, activity_id))
        rows = []
        # Without ``days`` the thresholds are known (``uncontacted_customers``).
        thresholds = self.thresholds or Thresholds.of_segments({})
        for customer in customers:
            plan = plans.get(customer.pk)
            status = contact_status(
                customer, thresholds=thresholds, today=self.today, zone=self.zone, days=self.days
            )
            rows.append(
                UncontactedRow(
                    customer=customer,
                    threshold_days=status.threshold_days,
                    days_since_contact=status.days_since_contact,
                    next_planned_at=plan[0] if plan else None,
                    next_planned_activity_id=plan[1] if plan else None,
                )
            )
        return rows


@dataclass
class Uncontacted:
    """Everything the uncontacted list shows: the day it is computed for, the groups and their totals,
    and the rows (a lazy sequence, paged by the caller)."""

    as_of: datetime.datetime
    today: datetime.date
    days: int | None
    groups: list[UncontactedGroup]
    totals: UncontactedGroup
    rows: UncontactedRows


def _scope(user: Any, filters: UncontactedFilter) -> QuerySet[Customer]:
    customers = Customer.objects.visible_to(user).active().exclude(status=Customer.Status.INACTIVE)
    return filters.filter(customers)


#: The counts of a group, in the order of the counts query's columns after the segment id (``_counted``).
COUNTED = ("uncontacted", "never_contacted", "planned", "never_planned", "key")


def _counts(scope: QuerySet[Customer], *, planned: Q, never: Q) -> dict[int | None, dict[str, int]]:
    """Per segment id (None: no segment), the counts of the uncontacted customers in ``scope``.

    One pass over the customers grouped by segment: SQLite reads them in segment order from
    ``customer_segment_counts_idx`` (every column the rule reads, the latest planned contact included),
    so nothing is sorted to group them and one segment is a range of the index (grouped by an expression,
    as before, every uncontacted customer went through a temporary B-tree). PostgreSQL hashes the
    groups."""
    return {row.pop("segment_id"): row for row in _counted(scope, planned=planned, never=never)}


def _counted(scope: QuerySet[Customer], *, planned: Q, never: Q) -> QuerySet[Any]:
    """The counts query of ``scope``: per segment id, the numbers in ``COUNTED_COLUMNS`` order."""
    return (
        scope.order_by()
        .values("segment_id")
        .annotate(
            uncontacted=Count("pk"),
            never_contacted=Count("pk", filter=never),
            planned=Count("pk", filter=planned),
            never_planned=Count("pk", filter=planned & never),
            key=Count("pk", filter=Q(is_key=True)),
        )
    )


@dataclass
class Part:
    """One part of ``_counts_in_ranges``: its condition and values, whether its customers are key
    customers and never contacted, and the table as the FROM clause names it (an index to read)."""

    condition: str
    params: list[Any]
    is_key: bool
    never: bool
    table: str = ""


#: Stands in the compiled counts query for the condition of one part (``_counts_in_ranges``).
_PART = "totonou_uncontacted_part"


def _counts_in_ranges(
    in_scope: QuerySet[Customer],
    *,
    thresholds: Thresholds,
    today: datetime.date,
    zone: zoneinfo.ZoneInfo,
    planned: Q,
) -> dict[int | None, dict[str, int]]:
    """``_counts`` of the uncontacted customers in ``in_scope``, read part by part (SQLite, every owner's
    customers).

    With the rule's CASE (``uncontacted_q``) SQLite computes a cutoff for each customer in scope and
    counts five numbers for each: 35-40 ms for 100,000 customers. Here the customers without an override
    are read as ranges of ``customer_segment_counts_idx`` (``Thresholds.ranges``: per key flag and
    cutoff, the segments' customers contacted before the cutoff, then those never contacted), so only
    the uncontacted ones are read, and each part counts two numbers (all, planned ahead): whether they
    were never contacted and are key customers is known per part. The few customers with an override go
    through the CASE (``customer_override_idx``). One query: the counts query is compiled once with a
    stand-in for a part's condition, and a ``UNION ALL`` repeats it with each part's condition."""
    template, params = (
        in_scope.filter(RawSQL(_PART, (), output_field=BooleanField()))  # noqa: S611 - a constant stand-in
        .order_by()
        .values("segment_id")
        .annotate(uncontacted=Count("*"), planned=Count("pk", filter=planned))
        .query.sql_with_params()
    )
    at = template.index(f"({_PART})")
    position = len(re.findall(r"(?<!%)%s", template[:at]))
    ops = connection.ops
    table = ops.quote_name(Customer._meta.db_table)

    def column(name: str) -> str:
        return f"{table}.{ops.quote_name(name)}"

    statuses = [status for status in Customer.Status.values if status != Customer.Status.INACTIVE]
    # The statuses as a list (the scope says "not inactive"), so the index reads a range per status.
    in_status = f"{column('status')} IN ({', '.join(['%s'] * len(statuses))})"
    parts: list[Part] = []
    for found in thresholds.ranges(today, zone):
        segments = (
            f"{column('segment_id')} IS NULL"
            if found.segment_ids is None
            else f"{column('segment_id')} IN ({', '.join(str(int(pk)) for pk in found.segment_ids)})"
        )
        common = (
            f"{segments} AND {column('is_key')} = %s AND {column('cadence_days')} IS NULL AND {in_status}"
        )
        cutoff = ops.adapt_datetimefield_value(found.cutoff)
        before = f"{common} AND {column('last_contact_at')} < %s"
        parts.append(Part(before, [found.is_key, *statuses, cutoff], is_key=found.is_key, never=False))
        never = f"{common} AND {column('last_contact_at')} IS NULL"
        parts.append(Part(never, [found.is_key, *statuses], is_key=found.is_key, never=True))
    overridden = Customer.objects.filter(
        uncontacted_q(thresholds=thresholds, days=None, today=today, zone=zone)
    )
    rule, rule_params = overridden.query.get_compiler(connection=connection).compile(overridden.query.where)
    # The customers with an override, from ``customer_override_idx`` (a few thousand index entries).
    # Without statistics SQLite would read them through ``customer_key_idx``, every key customer's row.
    overrides = (
        f"{table} INDEXED BY {ops.quote_name('customer_override_idx')}"
        if connection.vendor == "sqlite"
        else table
    )
    for is_key in (False, True):
        common = f"{column('cadence_days')} IS NOT NULL AND {column('is_key')} = %s"
        contacted = f"{common} AND {column('last_contact_at')} IS NOT NULL AND {rule}"
        parts.append(Part(contacted, [is_key, *rule_params], is_key=is_key, never=False, table=overrides))
        never = f"{common} AND {column('last_contact_at')} IS NULL"
        parts.append(Part(never, [is_key], is_key=is_key, never=True, table=overrides))
    sql: list[str] = []
    values: list[Any] = []
    for part in parts:
        query = template[:at] + f"({part.condition})" + template[at + len(_PART) + 2 :]
        # Which part a row counts, as the last column ("GROUP BY 1" names the first).
        query = query.replace(f" FROM {table} ", f", {len(sql)} FROM {part.table or table} ", 1)
        sql.append(query)
        values += [*params[:position], *part.params, *params[position:]]
    counts: dict[int | None, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), values)
        for segment_id, uncontacted, planned_count, index in cursor.fetchall():
            part = parts[index]
            into = counts.setdefault(segment_id, dict.fromkeys(COUNTED, 0))
            into["uncontacted"] += uncontacted
            into["planned"] += planned_count
            into["key"] += uncontacted if part.is_key else 0
            into["never_contacted"] += uncontacted if part.never else 0
            into["never_planned"] += planned_count if part.never else 0
    return counts


def _groups(
    segments: list[Segment], filters: UncontactedFilter, counts: dict[int | None, dict[str, int]]
) -> tuple[list[UncontactedGroup], UncontactedGroup]:
    """A group per segment in scope (with zeros), one for customers without a segment when there are
    any, and the totals."""
    groups = [
        UncontactedGroup(
            segment_id=segment.pk,
            name=segment.name,
            color=segment.color,
            cadence_days=segment.cadence_days,
            key_cadence_days=segment.key_cadence_days,
        )
        for segment in segments
        if filters.segment is None or segment.pk == filters.segment
    ]
    grey = "#6b7280"
    if None in counts:
        groups.append(
            UncontactedGroup(
                segment_id=None, name=_("No segment"), color=grey, cadence_days=None, key_cadence_days=None
            )
        )
    totals = UncontactedGroup(
        segment_id=None, name=_("All segments"), color=grey, cadence_days=None, key_cadence_days=None
    )
    for group in groups:
        found = counts.get(group.segment_id)
        if found is not None:
            for name in COUNTED:
                setattr(group, name, found[name])
                setattr(totals, name, getattr(totals, name) + found[name])
    return groups, totals


def uncontacted_customers(
    *, user: Any, filters: UncontactedFilter | None = None, now: datetime.datetime | None = None
) -> Uncontacted:
    """The uncontacted customers on the user's today, with counts per segment.

    Queries: segments, overrides in use (not with ``days``), the group counts; then per page of rows
    at most three (never-contacted part, contacted part, their planned activities).
    """
    filters = filters or UncontactedFilter()
    now = now or timezone.now()
    zone = user_zone(user)
    today = local_today(zone, now)
    segments = list(Segment.objects.order_by("sort_order", "name", "id"))
    in_scope = _scope(user, filters)
    thresholds = (
        None if filters.days is not None else thresholds_in_force(segments=segments, customers=in_scope)
    )
    scope = in_scope.filter(uncontacted_q(thresholds=thresholds, days=filters.days, today=today, zone=zone))
    planned = planned_ahead_q(now)
    never = Q(last_contact_at__isnull=True)
    # The ranges read every owner's customers: a team's or an owner's are read faster through
    # ``customer_uncontacted_idx`` (owner first) by the rule's CASE (a team of the large data set: 7.6 ms,
    # against 69 by ranges filtered to the team).
    if (
        thresholds is not None
        and connection.vendor == "sqlite"
        and filters.owner is None
        and filters.team is None
    ):
        counts = _counts_in_ranges(in_scope, thresholds=thresholds, today=today, zone=zone, planned=planned)
    else:
        counts = _counts(scope, planned=planned, never=never)
    groups, totals = _groups(segments, filters, counts)
    listed = scope.select_related("segment", "owner", "last_contact_by")
    if filters.planned is True:
        listed = listed.filter(planned)
        size, never_count = totals.planned, totals.never_planned
    elif filters.planned is False:
        listed = listed.exclude(planned)
        size, never_count = totals.unplanned, totals.never_contacted - totals.never_planned
    else:
        size, never_count = totals.uncontacted, totals.never_contacted
    rows = UncontactedRows(
        never=listed.filter(never).order_by("last_contact_at", "pk"),
        contacted=listed.filter(last_contact_at__isnull=False).order_by("last_contact_at", "pk"),
        never_count=never_count,
        total=size,
        thresholds=thresholds,
        days=filters.days,
        today=today,
        zone=zone,
        now=now,
    )
    return Uncontacted(as_of=now, today=today, days=filters.days, groups=groups, totals=totals, rows=rows)
