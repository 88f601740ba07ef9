"""Targets against actuals (目標と実績): attainment, pace and forecast per rep and team, any fiscal period.

Periods come from the fiscal calendar (``targets/periods.py``); their boundaries are local midnights in
the team's time zone (``users.zones.period_zone``: ``Team.time_zone``; for one rep, their team's).
The actual of a rep for a period, by metric (always the rep's own records, ``owner``):

- ``revenue``: the sum of ``amount`` of the rep's deals won in the period (``deals.history.won_q``, the
  rule of every "won" figure: in a won stage by a closing stage change whose time, ``closed_at``, falls
  in the period, not archived; a deal won 2027-03-31 23:30 JST counts in March 2027, FY2026);
- ``won_deals``: how many of those deals;
- ``new_deals``: the rep's deals created (``created_at``) in the period, whatever their stage now;
- ``activities``: the rep's done activities (``status = done``) whose start falls in the period;
- ``key_customer_visits``: of those, the face-to-face ones (``type.is_face_to_face``) with a key
  customer (``is_key_customer``, ADR 0011).

A team's actual is the sum of its current active members' actuals.

Target: the rep's (or team's) target for the period itself; without one, the sum of the targets of its
parts (a year's halves, a half's quarters, a quarter's months, each resolved the same way). A team's
target is its own figure (resolved so) or, when it has none, the sum of its members' targets
(``target_source``: ``period``, ``parts``, ``members``, or None when there is no target).

- ``attainment`` = actual / target (a share, 4 places; None without a target or with a zero target);
- ``gap`` = target − actual: what is still missing (negative once exceeded);
- ``pace`` = target × elapsed working days / working days of the period: where the actual should be by
  today (working days: Monday–Friday except Japanese public holidays, ``activities.holidays``; the days
  from the period's first day to today, today included; a past period is fully elapsed);
- ``forecast``: revenue: actual + Σ amount × stage probability of the open deals (not archived) with an
  expected close date in the period; won deals: actual + Σ probability of those deals; activities and
  key-customer visits: actual + the plans still ahead (planned, start from now to the period's end, of
  the same kind); new deals: the actual at the current rate (actual ÷ elapsed share of working days;
  the actual for a past period, and for a period not begun);
- ``status``: ``achieved`` (actual ≥ target), ``on_pace`` (actual ≥ pace), ``behind``; None without a
  target.

Pace and forecast are rounded half up: to the yen for revenue, to one decimal for the counts.

Queries: the targets (one), and per family of metrics one grouped query over every member and month of
the period (won deals, new deals, activities, open deals), whatever the number of members and months.
"""

from __future__ import annotations

import datetime
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from totonou.activities.holidays import working_days
from totonou.activities.models import Activity, ActivityDayCount, ActivityType
from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.deals import history
from totonou.deals.models import Deal
from totonou.insights.selectors.periods import day_period as _day_period
from totonou.insights.selectors.periods import period_index
from totonou.insights.selectors.pipeline import open_deals
from totonou.targets.models import Metric
from totonou.targets.periods import FiscalPeriod, member_zone, parse_period, period_containing, period_zone
from totonou.targets.selectors import target_values
from totonou.users.models import Team, User
from totonou.users.permissions import is_signed_in, managed_team_ids, managed_user_ids

METRICS: list[str] = list(Metric.values)
DEAL_WON = {Metric.REVENUE, Metric.WON_DEALS}
ACTIVITY_METRICS = {Metric.ACTIVITIES, Metric.KEY_CUSTOMER_VISITS}

STATUS_LABELS = {
    "achieved": ("✓", gettext_lazy("Achieved")),
    "on_pace": ("→", gettext_lazy("On pace")),
    "behind": ("!", gettext_lazy("Behind")),
}


def _half_up(value: Fraction, places: int) -> float:
    scale = 10**places
    return math.floor(value * scale + Fraction(1, 2)) / scale


