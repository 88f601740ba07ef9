"""Activity pages: the team feed, the week calendar, and an activity with its result actions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import jpholiday
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.activities.filters import ActivityFilter
from totonou.activities.forms import (
    ActivityCancelForm,
    ActivityCompleteForm,
    ActivityRescheduleForm,
)
from totonou.activities.models import Activity
from totonou.activities.selectors import activity_list
from totonou.activities.views.choices import filter_choices
from totonou.core.htmx import render_page
from totonou.web.http import signed_in_user

FEED_PAGE_SIZE = 25

# --- Feed -----------------------------------------------------------------------------------------


def _parse_member_ids(request: HttpRequest) -> list[int]:
    """``?members=1,2`` or ``?members=1&members=2`` (checkboxes); unknown values are ignored."""
    ids: list[int] = []
    for value in request.GET.getlist("members"):
        ids.extend(int(part) for part in value.split(",") if part.strip().isdigit())
    return list(dict.fromkeys(ids))


def _parse_week(request: HttpRequest) -> datetime.date:
    """The Monday of the week containing ``?week=YYYY-MM-DD`` (default: this week)."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class CalendarDay:
    date: datetime.date
    is_today: bool
    holiday: str | None
    activities: list[Activity] = field(default_factory=list)

    @classmethod
    def of(cls, day: datetime.date, today: datetime.date) -> CalendarDay:
        return cls(date=day, is_today=day == today, holiday=jpholiday.is_holiday_name(day))


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """A week agenda (Monday first) of the selected members (default: the signed-in user)."""
    user = signed_in_user(request)
    monday = _parse_week(request)
    choices = filter_choices(user)
    all_members = list(choices["members"])
    requested = set(_parse_member_ids(request))
    selected = [member for member in all_members if member.pk in requested] or [user]
    selected_ids = [member.pk for member in selected]
    start, end = _midnight(monday), _midnight(monday + datetime.timedelta(days=7))
    activities = (
        activity_list(user=user, filters=ActivityFilter(start=start, end=end))
        .filter(owner_id__in=selected_ids)
        .prefetch_related(None)
        .order_by("starts_at", "id")
    )
    today = timezone.localdate()
    days = [CalendarDay.of(monday + datetime.timedelta(days=offset), today) for offset in range(7)]
    for activity in activities:
        index = (timezone.localtime(activity.starts_at).date() - monday).days
        if 0 <= index < 7:
            days[index].activities.append(activity)
    members_query = ",".join(str(pk) for pk in selected_ids)
    team_ids = [m.pk for m in all_members if user.team_id is not None and m.team_id == user.team_id]
    context = {
        "days": days,
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "selected_members": selected,
        "selected_ids": selected_ids,
        "members": all_members,
        "members_query": members_query,
        "team_members_query": ",".join(str(pk) for pk in team_ids),
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "this_week": today - datetime.timedelta(days=today.weekday()),
    }
    return render_page(request, "activities/calendar.html", context)


# --- One activity ---------------------------------------------------------------------------------

ActionForm = ActivityCompleteForm | ActivityRescheduleForm | ActivityCancelForm
