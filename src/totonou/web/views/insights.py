"""Insights: a team's numbers this week and this month (simple tables; the full analysis comes later)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.core.htmx import render_page
from totonou.users.models import Team, User
from totonou.users.selectors import team_list
from totonou.web.http import signed_in_user
from totonou.web.selectors import Period, team_member_numbers


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def week_of(day: datetime.date) -> Period:
    """Monday 00:00 to the next Monday 00:00 in the user's time zone."""
    monday = day - datetime.timedelta(days=day.weekday())
    return Period(_midnight(monday), _midnight(monday + datetime.timedelta(days=7)))


def month_of(day: datetime.date) -> Period:
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return Period(_midnight(first), _midnight(following))


def _default_team(user: User, teams: list[Team]) -> Team | None:
    """The user's own team, else the first team they manage, else the first team."""
    by_id = {team.pk: team for team in teams}
    if user.team_id in by_id:
        return by_id[user.team_id]
    managed = [team for team in teams if any(m.pk == user.pk for m in team.managers.all())]
    candidates = managed or teams
    return candidates[0] if candidates else None


def _rate(part: int, whole: int) -> int | None:
    """``part`` as a whole percentage of ``whole`` (None when there is nothing to compare)."""
    return round(100 * part / whole) if whole else None


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    teams = list(team_list(user=user))
    raw = request.GET.get("team", "")
    team = next((t for t in teams if raw.isdigit() and t.pk == int(raw)), None) or _default_team(user, teams)
    today = timezone.localdate()
    week, month = week_of(today), month_of(today)
    members = list(team_member_numbers(user=user, team=team, week=week, month=month)) if team else []
    totals = {
        name: sum(getattr(member, name) for member in members)
        for name in (
            "done_week",
            "planned_week",
            "planned_done_week",
            "planned_open_week",
            "cancelled_week",
            "unplanned_week",
            "key_visits_month",
        )
    }
    for member in members:
        annotated: Any = member  # carries the annotations of team_member_numbers
        annotated.done_rate = _rate(annotated.planned_done_week, annotated.planned_week)
    totals_rate = _rate(totals["planned_done_week"], totals["planned_week"])
    context = {
        "teams": teams,
        "team": team,
        "members": members,
        "totals": {**totals, "done_rate": totals_rate},
        "week_start": week.start,
        "week_last_day": (week.end - datetime.timedelta(days=1)),
        "month_start": month.start,
    }
    return render_page(request, "web/insights.html", context)
