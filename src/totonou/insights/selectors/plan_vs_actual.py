"""Plan vs actual (予定と実績) per member and week, month or custom range (``PeriodFilter``).

An activity belongs to the period its (current) start falls in, in the viewing user's time zone, so a
plan moved into the window counts there (and as moved), and a plan moved out of it counts in the period
it was moved to. For the activities of a member in a period:

- ``planned``: planned in advance (``planned_at`` set), whatever became of them; they split into
  ``done_as_planned`` (done at the start first planned, ``starts_at = original_starts_at``),
  ``done_moved`` (done after a move), ``cancelled``, ``overdue`` (still planned, start already past, no
  result) and ``upcoming`` (still planned, start ahead);
- ``moved``: planned activities whose start was moved (``starts_at ≠ original_starts_at``), whatever
  their result (done, cancelled or still open);
- ``unplanned``: done activities logged after the fact (``planned_at`` null);
- ``done``: every done activity (``done_as_planned + done_moved + unplanned``);
- ``adherence_rate``: ``done_as_planned / (planned − upcoming)``: the share of the plans that are due
  which were done as planned; None when no plan is due.

One aggregate query (grouped by member, period and type) plus the members and the types.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, ActivityType
from totonou.core.exceptions import ValidationError
from totonou.insights.filters import PlanVsActualFilter
from totonou.insights.selectors.members import insight_members
from totonou.insights.selectors.periods import (
    Period,
    chosen_periods,
    local_today,
    period_index,
    rate,
    user_zone,
)
from totonou.users.models import User


@dataclass
class PlanNumbers:
    planned: int = 0
    done_as_planned: int = 0
    done_moved: int = 0
    cancelled: int = 0
    overdue: int = 0
    upcoming: int = 0
    moved: int = 0
    unplanned: int = 0
    done: int = 0

    @property
    def due(self) -> int:
        return self.planned - self.upcoming

    @property
    def adherence_rate(self) -> float | None:
        return rate(self.done_as_planned, self.due)

    def add(self, other: PlanNumbers) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


COUNTED = [item.name for item in fields(PlanNumbers)]


@dataclass
class PlanPeriod:
    period: Period
    numbers: PlanNumbers = field(default_factory=PlanNumbers)
    by_type: dict[str, PlanNumbers] = field(default_factory=dict)  # type slug -> numbers, in type order


@dataclass
class MemberPlan:
    user: User
    periods: list[PlanPeriod]


@dataclass
class PlanVsActual:
    granularity: str
    as_of: datetime.datetime
    periods: list[Period]
    types: list[ActivityType]
    members: list[MemberPlan]
    totals: list[PlanPeriod]  # all the members together, per period


def plan_filters(now: datetime.datetime) -> dict[str, Q]:
    """The one definition of each plan-vs-actual category as a filter on activities (see the module
    docstring); ``now`` splits the still-open plans into overdue and upcoming. The weekly report
    (``reports``) classifies a rep's week with these same filters."""
    planned = Q(planned_at__isnull=False)
    done = Q(status=Activity.Status.DONE)
    as_planned = Q(starts_at=F("original_starts_at"))
    still_planned = Q(status=Activity.Status.PLANNED)
    return {
        "planned": planned,
        "done_as_planned": planned & done & as_planned,
        "done_moved": planned & done & ~as_planned,
        "cancelled": planned & Q(status=Activity.Status.CANCELLED),
        "overdue": planned & still_planned & Q(starts_at__lt=now),
        "upcoming": planned & still_planned & Q(starts_at__gte=now),
        "moved": planned & ~as_planned,
        "unplanned": Q(planned_at__isnull=True) & done,
        "done": done,
    }


def _counts(now: datetime.datetime) -> dict[str, Count]:
    return {name: Count("pk", filter=condition) for name, condition in plan_filters(now).items()}


def plan_vs_actual(
    *, user: Any, filters: PlanVsActualFilter | None = None, now: datetime.datetime | None = None
) -> PlanVsActual:
    """Plans and results per member and period (the last ``filters.periods`` weeks, months or ranges up
    to the chosen one), in total and per activity type. Four queries."""
    filters = filters or PlanVsActualFilter()
    now = now or timezone.now()
    zone = user_zone(user)
    periods = chosen_periods(
        filters,
        count=filters.periods,
        today=local_today(zone, now),
        zone=zone,
        week_starts_on=getattr(user, "week_starts_on", 0) or 0,
    )
    types = list(ActivityType.objects.order_by("order", "pk"))
    slugs = {activity_type.pk: activity_type.slug for activity_type in types}
    activities = Activity.objects.visible_to(user).filter(
        starts_at__gte=periods[0].start, starts_at__lt=periods[-1].end
    )
    if filters.type is not None:
        chosen = [activity_type for activity_type in types if activity_type.slug == filters.type]
        if not chosen:
            raise ValidationError(
                {"type": [_("There is no activity type “%(slug)s”.") % {"slug": filters.type}]}
            )
        activities = activities.filter(type=chosen[0])
    members = insight_members(user=user, filters=filters)
    rows = (
        activities.filter(owner__in=[member.pk for member in members])
        .annotate(period=period_index("starts_at", periods))
        .order_by()
        .values("owner_id", "period", "type_id")
        .annotate(**_counts(now))
    )
    table: dict[tuple[int, int], PlanPeriod] = {}
    totals = [PlanPeriod(period) for period in periods]
    for row in rows:
        numbers = PlanNumbers(**{name: row[name] for name in COUNTED})
        cell = table.setdefault((row["owner_id"], row["period"]), PlanPeriod(periods[row["period"]]))
        cell.numbers.add(numbers)
        cell.by_type[slugs[row["type_id"]]] = numbers
        total = totals[row["period"]]
        total.numbers.add(numbers)
        total.by_type.setdefault(slugs[row["type_id"]], PlanNumbers()).add(numbers)
    for cell in [*table.values(), *totals]:  # by_type in the order of the types
        cell.by_type = {slug: cell.by_type[slug] for slug in slugs.values() if slug in cell.by_type}
    return PlanVsActual(
        granularity=filters.period,
        as_of=now,
        periods=periods,
        types=types,
        members=[
            MemberPlan(
                user=member,
                periods=[
                    table.get((member.pk, index), PlanPeriod(period)) for index, period in enumerate(periods)
                ],
            )
            for member in members
        ],
        totals=totals,
    )
