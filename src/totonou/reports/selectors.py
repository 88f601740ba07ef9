"""Reads for weekly reports: a rep's week assembled from the records, and the reports themselves.

``week_summary`` gives the figures of one rep's report week (``reports.weeks.report_period``: Monday 00:00
to the next Monday 00:00 in the rep's time zone). Each figure comes with the ids of the records behind
it, so every number on the page links to them. Definitions (the activities are the rep's own, and an
activity belongs to the week its current ``starts_at`` falls in, as in plan vs actual):

- ``activities_done``: done activities of the week (any type);
- ``planned``, ``done_as_planned``, ``moved``, ``cancelled``, ``unplanned``: exactly as in plan vs actual
  (``insights.selectors.plan_vs_actual.plan_filters``, the one definition): planned in advance; done at
  the start first planned; planned and moved (whatever their result; a plan moved into the next week
  counts there, not here); planned and cancelled; done and never planned;
- ``still_open``: planned activities of the week still without a result (plan vs actual's overdue plus
  upcoming);
- ``key_customer_touches``: done activities of the week with a key customer (重点顧客);
- ``key_customer_days``: distinct local days of the week with at least one such touch;
- ``customers_past_threshold``: the rep's customers (not archived) due for contact on the week's last
  day that were not due the day before the week began (``insights.selectors.thresholds.uncontacted_q``):
  those that went past their threshold during the week;
- ``deals_created``: the rep's deals created in the week;
- ``deals_moved``: the rep's deals with at least one stage change in the week (won and lost included);
- ``deals_won`` / ``won_amount``: the rep's deals won in the week (``deals.history.won_q``: closed won
  by a stage change in the week, not archived), and the sum of their amounts in yen;
- ``deals_lost``: the rep's deals closed lost in the week, by the same rule (their reasons in
  ``lost_reasons``);
- ``next_week_planned``: the rep's activities still planned that start in the following week.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from totonou.activities.models import Activity, ActivityType
from totonou.core.i18n import pick
from totonou.core.rows import raw_rows
from totonou.customers.models import Customer
from totonou.deals import history
from totonou.deals.models import Deal, Stage, StageChange
from totonou.insights.selectors.periods import DayIndex, Period, user_zone
from totonou.insights.selectors.plan_vs_actual import plan_filters
from totonou.insights.selectors.thresholds import thresholds_in_force, uncontacted_q
from totonou.reports.filters import WeeklyReportFilter
from totonou.reports.models import WeeklyReport
from totonou.reports.weeks import report_period, shift_week
from totonou.users.models import User

#: The figures of a week, in the order the page and the API show them.
FIGURES = [
    "activities_done",
    "planned",
    "done_as_planned",
    "moved",
    "cancelled",
    "unplanned",
    "still_open",
    "key_customer_touches",
    "key_customer_days",
    "customers_past_threshold",
    "deals_created",
    "deals_moved",
    "deals_won",
    "won_amount",
    "deals_lost",
    "next_week_planned",
]
#: Figures whose records are activities, customers or deals (for the links); the rest are derived.
ACTIVITY_FIGURES = [
    "activities_done",
    "planned",
    "done_as_planned",
    "moved",
    "cancelled",
    "unplanned",
    "still_open",
    "key_customer_touches",
    "next_week_planned",
]
DEAL_FIGURES = ["deals_created", "deals_moved", "deals_won", "deals_lost"]


@dataclass
class WeekSummary:
    author: User
    week: str
    period: Period
    figures: dict[str, int] = field(default_factory=dict)
    #: figure -> ids of the activities (activity figures), customers or deals behind it
    records: dict[str, list[int]] = field(default_factory=dict)
    done_by_type: dict[str, int] = field(default_factory=dict)  # type slug -> done count, in type order
    key_customers: list[int] = field(default_factory=list)  # key customers touched, by id
    #: the key customers (重点顧客) of ``records["customers_past_threshold"]``, in its order
    key_customers_past_threshold: list[int] = field(default_factory=list)
    cancel_reasons: dict[int, str] = field(default_factory=dict)  # activity id -> reason
    lost_reasons: dict[int, str] = field(default_factory=dict)  # deal id -> loss reason name or note

    def as_snapshot(self) -> dict[str, Any]:
        """What a submitted report freezes: the figures and the records behind them."""
        return {
            "figures": dict(self.figures),
            "records": {name: list(ids) for name, ids in self.records.items()},
            "done_by_type": dict(self.done_by_type),
        }


class ROW:
    """The columns of a week's activity row (``_zone_summaries``), then its flags in ``FLAGS``' order."""

    pk, owner, day, type, customer, cancel_reason = range(6)
    FLAGS = [
        "is_planned",
        "is_done_as_planned",
        "is_moved",
        "is_cancelled",
        "is_unplanned",
        "is_still_open",
        "is_done",
        "is_key_customer_touch",
    ]

    @classmethod
    def flag(cls, name: str) -> int:
        return 6 + cls.FLAGS.index(name)


def _activity_ids(rows: list[tuple[Any, ...]], flag: str) -> list[int]:
    index = ROW.flag(flag)
    return [row[ROW.pk] for row in rows if row[index]]


def activity_type_slugs() -> dict[int, str]:
    """Activity type id -> slug, in the types' order (``done_by_type``)."""
    return {pk: slug for pk, slug in ActivityType.objects.order_by("order", "pk").values_list("pk", "slug")}


