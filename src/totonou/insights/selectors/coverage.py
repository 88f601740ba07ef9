"""Key-customer coverage (重点顧客カバレッジ) per member and month, with the trend over months.

Everything is about a member's own key customers (``is_key``, owned by the member, not inactive; the
current ones, as the key flag has no history):

- ``key_customers``: how many the member owns;
- ``touches``: the member's real contacts (done activities whose type counts as contact) with them in
  the month; ``touches_per_key_customer`` = touches / key customers;
- ``key_days``: distinct days (in the viewing user's time zone) on which the member had a done
  face-to-face activity with one of them;
- ``covered``: how many of them had a real contact, by anyone, within their threshold as of the end of
  the month (its last day, or today for the current month): the last contact on or before that day was
  fewer than *threshold* days before it; the same rule as the uncontacted list, so for the current
  month ``covered`` is exactly the member's key customers that are not uncontacted;
- ``coverage_rate`` = covered / key customers.

Five queries whatever the number of members and months: the members, the segments, the overrides in use,
the key customers per member, and one aggregate over the activities with those key customers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, DateTimeField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity
from totonou.core.exceptions import ValidationError
from totonou.customers.models import Customer
from totonou.insights.filters import CoverageFilter
from totonou.insights.selectors.members import insight_members
from totonou.insights.selectors.periods import (
    Period,
    day_index,
    local_today,
    midnight,
    periods_until,
    rate,
    user_zone,
)
from totonou.insights.selectors.thresholds import Thresholds, contact_cutoff, thresholds_in_force
from totonou.users.models import User


@dataclass
class CoverageMonth:
    period: Period
    key_customers: int = 0
    touches: int = 0
    key_days: int = 0
    covered: int = 0

    @property
    def touches_per_key_customer(self) -> float | None:
        return round(self.touches / self.key_customers, 2) if self.key_customers else None

    @property
    def coverage_rate(self) -> float | None:
        return rate(self.covered, self.key_customers)


@dataclass
class MemberCoverage:
    user: User
    key_customers: int
    months: list[CoverageMonth]


@dataclass
class Coverage:
    as_of: datetime.datetime
    periods: list[Period]
    members: list[MemberCoverage]
    totals: list[CoverageMonth]  # all the members together (key_days summed over members)


def _cutoff(thresholds: Thresholds, day: datetime.date, zone: Any) -> Case:
    """Per activity, the start of its customer's threshold window ending on ``day``."""
    return Case(
        *[
            When(customers, then=Value(contact_cutoff(day, days, zone)))
            for days, customers in sorted(thresholds.groups(prefix="customer__").items())
        ],
        default=Value(contact_cutoff(day, thresholds.default, zone)),
        output_field=DateTimeField(),
    )


def key_customer_coverage(
    *, user: Any, filters: CoverageFilter | None = None, now: datetime.datetime | None = None
) -> Coverage:
    """Coverage of each member's key customers for the last ``filters.months`` months up to the month
    of ``filters.month`` (default: this month)."""
    filters = filters or CoverageFilter()
    now = now or timezone.now()
    zone = user_zone(user)
    today = local_today(zone, now)
    if filters.month is not None and filters.month.replace(day=1) > today:
        raise ValidationError({"month": [_("Choose this month or an earlier one.")]})
    periods = periods_until(
        last_day=filters.month or today, count=filters.months, granularity="month", zone=zone
    )
    members = insight_members(user=user, filters=filters)
    member_ids = [member.pk for member in members]
    thresholds = thresholds_in_force()
    key_customers = dict(
        Customer.objects.filter(owner__in=member_ids, is_key=True)
        .exclude(status=Customer.Status.INACTIVE)
        .order_by()
        .values_list("owner_id")
        .annotate(count=Count("pk"))
    )
    # The day each month is judged on (its last day; today for this month), and where its contacts end.
    judged = [min(period.last_day, today) for period in periods]
    ends = [midnight(day + datetime.timedelta(days=1), zone) for day in judged]
    longest = max(
        [thresholds.default, *thresholds.overrides, *(key for _, key in thresholds.segments.values())]
    )
    window_start = min(periods[0].start, contact_cutoff(judged[0], longest, zone))
    contact = Q(status=Activity.Status.DONE, type__counts_as_contact=True)
    own = Q(owner_id=F("customer__owner_id"))
    days = day_index(
        "starts_at", periods[0].first_day, (periods[-1].last_day - periods[0].first_day).days + 1, zone
    )
    aggregates: dict[str, Count] = {}
    for index, period in enumerate(periods):
        in_month = Q(starts_at__gte=period.start, starts_at__lt=ends[index])
        aggregates[f"covered_{index}"] = Count(
            "customer_id",
            distinct=True,
            filter=contact
            & Q(starts_at__lt=ends[index])
            & Q(starts_at__gte=_cutoff(thresholds, judged[index], zone)),
        )
        aggregates[f"touches_{index}"] = Count("pk", filter=contact & own & in_month)
        aggregates[f"key_days_{index}"] = Count(
            days,
            distinct=True,
            filter=Q(status=Activity.Status.DONE, type__is_face_to_face=True) & own & in_month,
        )
    rows = {
        row["customer__owner_id"]: row
        for row in Activity.objects.visible_to(user)
        .filter(
            customer__owner__in=member_ids,
            customer__is_key=True,
            starts_at__gte=window_start,
            starts_at__lt=max(ends),
        )
        .exclude(customer__status=Customer.Status.INACTIVE)
        .order_by()
        .values("customer__owner_id")
        .annotate(**aggregates)
    }
    totals = [CoverageMonth(period) for period in periods]
    result = []
    for member in members:
        owned = key_customers.get(member.pk, 0)
        row = rows.get(member.pk, {})
        months = []
        for index, period in enumerate(periods):
            month = CoverageMonth(
                period,
                key_customers=owned,
                touches=row.get(f"touches_{index}", 0),
                key_days=row.get(f"key_days_{index}", 0),
                covered=row.get(f"covered_{index}", 0),
            )
            months.append(month)
            total = totals[index]
            total.key_customers += month.key_customers
            total.touches += month.touches
            total.key_days += month.key_days
            total.covered += month.covered
        result.append(MemberCoverage(user=member, key_customers=owned, months=months))
    return Coverage(as_of=now, periods=periods, members=result, totals=totals)
