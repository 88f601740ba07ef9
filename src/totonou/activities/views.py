"""Activity pages: the team feed, the week calendar, and an activity with its result actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jpholiday
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from totonou.activities.filters import ActivityFilter
from totonou.activities.forms import (
    ActivityCancelForm,
    ActivityCompleteForm,
    ActivityEditForm,
    ActivityRescheduleForm,
)
from totonou.activities.models import Activity, ActivityType, Comment
from totonou.activities.selectors import activity_list
from totonou.core.exceptions import ConflictError
from totonou.core.filters import filters_from_query
from totonou.core.htmx import render_page
from totonou.customers.filters import CustomerFilter
from totonou.customers.selectors import customer_list
from totonou.users.filters import UserFilter
from totonou.users.models import Team, User
from totonou.users.permissions import can_change_owned_by, visible
from totonou.users.selectors import user_list
from totonou.web.http import safe_next, signed_in_user

FEED_PAGE_SIZE = 25

# --- Feed -----------------------------------------------------------------------------------------


def _filter_choices(user: User) -> dict[str, Any]:
    """The choices of the member / team / type filters shared by the feed and the calendar."""
    return {
        "members": user_list(user=user, filters=UserFilter(is_active=True)).order_by(
            "team__name", "display_name", "username"
        ),
        "teams": visible(Team.objects.order_by("name", "id"), user),
        "types": ActivityType.objects.visible_to(user).filter(is_active=True).order_by("order", "id"),
    }


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Everyone's activities as they happen (most recently planned, logged or changed first), filtered
    with the API's ``ActivityFilter``. Ordered by ``updated_at`` so next month's plans do not bury
    today's results (``activity_recent_idx`` serves this order)."""
    user = signed_in_user(request)
    filters, errors = filters_from_query(ActivityFilter, request.GET)
    activities = activity_list(user=user, filters=filters).order_by("-updated_at", "-id")
    page = Paginator(activities, FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "filter_errors": errors, **_filter_choices(user)}
    return render_page(
        request, "activities/feed.html", context, fragments={"feed-results": "activities/_feed_results.html"}
    )


# --- Calendar -------------------------------------------------------------------------------------


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
    choices = _filter_choices(user)
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


def _get_activity(user: User, pk: int) -> Activity:
    return get_object_or_404(activity_list(user=user), pk=pk)


def _ensure_can_change(user: User, activity: Activity) -> None:
    """Refuse before reading the form: someone who may not change it learns nothing from field errors."""
    if not can_change_owned_by(user, activity.owner_id):
        raise PermissionDenied(
            _("You may not change this activity: it belongs to %(owner)s.") % {"owner": activity.owner}
        )


def _render_detail(
    request: HttpRequest,
    user: User,
    activity: Activity,
    *,
    bound: ActionForm | None = None,
    open_actions: frozenset[str] = frozenset({"complete_form"}),
    status: int = 200,
) -> HttpResponse:
    can_change = can_change_owned_by(user, activity.owner_id)
    context: dict[str, Any] = {
        "activity": activity,
        "can_change": can_change,
        "comments": Comment.objects.visible_to(user).filter(activity=activity).select_related("author"),
        "open_actions": open_actions,
    }
    if can_change and activity.status == Activity.Status.PLANNED:
        forms: dict[str, ActionForm] = {
            "complete_form": ActivityCompleteForm(user=user, activity=activity),
            "reschedule_form": ActivityRescheduleForm(user=user, activity=activity),
            "cancel_form": ActivityCancelForm(user=user, activity=activity),
        }
        if bound is not None:
            name = {
                ActivityCompleteForm: "complete_form",
                ActivityRescheduleForm: "reschedule_form",
                ActivityCancelForm: "cancel_form",
            }[type(bound)]
            forms[name] = bound
            context["open_actions"] = {name}
        context.update(forms)
    return render_page(request, "activities/activity_detail.html", context, status=status)


# ``?open=move`` (the "Move or cancel" link of My day) opens those two panels instead of "Done".
OPEN_PANELS = {"move": frozenset({"reschedule_form", "cancel_form"})}


@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    panels = OPEN_PANELS.get(request.GET.get("open", ""), frozenset({"complete_form"}))
    return _render_detail(request, user, _get_activity(user, pk), open_actions=panels)


def _run_action(
    request: HttpRequest,
    pk: int,
    form_class: Callable[..., ActionForm],
    success: str,
) -> HttpResponse:
    user = signed_in_user(request)
    activity = _get_activity(user, pk)
    _ensure_can_change(user, activity)
    form = form_class(request.POST, user=user, activity=activity)
    try:
        result = form.save()
    except ConflictError as error:
        messages.error(request, error.message)
        return _render_detail(request, user, _get_activity(user, pk), status=409)
    if result is None:
        return _render_detail(request, user, activity, bound=form)
    messages.success(request, success)
    return redirect(safe_next(request, result.get_absolute_url()))


@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ActivityCompleteForm, _("The activity is done."))


@require_POST
def activity_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ActivityRescheduleForm, _("The activity is moved."))


@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ActivityCancelForm, _("The activity is cancelled."))


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an activity's details (owner, their manager or an admin)."""
    user = signed_in_user(request)
    activity = _get_activity(user, pk)
    _ensure_can_change(user, activity)
    customers = customer_list(user=user, filters=CustomerFilter(owner=activity.owner_id))
    types = ActivityType.objects.visible_to(user).filter(is_active=True).order_by("order", "id")
    form = ActivityEditForm(
        request.POST if request.method == "POST" else None,
        user=user,
        activity=activity,
        customers=customers,
        types=types,
    )
    status = 200
    if form.is_bound:
        try:
            saved = form.save()
        except ConflictError as error:
            messages.error(request, error.message)
            saved, status = None, 409
        if saved is not None:
            messages.success(request, _("The activity is saved."))
            return redirect(saved.get_absolute_url())
    return render_page(
        request, "activities/activity_form.html", {"activity": activity, "form": form}, status=status
    )
