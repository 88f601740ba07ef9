"""Strategy alignment (戦略との整合): does the team's work follow a strategy's hypothesis, and does it pay?

Per member and week (in the viewing user's time zone, weeks clipped to the strategy's period):

- the member's customer-facing activities (done, of a type that ``is_customer_facing``), in number and
  in hours (``ends_at − starts_at``), split into those that *match* the strategy and the others. An
  activity matches when its customer is in one of the strategy's target segments and, when the strategy
  has contact-title keywords, one of the activity's contacts has a title containing one of them
  (case-insensitive);
- ``share`` = matching / all (by count; ``hours_share`` by hours) and ``on_track`` = share ≥ the
  strategy's target share (None without activities);
- outcomes: deals the member created in the week, and the amount of deals the member won (closed in a
  won stage) in the week, from *matching customers* (in a target segment and, with keywords, having a
  contact whose title contains one) versus the others.

Queries: the strategy and its segments (2), the members (1), one aggregate over activities, one over deals.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from totonou.activities.models import Activity
from totonou.customers.models import Contact
from totonou.deals.models import Deal, Stage
from totonou.insights.filters import MemberFilter, StrategyAlignmentFilter
from totonou.insights.selectors.members import insight_members
from totonou.insights.selectors.periods import (
    Period,
    day_period,
    local_today,
    midnight,
    period_index,
    periods_until,
    rate,
    user_zone,
)
from totonou.strategy.models import Strategy
from totonou.strategy.selectors import strategy_list
from totonou.users.models import User


@dataclass
class AlignmentWeek:
    period: Period  # the week, clipped to the strategy's period
    activities: int = 0
    matching: int = 0
    hours: float = 0.0
    matching_hours: float = 0.0
    deals_created_matching: int = 0
    deals_created_other: int = 0
    won_amount_matching: int = 0
    won_amount_other: int = 0
    target_share: int = 0

    @property
    def other(self) -> int:
        return self.activities - self.matching

    @property
    def other_hours(self) -> float:
        return round(self.hours - self.matching_hours, 2)

    @property
    def share(self) -> float | None:
        return rate(self.matching, self.activities)

    @property
    def hours_share(self) -> float | None:
        return round(self.matching_hours / self.hours, 4) if self.hours else None

    @property
    def on_track(self) -> bool | None:
        share = self.share
        return None if share is None else share * 100 >= self.target_share

    def add(self, other: AlignmentWeek) -> None:
        for name in (
            "activities",
            "matching",
            "hours",
            "matching_hours",
            "deals_created_matching",
            "deals_created_other",
            "won_amount_matching",
            "won_amount_other",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.hours = round(self.hours, 2)
        self.matching_hours = round(self.matching_hours, 2)


@dataclass
class MemberAlignment:
    user: User
    weeks: list[AlignmentWeek]


@dataclass
class StrategyAlignment:
    strategy: Strategy
    as_of: datetime.datetime
    periods: list[Period]
    members: list[MemberAlignment]
    totals: list[AlignmentWeek]


def _title_q(keywords: list[str], path: str) -> Q:
    condition = Q()
    for keyword in keywords:
        condition |= Q(**{f"{path}__icontains": keyword})
    return condition


def activity_matches(strategy: Strategy, segment_ids: list[int]) -> Q:
    """The activities that follow ``strategy``."""
    condition = Q(customer__segment_id__in=segment_ids)
    keywords = list(strategy.title_keywords or [])
    if keywords:
        through = Activity.contacts.through.objects.filter(activity_id=OuterRef("pk")).filter(
            _title_q(keywords, "contact__title")
        )
        condition &= Q(Exists(through))
    return condition


def customer_matches(strategy: Strategy, segment_ids: list[int], path: str = "customer") -> Q:
    """The customers ``strategy`` targets, from a model that refers to them through ``path``."""
    condition = Q(**{f"{path}__segment_id__in": segment_ids})
    keywords = list(strategy.title_keywords or [])
    if keywords:
        contacts = Contact.objects.filter(customer_id=OuterRef(f"{path}_id")).filter(
            _title_q(keywords, "title")
        )
        condition &= Q(Exists(contacts))
    return condition


def _clipped(periods: list[Period], strategy: Strategy, zone: Any) -> list[Period]:
    clipped = []
    for period in periods:
        first = max(period.first_day, strategy.starts_on)
        last = min(period.last_day, strategy.ends_on)
        if first > last:  # outside the strategy: an empty window
            clipped.append(Period(period.key, period.first_day, period.last_day, period.start, period.start))
        else:
            clipped.append(day_period(first, last, zone, period.key))
    return clipped


def strategy_alignment(
    *, user: Any, filters: StrategyAlignmentFilter, now: datetime.datetime | None = None
) -> StrategyAlignment:
    """How the members' weeks follow the strategy ``filters.strategy`` (404 when unknown)."""
    now = now or timezone.now()
    zone = user_zone(user)
    strategy = strategy_list(user=user).get(pk=filters.strategy)
    segment_ids = [segment.pk for segment in strategy.segments.all()]
    last_day = filters.date or min(local_today(zone, now), strategy.ends_on)
    weeks = periods_until(
        last_day=last_day,
        count=filters.weeks,
        granularity="week",
        zone=zone,
        week_starts_on=getattr(user, "week_starts_on", 0) or 0,
    )
    periods = _clipped(weeks, strategy, zone)
    member_filters = filters
    if filters.owner is None and filters.team is None and strategy.team_id is not None:
        member_filters = MemberFilter(team=strategy.team_id)  # type: ignore[assignment]
    members = insight_members(user=user, filters=member_filters)
    member_ids = [member.pk for member in members]
    low, high = weeks[0].start, weeks[-1].end
    low = max(low, midnight(strategy.starts_on, zone))
    high = min(high, midnight(strategy.ends_on + datetime.timedelta(days=1), zone))
    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    matches = activity_matches(strategy, segment_ids)
    activity_rows = (
        Activity.objects.visible_to(user)
        .filter(
            owner__in=member_ids,
            status=Activity.Status.DONE,
            type__is_customer_facing=True,
            starts_at__gte=low,
            starts_at__lt=high,
        )
        .annotate(period=period_index("starts_at", weeks))
        .order_by()
        .values("owner_id", "period")
        .annotate(
            activities=Count("pk"),
            matching=Count("pk", filter=matches),
            duration=Sum(duration),
            matching_duration=Sum(duration, filter=matches),
        )
        if low < high
        else []
    )
    table: dict[tuple[int, int], AlignmentWeek] = {}

    def cell(owner_id: int, index: int) -> AlignmentWeek:
        return table.setdefault(
            (owner_id, index), AlignmentWeek(periods[index], target_share=strategy.target_share)
        )

    for row in activity_rows:
        week = cell(row["owner_id"], row["period"])
        week.activities, week.matching = row["activities"], row["matching"]
        week.hours = _hours(row["duration"])
        week.matching_hours = _hours(row["matching_duration"])
    if low < high:
        _add_deals(strategy, segment_ids, member_ids, weeks, low, high, cell)
    totals = [AlignmentWeek(period, target_share=strategy.target_share) for period in periods]
    result = []
    for member in members:
        member_weeks = [cell(member.pk, index) for index in range(len(periods))]
        for index, week in enumerate(member_weeks):
            totals[index].add(week)
        result.append(MemberAlignment(user=member, weeks=member_weeks))
    return StrategyAlignment(strategy=strategy, as_of=now, periods=periods, members=result, totals=totals)