def week_summary(
    *,
    author: User,
    week: str,
    now: datetime.datetime | None = None,
    types: dict[int, str] | None = None,
) -> WeekSummary:
    """The figures of ``author``'s week ``week`` (see the module docstring). A handful of queries,
    whatever the size of the week (one less with ``types``, from ``activity_type_slugs``)."""
    return week_summaries(authors=[author], week=week, now=now, types=types)[author.pk]


def week_summaries(
    *,
    authors: list[User],
    week: str,
    now: datetime.datetime | None = None,
    types: dict[int, str] | None = None,
    figures_only: bool = False,
) -> dict[int, WeekSummary]:
    """``week_summary`` of each of ``authors`` (by user id) in the same handful of queries as one rep's,
    per time zone among them (a team's meeting pack reads its members' weeks at once).

    ``figures_only``: the activity figures are counted by the database (the same ``plan_filters``,
    grouped by member and local day) instead of read row by row, so the summaries have every figure but
    no records for the activity figures, no ``done_by_type``, ``key_customers`` nor ``cancel_reasons``,
    and the customers gone past their threshold in no particular order (the meeting pack: a dense week
    is thousands of activities per team)."""
    found = summaries_of_weeks(authors=authors, weeks=[week], now=now, types=types, figures_only=figures_only)
    return {author_id: summary for (author_id, _week), summary in found.items()}


def summaries_of_weeks(
    *,
    authors: list[User],
    weeks: list[str],
    now: datetime.datetime | None = None,
    types: dict[int, str] | None = None,
    figures_only: bool = False,
) -> dict[tuple[int, str], WeekSummary]:
    """``week_summaries`` of consecutive ``weeks`` (oldest first), by (user id, week), in the queries of
    one week: each query reads the weeks' whole span and its rows are split by local day (the report
    page's "this week next to last week" was twice the queries)."""
    if any(shift_week(week, 1) != following for week, following in itertools.pairwise(weeks)):
        raise ValueError(f"not consecutive weeks: {weeks}")
    now = now or timezone.now()
    by_zone: dict[str, list[User]] = defaultdict(list)
    for author in authors:
        by_zone[str(user_zone(author))].append(author)
    if types is None:  # only the records' ``done_by_type`` names the types
        types = {} if figures_only else activity_type_slugs()
    found: dict[tuple[int, str], WeekSummary] = {}
    for group in by_zone.values():
        found.update(_zone_summaries(group, weeks=weeks, now=now, types=types, figures_only=figures_only))
    return found


