"""Reads for web pages that no domain selector offers yet: the team numbers on Insights.

They move to ``totonou/insights/selectors.py`` when that app exists; each is one aggregate query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from totonou.users.models import Team, User
from totonou.users.permissions import visible


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime


def _in(period: Period) -> Q:
    return Q(activities__starts_at__gte=period.start, activities__starts_at__lt=period.end)


def team_member_numbers(*, user: Any, team: Team, week: Period, month: Period) -> QuerySet[User]:
    """The active members of ``team`` with this week's and this month's activity numbers.

    Annotations per member: ``done_week`` (done activities starting this week), ``planned_week``
    (activities this week that were planned in advance), ``planned_done_week`` (of those, done),
    ``planned_open_week`` (of those, still waiting for a result), ``cancelled_week``,
    ``unplanned_week`` (done, logged after the fact) and ``key_visits_month`` (done face-to-face
    activities with key customers this month).
    """
    done = Q(activities__status="done")
    planned = Q(activities__planned_at__isnull=False)
    members = visible(User.objects.filter(team=team, is_active=True), user)
    return members.annotate(
        done_week=Count("activities", filter=done & _in(week)),
        planned_week=Count("activities", filter=planned & _in(week)),
        planned_done_week=Count("activities", filter=planned & done & _in(week)),
        planned_open_week=Count("activities", filter=planned & Q(activities__status="planned") & _in(week)),
        cancelled_week=Count("activities", filter=Q(activities__status="cancelled") & _in(week)),
        unplanned_week=Count("activities", filter=done & Q(activities__planned_at__isnull=True) & _in(week)),
        key_visits_month=Count(
            "activities",
            filter=done
            & Q(activities__customer__is_key=True, activities__type__is_face_to_face=True)
            & _in(month),
        ),
    ).order_by("display_name", "username", "id")