def _rounded(metric: str, value: Fraction) -> float:
    """Revenue to the yen, counts to one decimal (half up)."""
    if metric == Metric.REVENUE:
        return float(math.floor(value + Fraction(1, 2)))
    return _half_up(value, 1)


@dataclass
class Cell:
    """A rep's or a team's numbers for one metric and period."""

    metric: str
    period: FiscalPeriod
    target: int | None
    target_source: str | None
    actual: int
    #: None when the table was read without forecasts (``attainment_table(forecast=False)``)
    forecast: float | None
    pace: float | None
    working_days: int
    elapsed_working_days: int

    @property
    def attainment(self) -> float | None:
        return round(self.actual / self.target, 4) if self.target else None

    @property
    def attainment_percent(self) -> int | None:
        share = self.attainment
        return math.floor(share * 100 + 0.5) if share is not None else None

    @property
    def gap(self) -> int | None:
        return self.target - self.actual if self.target is not None else None

    @property
    def shortfall(self) -> int | None:
        gap = self.gap
        return gap if gap is not None and gap > 0 else None

    @property
    def excess(self) -> int | None:
        gap = self.gap
        return -gap if gap is not None and gap < 0 else None

    @property
    def status(self) -> str | None:
        if self.target is None:
            return None
        if self.actual >= self.target:
            return "achieved"
        if self.pace is not None and self.actual >= self.pace:
            return "on_pace"
        return "behind"

    @property
    def status_symbol(self) -> str:
        return STATUS_LABELS[self.status][0] if self.status else ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status][1]) if self.status else ""

    @property
    def metric_label(self) -> str:
        return str(Metric(self.metric).label)


@dataclass
class _Bucket:
    """Raw sums for one member, metric and month: the actual and the forecast's addition."""

    actual: int = 0
    extra: Fraction = field(default_factory=Fraction)


Buckets = dict[tuple[str, int, int], _Bucket]  # (metric, user id, month index)


def _date_index(field_name: str, months: Sequence[FiscalPeriod]) -> Case:
    """The index of the month a date column falls in (rows already limited to the months' span)."""
    whens = [
        When(**{f"{field_name}__lte": month.last_day}, then=Value(index))
        for index, month in enumerate(months[:-1])
    ]
    return Case(*whens, default=Value(len(months) - 1), output_field=IntegerField())


def _month_periods(months: Sequence[FiscalPeriod], zone: zoneinfo.ZoneInfo) -> list[Any]:
    return [_day_period(month.first_day, month.last_day, zone, month.key) for month in months]


