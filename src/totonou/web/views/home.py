"""My day: the signed-in user's activities today, their plans waiting for a result, and quick log."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from totonou.activities.filters import ActivityFilter
from totonou.activities.forms import QuickLogForm
from totonou.activities.models import Activity, ActivityType
from totonou.activities.selectors import activity_list
from totonou.core.htmx import is_htmx, render_page
from totonou.customers.filters import CustomerFilter
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_list
from totonou.users.models import User
from totonou.web.http import signed_in_user

OVERDUE_SHOWN = 50


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Midnight to midnight of ``day`` in the active (the user's) time zone."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def _quick_log_choices(user: User) -> tuple[QuerySet[Customer], QuerySet[ActivityType]]:
    customers = customer_list(user=user, filters=CustomerFilter(owner=user.pk)).exclude(status="inactive")
    types = ActivityType.objects.visible_to(user).filter(is_active=True).order_by("order", "id")
    return customers, types


def _preselected_customer(request: HttpRequest, user: User) -> Customer | None:
    raw = request.GET.get("customer", "")
    if not raw.isdigit():
        return None
    return Customer.objects.visible_to(user).filter(pk=int(raw)).first()


def _my_day_context(user: User, form: QuickLogForm) -> dict[str, Any]:
    today = timezone.localdate()
    start, end = day_bounds(today)
    todays = activity_list(user=user, filters=ActivityFilter(owner=user.pk, start=start, end=end))
    overdue = list(
        activity_list(user=user, filters=ActivityFilter(owner=user.pk, status="planned", end=start))
        .prefetch_related(None)
        .order_by("starts_at", "id")[: OVERDUE_SHOWN + 1]
    )
    return {
        "today": today,
        "todays_activities": todays.prefetch_related(None).order_by("starts_at", "id"),
        "overdue_activities": overdue[:OVERDUE_SHOWN],
        "overdue_has_more": len(overdue) > OVERDUE_SHOWN,
        "overdue_query": f"owner={user.pk}&status=planned&end={start:%Y-%m-%dT%H:%M}",
        "form": form,
    }


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """GET shows the day; POST logs (or plans) an activity with the quick form."""
    user = signed_in_user(request)
    customers, types = _quick_log_choices(user)
    status_message = ""
    if request.method == "POST":
        form = QuickLogForm(request.POST, user=user, customers=customers, types=types)
        activity = form.save()
        if activity is not None:
            status_message = (
                _("Activity logged.") if activity.status == Activity.Status.DONE else _("Activity planned.")
            )
            if not is_htmx(request):
                messages.success(request, status_message)
                return redirect("web:home")
            form = QuickLogForm(user=user, customers=customers, types=types)
    else:
        preselected = _preselected_customer(request, user)
        initial = {"customer": preselected} if preselected is not None else {}
        form = QuickLogForm(user=user, customers=customers, types=types, initial=initial)
    context = _my_day_context(user, form)
    context["status_message"] = status_message
    return render_page(request, "web/home.html", context, fragments={"my-day": "web/_my_day.html"})
