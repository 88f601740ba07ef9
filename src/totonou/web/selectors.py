"""Reads for web pages that no domain selector offers yet: My day.

Each is a fixed number of queries whatever the number of rows: lists are capped and counted apart.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from totonou.activities.filters import ActivityFilter
from totonou.activities.models import Activity
from totonou.activities.selectors import (
    ITEM_RELATIONS,
    ROW_FIELDS,
    activity_list,
    next_planned_contacts,
    waiting_for_result_q,
)
from totonou.customers.filters import CustomerFilter
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_list
from totonou.insights.selectors.thresholds import ContactStatus, Thresholds, contact_status
from totonou.users.models import User
from totonou.users.permissions import is_signed_in, managed_user_ids

# --- My day -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capped:
    """The first rows of a list and how many there are in all."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _capped(queryset: QuerySet[Any], limit: int, *, owner: User | None = None) -> Capped:
    """Two queries, always: the page stays within the same budget however long the list is.
    ``owner``: every row is this member's activity (``_owned``)."""
    rows = list(queryset[:limit])
    return Capped(rows if owner is None else _owned(rows, owner), queryset.count())


def quick_log_customers(*, user: Any, limit: int) -> QuerySet[Customer]:
    """The customers My day's quick log offers: the user's own active ones a rep is most likely at, key
    ones first, then the most recently contacted, at most ``limit`` (a rep may own thousands; the full
    form searches them all). An option is a name: nothing else is read."""
    return (
        customer_list(user=user, filters=CustomerFilter(owner=user.pk))
        .exclude(status="inactive")
        .order_by("-is_key", F("last_contact_at").desc(nulls_last=True), "name_kana", "id")
        .select_related(None)
        .only("id", "name")[:limit]
    )


def my_day_members(*, user: Any) -> QuerySet[User]:
    """Whose My day ``user`` may open: their own; a manager also every member of the teams they
    manage; an admin every active user. Ordered by team, then name."""
    people = User.objects.filter(is_active=True).select_related("team")
    if not is_signed_in(user):
        return people.none()
    if user.role != User.Role.ADMIN:
        people = people.filter(pk__in=managed_user_ids(user))
    return people.order_by("team__name", "display_name", "username", "pk")


def may_open_my_day_of(*, user: Any, member: User) -> bool:
    if not is_signed_in(user):
        return False
    return member.pk == user.pk or user.role == User.Role.ADMIN or member.pk in managed_user_ids(user)


def _activities(user: Any, filters: ActivityFilter) -> QuerySet[Activity]:
    """The activity-list shape without the contacts prefetch (My day does not show contacts)."""
    return (
        activity_list(user=user, filters=filters)
        .select_related(None)
        .select_related(*ITEM_RELATIONS)
        .prefetch_related(None)
    )


#: What My day's items read of an activity and its relations: a timeline row's columns (``ROW_FIELDS``,
#: the card and the result forms) without the owner's, who is the member. PostgreSQL took 0.8 ms to plan
#: a list of all 60 columns (0.3 with these), and each row built four full models.
ITEM_FIELDS = tuple(name for name in ROW_FIELDS if not name.startswith("owner__"))


def _member_activities(user: Any, filters: ActivityFilter) -> QuerySet[Activity]:
    """``_activities`` of one member (``filters.owner``), the columns of ``ITEM_FIELDS``: the owner is
    not joined, ``_owned`` sets the member already read on each row."""
    return (
        _activities(user, filters)
        .select_related(None)
        .select_related("type", "customer", "deal")
        .only(*ITEM_FIELDS)
    )


def _owned(rows: list[Activity], owner: User) -> list[Activity]:
    """``rows`` with ``owner`` as each one's owner (they are all its activities)."""
    for activity in rows:
        Activity.owner.field.set_cached_value(activity, owner)
    return rows


def my_day_today(
    *, user: Any, member: User, start: datetime.datetime, end: datetime.datetime, limit: int
) -> Capped:
    """``member``'s activities of their day ``[start, end)``, in time order: those starting in it, and a
    result logged just after midnight that began the evening before. The first ``limit`` and how many
    there are: a page draws the same number of plans at any hour, however full the day."""
    filters = ActivityFilter(owner=member.pk, end=end)
    overnight = Q(ends_at__gt=start, status=Activity.Status.DONE)
    return _capped(
        _member_activities(user, filters)
        .filter(Q(starts_at__gte=start) | overnight)
        # Implied by the rule, and what makes it one range of the owner's starts (in the list's order):
        # nothing starts before the earliest start of the member's results ending after midnight (a few
        # rows of ``activity_owner_done_end_idx``). Without it the results half has no lower bound and
        # the member's whole history was read (issue 14: 60–70 ms for the list, again for its count).
        .filter(
            starts_at__gte=Least(Value(start), Coalesce(_earliest_start(member, overnight), Value(start)))
        )
        .order_by("starts_at", "id"),
        limit,
        owner=member,
    )


def _earliest_start(member: User, condition: Q) -> Subquery:
    """The earliest start among ``member``'s activities matching ``condition`` (NULL when none)."""
    return Subquery(
        Activity.objects.filter(condition, owner_id=member.pk)
        .order_by()
        .values("owner_id")
        .annotate(first=Min("starts_at"))
        .values("first")
    )