def _actuals(
    *,
    metrics: Iterable[str],
    user_ids: list[int],
    months: Sequence[FiscalPeriod],
    now: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    forecast: bool = True,
) -> Buckets:
    """One grouped query per family of metrics: per member and month (``forecast``: with the revenue's
    and won deals' weighted open pipeline, a query of its own)."""
    wanted = set(metrics)
    buckets: Buckets = defaultdict(_Bucket)
    if not user_ids or not months:
        return buckets
    spans = _month_periods(months, zone)
    start, end = spans[0].start, spans[-1].end
    if wanted & DEAL_WON:
        won = (
            Deal.objects.filter(history.won_q(start, end), owner_id__in=user_ids)
            .annotate(month=period_index("closed_at", spans))
            .values("owner_id", "month")
            .annotate(amount=Sum("amount"), count=Count("pk"))
            .order_by()
        )
        for row in won:
            buckets[(Metric.REVENUE, row["owner_id"], row["month"])].actual += row["amount"] or 0
            buckets[(Metric.WON_DEALS, row["owner_id"], row["month"])].actual += row["count"]
    if wanted & DEAL_WON and forecast:
        first_day, last_day = months[0].first_day, months[-1].last_day
        expected = (
            open_deals(Deal.objects.filter(owner_id__in=user_ids))
            .filter(expected_close_date__gte=first_day, expected_close_date__lte=last_day)
            .annotate(month=_date_index("expected_close_date", months))
            .values("owner_id", "month")
            .annotate(weighted=Sum(F("amount") * F("stage__probability")), chances=Sum("stage__probability"))
            .order_by()
        )
        for row in expected:
            buckets[(Metric.REVENUE, row["owner_id"], row["month"])].extra += Fraction(
                row["weighted"] or 0, 100
            )
            buckets[(Metric.WON_DEALS, row["owner_id"], row["month"])].extra += Fraction(
                row["chances"] or 0, 100
            )
    if Metric.NEW_DEALS in wanted:
        created = (
            Deal.objects.filter(owner_id__in=user_ids, created_at__gte=start, created_at__lt=end)
            .annotate(month=period_index("created_at", spans))
            .values("owner_id", "month")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for row in created:
            buckets[(Metric.NEW_DEALS, row["owner_id"], row["month"])].actual += row["count"]
    if wanted & ACTIVITY_METRICS:
        for row in _activity_rows(user_ids=user_ids, spans=spans, now=now):
            activities = buckets[(Metric.ACTIVITIES, row["owner_id"], row["month"])]
            activities.actual += row["done"]
            activities.extra += row["ahead"]
            visits = buckets[(Metric.KEY_CUSTOMER_VISITS, row["owner_id"], row["month"])]
            visits.actual += row["key_visits"]
            visits.extra += row["key_ahead"]
    return buckets


def _utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def _is_utc_midnight(moment: datetime.datetime) -> bool:
    return moment.astimezone(datetime.UTC).timetz() == datetime.time(tzinfo=datetime.UTC)


@dataclass(frozen=True)
class _Range:
    """Activities of one status starting in ``[low, high)``, all inside month ``month``."""

    status: str
    low: datetime.datetime
    high: datetime.datetime
    month: int


def _live_ranges(spans: Sequence[Any], now: datetime.datetime) -> tuple[list[datetime.date], list[_Range]]:
    """The UTC days a month boundary cuts in two (the whole days come from the daily counts), and the
    ranges read from the activities: each cut day's parts (done) and the plans from now on (planned),
    split at the month boundaries so each range lies in one month."""
    start, end = spans[0].start, spans[-1].end
    boundaries = [*(span.start for span in spans), end]
    cut = sorted(
        {moment.astimezone(datetime.UTC).date() for moment in boundaries if not _is_utc_midnight(moment)}
    )
    ranges: list[_Range] = []

    def split(status: str, low: datetime.datetime, high: datetime.datetime) -> None:
        low, high = max(low, start), min(high, end)
        for index, span in enumerate(spans):
            part_low, part_high = max(low, span.start), min(high, span.end)
            if part_low < part_high:
                ranges.append(_Range(status, part_low, part_high, index))

    for day in cut:
        split(Activity.Status.DONE, _utc_midnight(day), _utc_midnight(day + datetime.timedelta(days=1)))
    split(Activity.Status.PLANNED, now, end)
    return cut, ranges


def _activity_rows(
    *, user_ids: list[int], spans: Sequence[Any], now: datetime.datetime
) -> list[dict[str, Any]]:
    """Per member and month: done activities and key-customer visits, and the plans still ahead of each.

    One statement (ADR 0037): the UTC days wholly inside a month from the daily counts
    (``ActivityDayCount``: a team's year is a few thousand rows, not ~80,000 activities), and from the
    activities the UTC days a month boundary cuts in two (a local midnight that is not a UTC one: 15:00
    UTC in Japan) and the plans from now on, a ``UNION ALL`` part per range so that each reads one range
    of the covering ``activity_owner_start_idx``. (With the ranges OR'ed in one part SQLite read the whole
    year, or fetched every row from the table; as ORM querysets, the ~30 parts cost more to compile than
    the old count took to run.)

    The SQL is written here: identifiers are the models' own, values are parameters."""
    if not user_ids:
        return []
    ops = connection.ops
    cut, ranges = _live_ranges(spans, now)
    first_day = spans[0].start.astimezone(datetime.UTC).date()
    last_day = spans[-1].end.astimezone(datetime.UTC).date() - datetime.timedelta(days=1)
    owners = ", ".join(["%s"] * len(user_ids))
    counts, activities, types = (
        ActivityDayCount._meta.db_table,
        Activity._meta.db_table,
        ActivityType._meta.db_table,
    )
    # The month of a whole day: the first month whose end is after the day's end (cut days are left out).
    month_sql = (
        f"CASE {' '.join(['WHEN c.day < %s THEN %s'] * (len(spans) - 1))} ELSE %s END"
        if len(spans) > 1
        else "%s"
    )
    month_params: list[Any] = []
    for index, span in enumerate(spans[:-1]):
        month_params += [ops.adapt_datefield_value(span.end.astimezone(datetime.UTC).date()), index]
    cut_sql = f" AND c.day NOT IN ({', '.join(['%s'] * len(cut))})" if cut else ""
    parts = [
        f"SELECT c.owner_id, {month_sql} AS month, SUM(c.done) AS done,"  # noqa: S608
        " SUM(CASE WHEN t.is_face_to_face THEN c.key_done ELSE 0 END) AS key_visits,"
        " 0 AS ahead, 0 AS key_ahead"
        f" FROM {counts} c JOIN {types} t ON t.id = c.type_id"
        f" WHERE c.owner_id IN ({owners}) AND c.day >= %s AND c.day <= %s{cut_sql}"
        " GROUP BY c.owner_id, 2"
    ]
    params: list[Any] = [
        *month_params,
        len(spans) - 1,
        *user_ids,
        ops.adapt_datefield_value(first_day),
        ops.adapt_datefield_value(last_day),
        *(ops.adapt_datefield_value(day) for day in cut),
    ]
    sql = parts[0]
    range_params: list[Any] = []
    if ranges:  # the cut days and the plans ahead, each range joined to one range of the owner index
        key, done, planned = (
            "a.is_key_customer AND t.is_face_to_face",
            "a.status = 'done'",
            "a.status = 'planned'",
        )
        # PostgreSQL, not knowing how narrow the ranges are, joined them to every activity of the owners
        # (a hash join over their whole history): ``LATERAL`` reads each range on its own. SQLite has no
        # ``LATERAL`` and reads each range through the owner index with the plain join; the unary ``+``
        # keeps it off the status index, which it chose with the large data's statistics and which reads
        # every owner's plans ahead (92 → 36 ms, the same rows).
        condition = "a.starts_at >= r.low AND a.starts_at < r.high AND {status} = r.status"
        if connection.vendor == "postgresql":
            in_range = (
                "CROSS JOIN LATERAL (SELECT a.owner_id, a.status, a.is_key_customer, a.type_id"  # noqa: S608
                f" FROM {activities} a WHERE a.owner_id IN ({owners})"
                f" AND {condition.format(status='a.status')} OFFSET 0) a"
            )
        else:
            in_range = (
                f"JOIN {activities} a ON a.owner_id IN ({owners}) AND {condition.format(status='+a.status')}"
            )
        parts.append(
            f"SELECT a.owner_id, r.month, COUNT(*) FILTER (WHERE {done}),"  # noqa: S608
            f" COUNT(*) FILTER (WHERE {done} AND {key}), COUNT(*) FILTER (WHERE {planned}),"
            f" COUNT(*) FILTER (WHERE {planned} AND {key})"
            f" FROM ranges r {in_range} JOIN {types} t ON t.id = a.type_id GROUP BY a.owner_id, r.month"
        )
        params += user_ids
        values = ", ".join(["(%s, %s, %s, %s)"] * len(ranges))
        for part in ranges:
            range_params += [
                ops.adapt_datetimefield_value(part.low),
                ops.adapt_datetimefield_value(part.high),
                part.month,
                part.status,
            ]
        sql = f"WITH ranges (low, high, month, status) AS (VALUES {values}) {' UNION ALL '.join(parts)}"
    columns = ["owner_id", "month", "done", "key_visits", "ahead", "key_ahead"]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*range_params, *params])
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _resolve(
    values: dict[tuple[str, str, int, str], int],
    metric: str,
    kind: str,
    owner: int,
    period: FiscalPeriod,
    memo: dict[Any, Any] | None = None,
) -> tuple[int | None, str | None]:
    """The target set for the period, else the sum of its parts' (resolved the same way). ``memo``, one
    per table, keeps each answer and each period's parts (a team's year asks for every member's months
    several times)."""
    memo = {} if memo is None else memo
    slot = (metric, kind, owner, period)
    if slot in memo:
        return memo[slot]
    own = values.get((metric, kind, owner, period.key))
    if own is not None:
        memo[slot] = (own, "period")
        return own, "period"
    parts = memo.get(period)
    if parts is None:
        parts = memo[period] = period.parts()
    resolved = [_resolve(values, metric, kind, owner, part, memo)[0] for part in parts]
    set_parts = [value for value in resolved if value is not None]
    memo[slot] = (sum(set_parts), "parts") if set_parts else (None, None)
    return memo[slot]