def _by_owner(pairs: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int], list[int]]:
    """(owner id, record id, local day from the span's first) rows, in query order -> the record ids per
    (owner, week of the span), in that order."""
    grouped: dict[tuple[int, int], list[int]] = defaultdict(list)
    for owner_id, pk, day in pairs:
        grouped[owner_id, day // 7].append(pk)
    return grouped


def _zone_summaries(
    authors: list[User],
    *,
    weeks: list[str],
    now: datetime.datetime,
    types: dict[int, str],
    figures_only: bool = False,
) -> dict[tuple[int, str], WeekSummary]:
    """The summaries of ``authors``, who share a time zone (so a week and its days are the same span), for
    consecutive ``weeks``: every query reads the span from the first week's start to the last one's end
    and tells the weeks apart by the local day (``DayIndex``; a report week is seven local days)."""
    first = authors[0]
    zone = user_zone(first)
    periods = [report_period(first, week) for week in weeks]
    next_period = report_period(first, shift_week(weeks[-1], 1))
    span = dataclasses.replace(periods[0], last_day=periods[-1].last_day, end=periods[-1].end)
    days = 7 * len(weeks)
    ids = [author.pk for author in authors]

    def day_of(field: str, *, offset: int = 0) -> DayIndex:
        """The local day of ``field`` from the span's first day (``offset`` weeks later)."""
        return DayIndex(field, span.first_day + datetime.timedelta(days=7 * offset), days, zone)

    conditions = plan_filters(now)
    conditions["still_open"] = conditions["overdue"] | conditions["upcoming"]
    conditions["key_customer_touch"] = Q(status=Activity.Status.DONE, is_key_customer=True)
    annotations = {
        name: ExpressionWrapper(conditions[name.removeprefix("is_")], output_field=BooleanField())
        for name in ROW.FLAGS
    }
    span_activities = Activity.objects.filter(owner_id__in=ids, **_range("starts_at", span))
    rows_of: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
    counted: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    next_counts: Counter[tuple[int, int]] = Counter()
    if figures_only:
        # The span and the week after it in one read of the members' activities by start: a week's
        # "planned next week" is the plans still open in the following week of the read (a query of its
        # own took SQLite through every member's plans of that week, 8 ms for a team).
        for row in (
            Activity.objects.filter(
                owner_id__in=ids, starts_at__gte=span.start, starts_at__lt=next_period.end
            )
            .annotate(day=DayIndex("starts_at", span.first_day, days + 7, zone))
            .order_by()
            .values("owner_id", "day")
            .annotate(
                **{name: Count("pk", filter=conditions[name.removeprefix("is_")]) for name in annotations},
                still_planned=Count("pk", filter=Q(status=Activity.Status.PLANNED)),
            )
        ):
            week_index = row["day"] // 7
            totals = counted[row["owner_id"], week_index]
            totals.update({name: row[name] for name in annotations})
            totals["key_customer_days"] += 1 if row["is_key_customer_touch"] else 0
            if week_index:
                next_counts[row["owner_id"], week_index - 1] += row["still_planned"]
    else:
        # Read through the cursor (``ROW``'s columns): ids, the local day (``DayIndex``, the figures'
        # one definition of a day) and flags need none of Django's per-row converters, which were a
        # fifth of a rep's week (a datetime and eight booleans per activity).
        for row in raw_rows(
            span_activities.annotate(day=day_of("starts_at"), **annotations)
            .order_by("starts_at", "pk")
            .values_list("pk", "owner_id", "day", "type_id", "customer_id", "cancel_reason", *annotations)
        ):
            rows_of[row[ROW.owner], row[ROW.day] // 7].append(row)
    # the weeks after each week of the span: its second week to the week after the last
    next_weeks: dict[tuple[int, int], list[int]] = {}
    if not figures_only:
        next_weeks = _by_owner(
            raw_rows(
                Activity.objects.filter(
                    owner_id__in=ids,
                    status=Activity.Status.PLANNED,
                    starts_at__gte=periods[0].end,
                    starts_at__lt=next_period.end,
                )
                .annotate(day=day_of("starts_at", offset=1))
                .order_by("starts_at", "pk")
                .values_list("owner_id", "pk", "day")
            )
        )
    owned = Customer.objects.filter(owner_id__in=ids, archived_at__isnull=True)
    thresholds = thresholds_in_force(customers=owned)
    past_threshold: dict[tuple[int, int], list[int]] = defaultdict(list)
    key_past_threshold: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, period in enumerate(periods):
        before = period.first_day - datetime.timedelta(days=1)
        gone_past = owned.filter(
            uncontacted_q(thresholds=thresholds, days=None, today=period.last_day, zone=zone)
        ).exclude(uncontacted_q(thresholds=thresholds, days=None, today=before, zone=zone))
        # The rule is judged in a subquery that reads only the covering ``customer_uncontacted_idx``;
        # the few customers it finds are then read by id in name order (sorting by name in the same
        # query read every owned customer's row from the table: 22 → 8 ms for a team's week).
        for owner_id, pk, is_key in (
            gone_past.order_by().values_list("owner_id", "pk", "is_key")
            if figures_only  # counted, and the meeting pack sorts the key customers among them itself
            else Customer.objects.filter(pk__in=gone_past.order_by().values("pk"))
            .order_by("name", "pk")
            .values_list("owner_id", "pk", "is_key")
        ):
            past_threshold[owner_id, index].append(pk)
            if is_key:
                key_past_threshold[owner_id, index].append(pk)
    deals = Deal.objects.filter(owner_id__in=ids)
    created = _by_owner(
        raw_rows(
            deals.filter(**_range("created_at", span))
            .annotate(day=day_of("created_at"))
            .order_by("pk")
            .values_list("owner_id", "pk", "day")
        )
    )
    moved: dict[tuple[int, int], set[int]] = defaultdict(set)
    # Through the change's copy of its deal's owner (ADR 0039): the members' changes of the span are read
    # from ``stagechange_owner_idx`` alone (joined to the members' deals, PostgreSQL hashed all of a
    # team's deals to keep a week's changes: 4 ms).
    for owner_id, deal_id, day in raw_rows(
        StageChange.objects.filter(deal_owner_id__in=ids, **_range("changed_at", span))
        .annotate(day=day_of("changed_at"))
        .order_by()  # a set: unsorted
        .values_list("deal_owner_id", "deal_id", "day")
    ):
        moved[owner_id, day // 7].add(deal_id)
    closed = deals.filter(history.counted_closed_q(span.start, span.end)).annotate(day=day_of("closed_at"))
    won_ids: dict[tuple[int, int], list[int]] = defaultdict(list)
    won_amounts: dict[tuple[int, int], int] = defaultdict(int)
    lost_of: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)  # (deal id, reason or note)
    # Won and lost in one read, by close (the won ones listed by id): a query each cost more to build
    # than to run.
    for owner_id, pk, day, amount, kind, reason_ja, reason_en, note in raw_rows(
        closed.order_by("closed_at", "pk").values_list(
            "owner_id",
            "pk",
            "day",
            "amount",
            "stage__kind",
            "loss_reason__name_ja",
            "loss_reason__name_en",
            "loss_note",
        )
    ):
        key = (owner_id, day // 7)
        if kind == Stage.Kind.WON:  # history.won_q
            won_ids[key].append(pk)
            won_amounts[key] += int(amount or 0)
        elif kind == Stage.Kind.LOST:
            lost_of[key].append(
                (pk, (pick(ja=reason_ja, en=reason_en) if reason_ja is not None else "") or note)
            )
    for won in won_ids.values():
        won.sort()

    summaries: dict[tuple[int, str], WeekSummary] = {}
    for index, (week, period) in enumerate(zip(weeks, periods, strict=True)):
        for author in authors:
            key = (author.pk, index)
            summary = WeekSummary(author=author, week=week, period=period)
            summaries[author.pk, week] = summary
            records = summary.records
            if not figures_only:
                rows = rows_of.get(key, [])
                records["activities_done"] = _activity_ids(rows, "is_done")
                for name in ["planned", "done_as_planned", "moved", "cancelled", "unplanned", "still_open"]:
                    records[name] = _activity_ids(rows, f"is_{name}")
                touch = ROW.flag("is_key_customer_touch")
                touches = [row for row in rows if row[touch]]
                records["key_customer_touches"] = [row[ROW.pk] for row in touches]
                summary.key_customers = list(dict.fromkeys(row[ROW.customer] for row in touches))
                key_days = {row[ROW.day] for row in touches}
                cancelled, done = ROW.flag("is_cancelled"), ROW.flag("is_done")
                summary.cancel_reasons = {
                    row[ROW.pk]: row[ROW.cancel_reason] for row in rows if row[cancelled]
                }
                done_types = Counter(types[row[ROW.type]] for row in rows if row[done])
                summary.done_by_type = {slug: done_types[slug] for slug in types.values() if done_types[slug]}
                records["next_week_planned"] = next_weeks.get(key, [])
            records["customers_past_threshold"] = past_threshold.get(key, [])
            summary.key_customers_past_threshold = key_past_threshold.get(key, [])
            records["deals_created"] = created.get(key, [])
            records["deals_moved"] = sorted(moved.get(key, set()))
            records["deals_won"] = won_ids.get(key, [])
            lost = lost_of.get(key, [])
            records["deals_lost"] = [pk for pk, _reason in lost]
            summary.lost_reasons = dict(lost)
            figures = {name: len(records[name]) for name in FIGURES if name in records}
            if figures_only:
                totals = counted[key]
                figures.update({name: totals[f"is_{name}"] for name in _COUNTED})
                figures["activities_done"] = totals["is_done"]
                figures["key_customer_touches"] = totals["is_key_customer_touch"]
                figures["key_customer_days"] = totals["key_customer_days"]
                figures["next_week_planned"] = next_counts[key]
            else:
                figures["key_customer_days"] = len(key_days)
            figures["won_amount"] = won_amounts.get(key, 0)
            summary.figures = {name: figures[name] for name in FIGURES}
    return summaries


#: The activity figures named as their ``plan_filters`` condition.
_COUNTED = ["planned", "done_as_planned", "moved", "cancelled", "unplanned", "still_open"]


def _range(name: str, period: Period) -> dict[str, datetime.datetime]:
    return {f"{name}__gte": period.start, f"{name}__lt": period.end}


def _ids(queryset: QuerySet[Any]) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def summary_changes(report: WeeklyReport, current: WeekSummary) -> dict[str, tuple[int, int]]:
    """For a submitted report: figure -> (at submission, now) for every figure that differs; empty when
    nothing changed since submission (or the report is a draft)."""
    if not report.snapshot:
        return {}
    frozen = report.snapshot.get("figures", {})
    return {
        name: (frozen.get(name, 0), value)
        for name, value in current.figures.items()
        if frozen.get(name, 0) != value
    }


def report_list(*, user: Any, filters: WeeklyReportFilter | None = None) -> QuerySet[WeeklyReport]:
    """The reports ``user`` may read, newest week first, filtered by author (``user``), ``team``, ``week``
    and ``status``."""
    reports = WeeklyReport.objects.visible_to(user).select_related("author", "reviewed_by")
    if filters is not None:
        reports = filters.filter(reports)
    return reports.order_by("-week", "author__username", "pk")


def report_detail(
    report: WeeklyReport,
    *,
    now: datetime.datetime | None = None,
    types: dict[int, str] | None = None,
    live: WeekSummary | None = None,
) -> WeeklyReport:
    """``report`` with its figures attached: ``summary`` (live ``WeekSummary``, read here unless given as
    ``live``), ``summary_figures`` (the frozen ones once submitted, else the live ones) and ``changes``
    (figure -> (frozen, now))."""
    if live is None:
        live = week_summary(author=report.author, week=report.week, now=now, types=types)
    report.summary = live  # type: ignore[attr-defined]
    report.changes = summary_changes(report, live)  # type: ignore[attr-defined]
    frozen = report.snapshot.get("figures") if report.snapshot else None
    report.summary_figures = dict(frozen) if frozen is not None else dict(live.figures)  # type: ignore[attr-defined]
    return report