def my_day_waiting(
    *, user: Any, member: User, before: datetime.datetime, now: datetime.datetime, limit: int
) -> tuple[Capped, int]:
    """``member``'s plans that started before ``before`` (today's midnight) and have no result yet,
    oldest first: the queue to turn into results; and how many plans wait for a result in all
    (``my_day_waiting_count``: today's started ones too). The two counts are one query."""
    filters = ActivityFilter(owner=member.pk, status="planned", end=before)
    rows = _owned(list(_member_activities(user, filters).order_by("starts_at", "id")[:limit]), member)
    counts = _waiting(user, member.pk, now).aggregate(
        earlier=Count("pk", filter=Q(starts_at__lt=before)), waiting=Count("pk")
    )
    # ``before`` is not after ``now``: the plans of earlier days are among those waiting.
    return Capped(rows, counts["earlier"]), counts["waiting"]


def _waiting(user: Any, member_id: int, now: datetime.datetime) -> QuerySet[Activity]:
    return Activity.objects.visible_to(user).filter(waiting_for_result_q(now), owner_id=member_id)


def my_day_waiting_count(*, user: Any, member_id: int, now: datetime.datetime) -> int:
    """How many of ``member``'s plans wait for a result (``waiting_for_result_q``): those of earlier
    days listed under "Waiting for a result", and today's whose start has passed (tagged in Today)."""
    return _waiting(user, member_id, now).count()


@dataclass(frozen=True)
class _KeyCustomerFacts:
    """What ``contact_status`` reads, from the narrow rows of ``my_day_key_customers_due``."""

    cadence_days: int | None
    segment_id: int | None
    is_key: bool
    last_contact_at: datetime.datetime | None


@dataclass(frozen=True)
class KeyCustomerDue:
    """A key customer past its contact threshold, and its next planned contact if there is one."""

    customer: Customer
    threshold_days: int
    days_since_contact: int | None  # None: never contacted
    next_planned: Activity | None


#: What My day shows of a key customer due for contact, and of its next planned contact.
DUE_CUSTOMER_FIELDS = ("id", "name", "segment", "segment__name")
DUE_PLAN_FIELDS = (
    "id",
    "customer_id",
    "starts_at",
    "owner",
    *(f"owner__{name}" for name in ("username", "first_name", "last_name", "display_name")),
    "type",
    "type__name_ja",
    "type__name_en",
)


def my_day_key_customers_due(
    *, user: Any, member: User, today: datetime.date, limit: int
) -> tuple[list[KeyCustomerDue], int]:
    """The first ``limit`` of ``member``'s active key customers past their contact threshold on ``today``
    (the viewer's day), and how many there are: never contacted first, then the longest without a real
    contact. The Uncontacted list's rule, ``contact_status`` (in the viewer's, the active, time zone).

    Three queries: narrow rows of all the member's key customers (a rep may have hundreds), to apply the
    threshold here; then the shown few in full, and their next planned contact.
    """
    rows = list(
        Customer.objects.visible_to(user)
        .active()
        # ``is_key = true`` as a comparison: ``is_key=True`` is written as the bare column, which SQLite
        # does not look up in an index, so it read all the member's customers by the owner's index.
        .filter(owner=member, is_key=Value(True))
        .exclude(status=Customer.Status.INACTIVE)
        .order_by(F("last_contact_at").asc(nulls_first=True), "name_kana", "name", "id")
        .values_list(
            "pk",
            "cadence_days",
            "last_contact_at",
            "segment_id",
            "segment__cadence_days",
            "segment__key_cadence_days",
        )
    )
    thresholds = Thresholds.of_segments({row[3]: (row[4], row[5]) for row in rows if row[3] is not None})
    zone = timezone.get_current_timezone()  # the viewer's, active: read once, not once per customer
    zone = zone if isinstance(zone, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(str(zone))
    due: list[tuple[int, ContactStatus]] = []
    for pk, cadence_days, last_contact_at, segment_id, _normal, _key in rows:
        facts = _KeyCustomerFacts(cadence_days, segment_id, True, last_contact_at)
        status = contact_status(facts, thresholds=thresholds, today=today, zone=zone)
        if status.is_due:
            due.append((pk, status))
    shown = due[:limit]
    if not shown:
        return [], len(due)
    ids = [pk for pk, _status in shown]
    customers = Customer.objects.select_related("segment").only(*DUE_CUSTOMER_FIELDS).in_bulk(ids)
    plans: dict[int, Activity] = {}
    upcoming = (
        next_planned_contacts(
            customer_ids=ids, now=timezone.now(), activities=Activity.objects.visible_to(user)
        )
        .select_related("type", "owner")
        .only(*DUE_PLAN_FIELDS)
    )
    for activity in upcoming:
        plans.setdefault(activity.customer_id, activity)  # type: ignore[arg-type]
    items = [
        KeyCustomerDue(customers[pk], status.threshold_days, status.days_since_contact, plans.get(pk))
        for pk, status in shown
    ]
    return items, len(due)


def my_day_unreviewed(*, user: Any, owner_ids: set[int] | None, limit: int) -> Capped:
    """Results (done or cancelled) nobody has reviewed yet, the latest recorded first (the feed's order,
    on ``activity_recent_idx``): of ``owner_ids``, or of everyone when None (an admin)."""
    queryset = _activities(user, ActivityFilter()).filter(reviewed_at__isnull=True)
    queryset = queryset.exclude(status=Activity.Status.PLANNED)
    if owner_ids is not None:
        queryset = queryset.filter(owner_id__in=sorted(owner_ids))
    return _capped(queryset.order_by("-updated_at", "-id"), limit)