@dataclass(frozen=True)
class _Days:
    working: int
    elapsed: int


def _days(period: FiscalPeriod, today: datetime.date) -> _Days:
    working = working_days(period.first_day, period.last_day)
    elapsed = working_days(period.first_day, min(today, period.last_day)) if today >= period.first_day else 0
    return _Days(working, elapsed)


def _cell(
    *,
    metric: str,
    period: FiscalPeriod,
    target: tuple[int | None, str | None],
    actual: int,
    extra: Fraction,
    days: _Days,
    forecast: bool = True,
) -> Cell:
    value, source = target
    pace: float | None = None
    if value is not None:
        share = Fraction(days.elapsed, days.working) if days.working else Fraction(1)
        pace = _rounded(metric, value * share)
    estimate: Fraction | int | None
    if not forecast:
        estimate = None
    elif metric == Metric.NEW_DEALS:
        estimate = (
            Fraction(actual) * days.working / days.elapsed
            if days.elapsed and days.elapsed < days.working
            else Fraction(actual)
        )
    else:
        estimate = actual + extra
    return Cell(
        metric=metric,
        period=period,
        target=value,
        target_source=source,
        actual=actual,
        forecast=_rounded(metric, estimate) if estimate is not None else None,
        pace=pace,
        working_days=days.working,
        elapsed_working_days=days.elapsed,
    )


