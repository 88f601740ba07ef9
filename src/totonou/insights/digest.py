"""What the scheduled chat messages say: the daily digest and the uncontacted alert.

The notifications scheduler decides *when* (once per channel and local day) and calls
``scheduled_event`` (the ``TOTONOU_SCHEDULED_EVENT_BUILDER`` setting) for *what*: yesterday's results
against plan, today's plans and the key customers past their threshold, within the channel's filters
(team, segment, owner, key customers only).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import translation

from totonou.activities.models import Activity
from totonou.core.links import absolute_url
from totonou.insights.filters import UncontactedFilter
from totonou.insights.selectors.attainment import METRICS, attainment_table
from totonou.insights.selectors.uncontacted import uncontacted_customers
from totonou.targets.periods import period_containing
from totonou.users.models import Team, User

MAX_ROWS = 10


@dataclass(frozen=True)
class SystemReader:
    """The reader a scheduled message is made for: it sees what every signed-in user sees."""

    time_zone: str
    pk: None = None
    role: str = "admin"
    is_active: bool = True
    is_authenticated: bool = True


def _scoped(filters: dict[str, Any]) -> Q:
    q = Q()
    if filters.get("team") is not None:
        q &= Q(owner__team_id=filters["team"])
    if filters.get("owner") is not None:
        q &= Q(owner_id=filters["owner"])
    if filters.get("segment") is not None:
        q &= Q(customer__segment_id=filters["segment"])
    if filters.get("key_only"):
        q &= Q(customer__is_key=True)
    return q


def _day(day: datetime.date, zone: zoneinfo.ZoneInfo) -> Q:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return Q(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))


def _customer(activity: Activity) -> str:
    if activity.customer is None:
        return activity.subject
    return f"★ {activity.customer.name}" if activity.customer.is_key else activity.customer.name


def _yesterday(activities: QuerySet[Activity], day: datetime.date, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    rows = list(
        activities.filter(_day(day, zone))
        .values("owner_id", "owner__display_name", "owner__username")
        .annotate(
            planned=Count("pk", filter=Q(planned_at__isnull=False)),
            done_as_planned=Count("pk", filter=Q(planned_at__isnull=False, status=Activity.Status.DONE)),
            unplanned=Count("pk", filter=Q(planned_at__isnull=True, status=Activity.Status.DONE)),
        )
        .order_by("owner__username")
    )
    members = [
        f"{row['owner__display_name'] or row['owner__username']}: "
        f"{row['done_as_planned']}/{row['planned']} (+{row['unplanned']})"
        for row in rows
    ]
    return {
        "planned": sum(row["planned"] for row in rows),
        "done_as_planned": sum(row["done_as_planned"] for row in rows),
        "unplanned": sum(row["unplanned"] for row in rows),
        "members": members,
    }


def _uncontacted(filters: dict[str, Any], zone: zoneinfo.ZoneInfo) -> tuple[int, list[str]]:
    result = uncontacted_customers(
        user=SystemReader(time_zone=str(zone)),
        filters=UncontactedFilter(
            team=filters.get("team"),
            segment=filters.get("segment"),
            owner=filters.get("owner"),
            key_only=True,
        ),
    )
    lines = []
    for row in result.rows[:MAX_ROWS]:
        days = row.days_since_contact
        lines.append(f"{row.customer.name} ({days if days is not None else '—'} / {row.threshold_days})")
    return len(result.rows), lines


def _figure(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"¥{round(value):,}" if metric == "revenue" else f"{value:,g}"


def _attainment(
    filters: dict[str, Any], day: datetime.date, zone: zoneinfo.ZoneInfo
) -> tuple[str, list[str], list[dict[str, Any]]]:
    """Month to date against the month's targets (as of the start of ``day``): the team's (or the
    owner's) metrics that have a target."""
    month = period_containing(day, "month")
    now = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    team_id, owner_id = filters.get("team"), filters.get("owner")
    if owner_id is not None:
        owner = User.objects.filter(pk=owner_id).first()
        if owner is None:
            return month.label, [], []
        table = attainment_table(span=month, periods=[month], metrics=METRICS, members=[owner], now=now)
        rows = table.rows
    elif team_id is not None:
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            return month.label, [], []
        members = list(User.objects.filter(team=team, is_active=True))
        table = attainment_table(
            span=month, periods=[month], metrics=METRICS, members=[], team=team, team_members=members, now=now
        )
        rows = table.rows
    else:
        return month.label, [], []
    lines, payload = [], []
    for row in rows:
        cell = row.total
        if cell.target is None:
            continue
        percent = f" ({cell.attainment_percent}%)" if cell.attainment_percent is not None else ""
        lines.append(
            f"{cell.metric_label}: {_figure(cell.metric, cell.actual)} / {_figure(cell.metric, cell.target)}"
            f"{percent} {cell.status_symbol} {cell.status_label}"
        )
        payload.append(
            {"metric": cell.metric, "target": cell.target, "actual": cell.actual, "status": cell.status}
        )
    return month.label, lines, payload


def scheduled_event(
    name: str, *, filters: dict[str, Any], day: datetime.date, zone: zoneinfo.ZoneInfo, language: str = "ja"
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The payload and chat context of ``digest.daily`` or ``alert.uncontacted`` for ``day``; None when
    the alert has nobody to name."""
    with translation.override(language):
        count, cold = _uncontacted(filters, zone)
        if name == "alert.uncontacted":
            if not count:
                return None
            context = {
                "uncontacted": cold,
                "uncontacted_count": count,
                "web_url": absolute_url(reverse("web:insights_uncontacted")),
            }
            return {"date": day.isoformat(), "uncontacted_count": count}, context
        activities = Activity.objects.filter(_scoped(filters))
        yesterday = _yesterday(activities, day - datetime.timedelta(days=1), zone)
        plans = list(
            activities.filter(_day(day, zone), status=Activity.Status.PLANNED)
            .select_related("owner", "customer", "type")
            .order_by("starts_at", "pk")[: MAX_ROWS + 1]
        )
        today = [
            f"{plan.starts_at.astimezone(zone):%H:%M} {plan.owner} {plan.type.name} {_customer(plan)}"
            for plan in plans[:MAX_ROWS]
        ]
        today_count = activities.filter(_day(day, zone), status=Activity.Status.PLANNED).count()
        team_id = filters.get("team")
        team = Team.objects.filter(pk=team_id).first() if team_id is not None else None
        month_label, attainment_lines, attainment_payload = _attainment(filters, day, zone)
    context = {
        "team": team.name if team is not None else "",
        "date": day.strftime("%Y/%m/%d"),
        "yesterday": yesterday,
        "today": today,
        "today_count": today_count,
        "uncontacted": cold,
        "uncontacted_count": count,
        "attainment_month": month_label,
        "attainment": attainment_lines,
        "web_url": absolute_url("/"),
    }
    payload = {
        "date": day.isoformat(),
        "team": filters.get("team"),
        "yesterday": {key: yesterday[key] for key in ("planned", "done_as_planned", "unplanned")},
        "today_planned": today_count,
        "uncontacted_key_customers": count,
        "attainment": attainment_payload,
    }
    return payload, context
