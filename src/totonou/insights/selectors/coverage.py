"""Key-customer coverage (重点顧客カバレッジ) per member and month, with the trend over months; or per week
or custom range (``PeriodFilter``: "month" below stands for the period; the API's default is the month,
the Insights page counts its chosen period).

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

Five queries whatever the number of members and months: the members, the segments, the overrides in
use, the key customers per member with their coverage (an index seek per key customer and past month),
and the members' own activities with them per member and local day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity
from totonou.core.exceptions import ValidationError
from totonou.core.filters import NotAnIndex
from totonou.customers.models import Customer
from totonou.insights.filters import CoverageFilter
from totonou.insights.selectors.members import insight_members
from totonou.insights.selectors.periods import (
    DayIndex,
    Period,
    chosen_periods,
    local_today,
    midnight,
    rate,
    user_zone,
)
from totonou.insights.selectors.thresholds import thresholds_in_force
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


def key_customer_coverage(
    *,
    user: Any,
    filters: CoverageFilter | None = None,
    now: datetime.datetime | None = None,
    touches_months: int | None = None,
) -> Coverage:
    """Coverage of each member's key customers for the last ``filters.months`` periods up to the chosen
    one (default: this month; ``month`` is the older name of ``date``). A period that has not begun is
    refused (a field error): its coverage is not known.

    ``touches_months``: count ``touches`` and ``key_days`` only in the last that many months (0: in
    none), leaving them at 0 in the earlier ones; the activities are the costly part, and a trend of
    the coverage rate with the touches of the last month (the Insights page) needs one month of them."""
    filters = filters or CoverageFilter()
    now = now or timezone.now()
    zone = user_zone(user)
    today = local_today(zone, now)
    periods = chosen_periods(
        filters,
        count=filters.months,
        today=today,
        zone=zone,
        week_starts_on=getattr(user, "week_starts_on", 0) or 0,
        day=filters.date or filters.month,
    )
    if periods[-1].first_day > today:
        field = "from" if filters.period == "custom" else "date" if filters.date else "month"
        raise ValidationError({field: [_("Choose a period that has begun: coverage is not known ahead.")]})
    members = insight_members(user=user, filters=filters)
    member_ids = [member.pk for member in members]
    key_customers = (
        Customer.objects.visible_to(user)
        .active()
        .filter(owner__in=member_ids, is_key=True)
        .exclude(status=Customer.Status.INACTIVE)
    )
    thresholds = thresholds_in_force(customers=key_customers)
    # Covered: per key customer and month, a real contact in its threshold window ending on the day the
    # month is judged (its last day; today for this month). This month reads ``last_contact_at``, like
    # the uncontacted list; earlier months look for a contact in the window (an index seek per customer).
    covered: dict[str, Count] = {}
    cutoffs: dict[str, Any] = {}
    for index, period in enumerate(periods):
        if period.last_day >= today:
            covered[f"covered_{index}"] = Count(
                "pk", filter=Q(last_contact_at__gte=thresholds.cutoff(today, zone))
            )
            continue
        cutoffs[f"cutoff_{index}"] = thresholds.cutoff(period.last_day, zone)
        contacts = Activity.objects.filter(
            customer_id=OuterRef("pk"),
            starts_at__gte=OuterRef(f"cutoff_{index}"),
            starts_at__lt=period.end,
            status=Activity.Status.DONE,
            type__counts_as_contact=True,
        )
        covered[f"covered_{index}"] = Count("pk", filter=Q(Exists(contacts)))
    customer_rows = {
        row["owner_id"]: row
        for row in key_customers.annotate(**cutoffs)
        .order_by()
        .values("owner_id")
        .annotate(key_customers=Count("pk"), **covered)
    }
    # Touches and key days: the member's own activities with their key customers, counted per member and
    # local day (at most members x days rows), then summed per month here.
    end = min(periods[-1].end, midnight(today + datetime.timedelta(days=1), zone))
    counted_from = 0 if touches_months is None else max(len(periods) - touches_months, 0)
    counted_periods = periods[counted_from:]
    # The local days are indexed from the first counted period only: a page that counts the last period
    # of a long trend compares each row with that period's midnights, not with the whole trend's.
    first_day = counted_periods[0].first_day if counted_periods else periods[-1].first_day
    days = DayIndex("starts_at", first_day, (periods[-1].last_day - first_day).days + 1, zone)
    month_of_day = {
        (period.first_day - first_day).days + offset: counted_from + index
        for index, period in enumerate(counted_periods)
        for offset in range((period.last_day - period.first_day).days + 1)
    }
    work: dict[int, dict[str, list[int]]] = {}
    # The status as ``+status`` on SQLite (``NotAnIndex``): with the large data's statistics it read the
    # period's done activities of every member through the status index; it now seeks each key
    # customer's (a team's quarter: 41 -> 14 ms, the same rows).
    activities = (
        Activity.objects.visible_to(user)
        .filter(
            Exact(NotAnIndex("status"), Activity.Status.DONE),
            customer__in=key_customers,
            owner_id=F("customer__owner_id"),
            starts_at__gte=counted_periods[0].start if counted_periods else end,
            starts_at__lt=end,
        )
        .annotate(day=days)
        .order_by()
        .values("owner_id", "day")
        .annotate(
            touches=Count("pk", filter=Q(type__counts_as_contact=True)),
            face_to_face=Count("pk", filter=Q(type__is_face_to_face=True)),
        )
    )
    for row in activities if counted_periods else ():
        in_month = month_of_day[row["day"]]
        counted = work.setdefault(
            row["owner_id"], {"touches": [0] * len(periods), "key_days": [0] * len(periods)}
        )
        counted["touches"][in_month] += row["touches"]
        counted["key_days"][in_month] += 1 if row["face_to_face"] else 0
    totals = [CoverageMonth(period) for period in periods]
    result = []
    for member in members:
        owned = customer_rows.get(member.pk, {}).get("key_customers", 0)
        months: list[CoverageMonth] = []
        for index, period in enumerate(periods):
            month = CoverageMonth(
                period,
                key_customers=owned,
                touches=work[member.pk]["touches"][index] if member.pk in work else 0,
                key_days=work[member.pk]["key_days"][index] if member.pk in work else 0,
                covered=customer_rows.get(member.pk, {}).get(f"covered_{index}", 0),
            )
            months.append(month)
            total = totals[index]
            total.key_customers += month.key_customers
            total.touches += month.touches
            total.key_days += month.key_days
            total.covered += month.covered
        result.append(MemberCoverage(user=member, key_customers=owned, months=months))
    return Coverage(as_of=now, periods=periods, members=result, totals=totals)