@dataclass
class Row:
    """One line of a table: a member (``user``) or the team total (``team``), a cell per period."""

    metric: str
    user: User | None
    team: Team | None
    cells: list[Cell]

    @property
    def name(self) -> str:
        return str(self.user if self.user is not None else self.team)

    @property
    def total(self) -> Cell:
        return self.cells[-1]


@dataclass
class Table:
    """Every requested period for every metric: the members' rows and the team total."""

    as_of: datetime.datetime
    today: datetime.date
    periods: list[FiscalPeriod]
    metrics: list[str]
    members: list[User]  # whose rows are shown
    team: Team | None
    rows: list[Row]  # per metric: the members' rows, then the team total (when a team is given)
    zone: zoneinfo.ZoneInfo = field(default_factory=period_zone)  # of the period boundaries

    def for_metric(self, metric: str) -> list[Row]:
        return [row for row in self.rows if row.metric == metric]

    def team_row(self, metric: str) -> Row | None:
        return next((row for row in self.rows if row.metric == metric and row.user is None), None)


def attainment_table(
    *,
    span: FiscalPeriod,
    periods: Sequence[FiscalPeriod],
    metrics: Sequence[str],
    members: Sequence[User],
    team: Team | None = None,
    team_members: Sequence[User] | None = None,
    now: datetime.datetime | None = None,
    targeted_only: bool = False,
    forecast: bool = True,
) -> Table:
    """The cells of ``periods`` (each within ``span``) for ``members`` and, with ``team``, the team total
    over ``team_members`` (default: ``members``). No visibility check: callers pass whom they may show.
    Boundaries in ``team``'s time zone; without a team, in the first member's team's (``table_zone``).

    ``targeted_only``: only the metrics that have a target among these owners (My day's card costs one
    query, and nothing more, for someone without targets). ``forecast=False``: the cells' ``forecast`` is
    None and the open pipeline is not read (the meeting pack shows target, actual and attainment)."""
    now = now or timezone.now()
    zone = table_zone(team, members)
    today = now.astimezone(zone).date()
    everyone = list({user.pk: user for user in [*members, *(team_members or members)]}.values())
    all_ids = [user.pk for user in everyone]
    total_ids = [user.pk for user in (team_members if team_members is not None else members)]
    months = span.months()
    month_index = {month.key: index for index, month in enumerate(months)}
    keys: set[str] = set()
    for period in periods:
        pending = [period]
        while pending:
            current = pending.pop()
            keys.add(current.key)
            pending.extend(current.parts())
    values = target_values(
        metrics=metrics, periods=keys, user_ids=all_ids, team_ids=[team.pk] if team is not None else []
    )
    if targeted_only:
        metrics = [metric for metric in metrics if any(key[0] == metric for key in values)]
    buckets = _actuals(
        metrics=metrics, user_ids=all_ids, months=months, now=now, zone=zone, forecast=forecast
    )
    days = {period.key: _days(period, today) for period in periods}
    indices = {period.key: [month_index[month.key] for month in period.months()] for period in periods}

    def sums(metric: str, user_ids: Sequence[int], period: FiscalPeriod) -> tuple[int, Fraction]:
        actual, extra = 0, Fraction(0)
        for user_id in user_ids:
            for index in indices[period.key]:
                bucket = buckets.get((metric, user_id, index))
                if bucket is not None:
                    actual += bucket.actual
                    extra += bucket.extra
        return actual, extra

    rows: list[Row] = []
    memo: dict[Any, Any] = {}
    for metric in metrics:
        for member in members:
            cells = []
            for period in periods:
                actual, extra = sums(metric, [member.pk], period)
                target = _resolve(values, metric, "user", member.pk, period, memo)
                cells.append(
                    _cell(
                        metric=metric,
                        period=period,
                        target=target,
                        actual=actual,
                        extra=extra,
                        days=days[period.key],
                        forecast=forecast,
                    )
                )
            rows.append(Row(metric, member, None, cells))
        if team is not None:
            cells = []
            for period in periods:
                actual, extra = sums(metric, total_ids, period)
                target = _resolve(values, metric, "team", team.pk, period, memo)
                if target[0] is None:
                    member_targets = [
                        _resolve(values, metric, "user", pk, period, memo)[0] for pk in total_ids
                    ]
                    set_targets = [value for value in member_targets if value is not None]
                    target = (sum(set_targets), "members") if set_targets else (None, None)
                cells.append(
                    _cell(
                        metric=metric,
                        period=period,
                        target=target,
                        actual=actual,
                        extra=extra,
                        days=days[period.key],
                        forecast=forecast,
                    )
                )
            rows.append(Row(metric, None, team, cells))
    return Table(now, today, list(periods), list(metrics), list(members), team, rows, zone)


