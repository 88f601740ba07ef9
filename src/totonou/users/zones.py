"""The time zone a team's periods are drawn in — the one rule: months, quarters and fiscal years of
targets and attainment, the pipeline's win rate, funnel and forecast, the deal list's "closed / entered
in a period" filters, and the weekly-report deadline.

A team's periods are local midnights in the team's own ``Team.time_zone``; one rep's periods are their
team's; without a team (a user in none, a query over every team) the site's ``TIME_ZONE``.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings


def period_zone(team: Any = None) -> zoneinfo.ZoneInfo:
    """``team``'s time zone (``Team.time_zone``); the site's ``TIME_ZONE`` without a team. A deal won
    2027-03-31 23:30 in the team's zone counts in March 2027 (FY2026), wherever the server or the viewer
    is."""
    name = getattr(team, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def member_zone(user: Any) -> zoneinfo.ZoneInfo:
    """``period_zone`` of ``user``'s team (the site's zone for a user in no team)."""
    if getattr(user, "team_id", None) is None:
        return period_zone()
    return period_zone(user.team)


def query_zone(*, team_id: Any = None, owner_id: Any = None) -> zoneinfo.ZoneInfo:
    """The zone of a query about one team (``team_id``) or one owner (``owner_id``: their team's); the
    site's for anything else (every team, owners without a team). The pipeline's analytics and the deal
    list's period filters read it, so a figure and the list behind it draw the same days."""
    from totonou.users.models import Team, User

    if isinstance(team_id, int):
        return period_zone(Team.objects.filter(pk=team_id).first())
    if isinstance(owner_id, int):
        owner = User.objects.filter(pk=owner_id).select_related("team").first()
        return member_zone(owner) if owner is not None else period_zone()
    return period_zone()