def _hours(value: datetime.timedelta | None) -> float:
    return round(value.total_seconds() / 3600, 2) if value else 0.0


def _add_deals(
    strategy: Strategy,
    segment_ids: list[int],
    member_ids: list[int],
    weeks: list[Period],
    low: datetime.datetime,
    high: datetime.datetime,
    cell: Any,
) -> None:
    matching = customer_matches(strategy, segment_ids)
    created = Q(created_at__gte=low, created_at__lt=high)
    won = Q(stage__kind=Stage.Kind.WON, closed_at__gte=low, closed_at__lt=high)
    aggregates: dict[str, Any] = {}
    for index, week in enumerate(weeks):
        created_in = created & Q(created_at__gte=week.start, created_at__lt=week.end)
        won_in = won & Q(closed_at__gte=week.start, closed_at__lt=week.end)
        aggregates[f"created_matching_{index}"] = Count("pk", filter=created_in & matching)
        aggregates[f"created_other_{index}"] = Count("pk", filter=created_in & ~matching)
        aggregates[f"won_matching_{index}"] = Sum("amount", filter=won_in & matching)
        aggregates[f"won_other_{index}"] = Sum("amount", filter=won_in & ~matching)
    rows = (
        Deal.objects.filter(owner__in=member_ids)
        .filter(created | won)
        .order_by()
        .values("owner_id")
        .annotate(**aggregates)
    )
    for row in rows:
        for index in range(len(weeks)):
            week = cell(row["owner_id"], index)
            week.deals_created_matching = row[f"created_matching_{index}"]
            week.deals_created_other = row[f"created_other_{index}"]
            week.won_amount_matching = row[f"won_matching_{index}"] or 0
            week.won_amount_other = row[f"won_other_{index}"] or 0