def table_zone(team: Team | None, members: Sequence[User]) -> zoneinfo.ZoneInfo:
    """The zone of a table's periods: the team's, else the (first) member's team's, else the site's."""
    if team is not None:
        return period_zone(team)
    return member_zone(members[0]) if members else period_zone()


# --- Who may see whose numbers -----------------------------------------------------------------------


def _team_members(team: Team) -> list[User]:
    return list(User.objects.filter(team=team, is_active=True).order_by("display_name", "username", "pk"))


def may_see_team(viewer: Any, team: Team) -> bool:
    if not is_signed_in(viewer):
        return False
    if viewer.role == User.Role.ADMIN:
        return True
    return team.pk == viewer.team_id or (
        viewer.role == User.Role.MANAGER and team.pk in managed_team_ids(viewer)
    )


def may_see_members_of(viewer: Any, team: Team) -> bool:
    """Every member's row: admins, and the team's managers; the others see their own row and the total."""
    if viewer.role == User.Role.ADMIN:
        return True
    return viewer.role == User.Role.MANAGER and team.pk in managed_team_ids(viewer)


def may_see_user(viewer: Any, user: User) -> bool:
    if not is_signed_in(viewer):
        return False
    if viewer.role == User.Role.ADMIN or user.pk == viewer.pk:
        return True
    return viewer.role == User.Role.MANAGER and user.pk in managed_user_ids(viewer)


