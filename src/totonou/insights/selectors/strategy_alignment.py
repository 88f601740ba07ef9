"""Strategy alignment (戦略との整合): does the team's work follow a strategy's hypothesis, and does it pay?

Per member and week (in the viewing user's time zone, weeks clipped to the strategy's period; or per
month or custom range, ``PeriodFilter``: "week" below stands for the period):

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

Queries: the strategy and its segments (2), the members (1), one aggregate over activities, two over deals
(created, won).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import Exact
from django.utils import timezone

from totonou.activities.models import Activity
from totonou.core.filters import NotAnIndex
from totonou.core.functions import Seconds
from totonou.customers.models import Contact, Customer
from totonou.deals import history
from totonou.deals.models import Deal
from totonou.insights.filters import MemberFilter, StrategyAlignmentFilter
from totonou.insights.selectors.members import insight_members
from totonou.insights.selectors.periods import (
    Period,
    chosen_periods,
    day_period,
    local_today,
    midnight,
    period_index,
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


def _titled_contact(keywords: list[str], *, activity: bool) -> Subquery:
    """A contact of the activity (``activity=True``) or of its customer whose title contains one of the
    keywords, or NULL. A correlated scalar subquery with LIMIT 1 on purpose: PostgreSQL would turn an
    EXISTS into a semi-join or a hash of every contact with the title, and it underestimates how many
    titles match ``UPPER(title) LIKE``; this way each row of the (small) set is checked by index."""
    if activity:
        through = Activity.contacts.through.objects.filter(activity_id=OuterRef("pk"))
        return Subquery(
            through.filter(_title_q(keywords, "contact__title")).order_by().values("contact_id")[:1]
        )
    contacts = Contact.objects.filter(customer_id=OuterRef("customer_id"))
    return Subquery(contacts.filter(_title_q(keywords, "title")).order_by().values("pk")[:1])


def _matches(segment_ids: list[int], keywords: list[str], *, per_row: bool = False) -> Expression:
    """Whether a row (an activity or a deal, annotated with ``titled_contact`` when there are keywords)
    matches the strategy, as a value: the column its read is grouped by, so the match is computed once
    per row rather than once per aggregate that filters on it.

    The target segments' customers are an uncorrelated subquery rather than a join (read once through
    the segment index: SQLite materialises the list, PostgreSQL hashes it, where a join made PostgreSQL
    hash every customer to find each row's segment). The contact's title is looked up only for a row
    whose customer is in a target segment: SQLite evaluates both sides of an ``AND`` in a column, so as
    ``segment AND title`` it ran the title's subquery for every activity (a team's two months on the
    large data set: 71 -> 49 ms). PostgreSQL stops at the first false side either way.

    ``per_row``: each row's customer looked up by its id instead (for the deals: a team's quarter is a few
    thousand deals, where reading the ~22,000 customers of a segment into a list cost more than all the
    lookups: SQLite 12.7 -> 7.3 ms for the deals created, 5.8 -> 0.7 for those won)."""
    target = Customer.objects.filter(segment_id__in=segment_ids)
    if per_row:
        in_segment = Q(Exists(target.filter(pk=OuterRef("customer_id"))))
    else:
        in_segment = Q(customer_id__in=target.values("pk"))
    if not keywords:
        return ExpressionWrapper(in_segment, output_field=BooleanField())
    return Case(
        When(
            in_segment,
            then=ExpressionWrapper(Q(titled_contact__isnull=False), output_field=BooleanField()),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


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
    keywords = [keyword for keyword in strategy.title_keywords or [] if keyword]
    weeks = chosen_periods(
        filters,
        count=filters.weeks,
        today=min(local_today(zone, now), strategy.ends_on),
        zone=zone,
        week_starts_on=getattr(user, "week_starts_on", 0) or 0,
    )
    periods = _clipped(weeks, strategy, zone)
    if filters.owner is None and filters.team is None and strategy.team_id is not None:
        members = insight_members(user=user, filters=MemberFilter(team=strategy.team_id))
    else:
        members = insight_members(user=user, filters=filters)
    member_ids = [member.pk for member in members]
    low = max(weeks[0].start, midnight(strategy.starts_on, zone))
    high = min(weeks[-1].end, midnight(strategy.ends_on + datetime.timedelta(days=1), zone))
    table: dict[tuple[int, int], AlignmentWeek] = {}

    def cell(owner_id: int, index: int) -> AlignmentWeek:
        return table.setdefault(
            (owner_id, index), AlignmentWeek(periods[index], target_share=strategy.target_share)
        )

    if low < high and member_ids:
        _add_activities(user, member_ids, weeks, low, high, segment_ids, keywords, cell)
        _add_deals(member_ids, weeks, low, high, segment_ids, keywords, cell)
    totals = [AlignmentWeek(period, target_share=strategy.target_share) for period in periods]
    result = []
    for member in members:
        member_weeks = [cell(member.pk, index) for index in range(len(periods))]
        for index, week in enumerate(member_weeks):
            totals[index].add(week)
        result.append(MemberAlignment(user=member, weeks=member_weeks))
    return StrategyAlignment(strategy=strategy, as_of=now, periods=periods, members=result, totals=totals)


def _hours(seconds: float | None) -> float:
    return round(seconds / 3600, 2) if seconds else 0.0


def _add_activities(
    user: Any,
    member_ids: list[int],
    weeks: list[Period],
    low: datetime.datetime,
    high: datetime.datetime,
    segment_ids: list[int],
    keywords: list[str],
    cell: Any,
) -> None:
    """Customer-facing done activities per member and week: all, and those that match. Grouped by
    member, week and "matches" so that the (costly) match is computed once per activity rather than
    once per aggregate that filters on it."""
    # The status as ``+status`` on SQLite (``NotAnIndex``): with the large data's statistics it read the
    # period's done activities of every member through the status index, then kept the team's (a team's
    # quarter: 142 -> 46 ms through the owner index, the same rows).
    activities = Activity.objects.visible_to(user).filter(
        Exact(NotAnIndex("status"), Activity.Status.DONE),
        owner__in=member_ids,
        type__is_customer_facing=True,
        starts_at__gte=low,
        starts_at__lt=high,
    )
    if keywords:
        activities = activities.annotate(titled_contact=_titled_contact(keywords, activity=True))
    rows = (
        activities.annotate(
            period=period_index("starts_at", weeks),
            matches=_matches(segment_ids, keywords),
        )
        .order_by()
        .values("owner_id", "period", "matches")
        .annotate(activities=Count("pk"), seconds=Sum(Seconds("ends_at", "starts_at")))
    )
    seconds: dict[tuple[int, int], list[float]] = {}
    for row in rows:
        week = cell(row["owner_id"], row["period"])
        total = seconds.setdefault((row["owner_id"], row["period"]), [0.0, 0.0])
        week.activities += row["activities"]
        total[0] += row["seconds"] or 0.0
        if row["matches"]:
            week.matching += row["activities"]
            total[1] += row["seconds"] or 0.0
    for (owner_id, period), (all_seconds, matching_seconds) in seconds.items():
        week = cell(owner_id, period)
        week.hours, week.matching_hours = _hours(all_seconds), _hours(matching_seconds)


def _add_deals(
    member_ids: list[int],
    weeks: list[Period],
    low: datetime.datetime,
    high: datetime.datetime,
    segment_ids: list[int],
    keywords: list[str],
    cell: Any,
) -> None:
    """Deals created and amounts won per member and week: from matching customers and from the others.

    Two narrow reads, each grouped by member and "matches" (computed once per deal, its customer looked up
    by id): the deals created in the range through the owners'
    creation index, and the deals won in it (``history.won_q``) through the owners' stage index. As one
    read of "created or won", each week's aggregates filtered on the match and the win, PostgreSQL hashed
    all 100,000 customers to find each deal's segment and SQLite read the team's deals once per stage
    (a team's quarter: 27 -> 17 ms of SQL on PostgreSQL as one grouped read; SQLite 21 -> 8 ms as two)."""
    created_in = [Q(created_at__gte=week.start, created_at__lt=week.end) for week in weeks]
    closed_in = [Q(closed_at__gte=week.start, closed_at__lt=week.end) for week in weeks]
    for kind, condition, aggregates in (
        (
            "created",
            Q(created_at__gte=low, created_at__lt=high),
            {f"in_{index}": Count("pk", filter=week) for index, week in enumerate(created_in)},
        ),
        (
            "won",
            history.won_q(low, high),
            {f"in_{index}": Sum("amount", filter=week) for index, week in enumerate(closed_in)},
        ),
    ):
        deals = Deal.objects.filter(condition, owner__in=member_ids)
        if keywords:
            deals = deals.annotate(titled_contact=_titled_contact(keywords, activity=False))
        rows = (
            deals.annotate(matches=_matches(segment_ids, keywords, per_row=True))
            .order_by()
            .values("owner_id", "matches")
            .annotate(**aggregates)
        )
        for row in rows:
            for index in range(len(weeks)):
                week, value = cell(row["owner_id"], index), row[f"in_{index}"] or 0
                if kind == "created" and row["matches"]:
                    week.deals_created_matching += value
                elif kind == "created":
                    week.deals_created_other += value
                elif row["matches"]:
                    week.won_amount_matching += value
                else:
                    week.won_amount_other += value