def team_scope(viewer: Any, team: Team) -> tuple[list[User], list[User]]:
    """(the rows shown, everyone in the total) for ``viewer`` looking at ``team``."""
    if not may_see_team(viewer, team):
        raise PermissionDenied(
            _("You may see the targets of your own team and of the teams you manage only.")
        )
    members = _team_members(team)
    shown = (
        members if may_see_members_of(viewer, team) else [user for user in members if user.pk == viewer.pk]
    )
    return shown, members


# --- The API's and the pages' entry points ----------------------------------------------------------


@dataclass
class Attainment:
    period: FiscalPeriod
    table: Table


def attainment(*, user: Any, filters: Any, now: datetime.datetime | None = None) -> Attainment:
    """``GET /api/v1/insights/attainment``: one user's rows, or a team's members' rows (those the viewer
    may see) and the team total; the viewer's team when neither is given. The default period is this
    month in the team's time zone."""
    now = now or timezone.now()
    try:
        period = parse_period(filters.period) if filters.period else None
    except ValidationError as error:
        raise ValidationError({"period": error.messages}) from None
    metrics = [filters.metric] if filters.metric else METRICS
    if filters.user is not None:
        person = User.objects.filter(pk=filters.user).select_related("team").first()
        if person is None:
            raise ValidationError({"user": [_("There is no such user.")]})
        if not may_see_user(user, person):
            raise PermissionDenied(_("You may see your own targets and those of the teams you manage only."))
        period = period or period_containing(now.astimezone(member_zone(person)).date(), "month")
        table = attainment_table(span=period, periods=[period], metrics=metrics, members=[person], now=now)
        return Attainment(period, table)
    team_id = filters.team if filters.team is not None else getattr(user, "team_id", None)
    if team_id is None:
        raise ValidationError({"team": [_("Choose a team or a user.")]})
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationError({"team": [_("There is no such team.")]})
    shown, members = team_scope(user, team)
    period = period or period_containing(now.astimezone(period_zone(team)).date(), "month")
    table = attainment_table(
        span=period,
        periods=[period],
        metrics=metrics,
        members=shown,
        team=team,
        team_members=members,
        now=now,
    )
    return Attainment(period, table)


def attainment_for(user: User, period: FiscalPeriod, *, now: datetime.datetime | None = None) -> list[Cell]:
    """Every metric's cell for one rep and period (for the weekly report and other summaries)."""
    table = attainment_table(span=period, periods=[period], metrics=METRICS, members=[user], now=now)
    return [row.total for row in table.rows]


@dataclass
class Progress:
    """My day's card: the member's current month and quarter, for the metrics that have a target."""

    month: FiscalPeriod
    quarter: FiscalPeriod
    rows: list[tuple[Cell, Cell]]  # (month, quarter) per metric with a target in either


def my_day_progress(*, member: User, now: datetime.datetime | None = None) -> Progress:
    now = now or timezone.now()
    today = now.astimezone(member_zone(member)).date()
    month = period_containing(today, "month")
    quarter = period_containing(today, "quarter")
    table = attainment_table(
        span=quarter, periods=[month, quarter], metrics=METRICS, members=[member], now=now, targeted_only=True
    )
    rows = [
        (row.cells[0], row.cells[1])
        for row in table.rows
        if row.cells[0].target is not None or row.cells[1].target is not None
    ]
    return Progress(month, quarter, rows)
