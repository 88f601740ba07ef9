"""An activity's page, its result actions (done / moved / cancelled) and its edit form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from totonou.activities.calendar_feed import google_calendar_url
from totonou.activities.models import Activity
from totonou.activities.selectors import activity_list, comment_thread
from totonou.core.exceptions import ConflictError
from totonou.core.htmx import render_page
from totonou.core.request import safe_next
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by
from totonou.users.request import signed_in_user
from totonou.web.forms.activities import (
    ActivityCancelForm,
    ActivityCompleteForm,
    ActivityRescheduleForm,
)
from totonou.web.views.home import my_day_target, plan_form_kwargs, plan_item_response

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
        "comments": comment_thread(user=user, activity=activity),
        "open_actions": open_actions,
        # A result form posted from My day without JavaScript comes back here on an error; once fixed,
        # it returns to My day.
        "result_next_url": safe_next(request, ""),
        "google_calendar_url": google_calendar_url(activity),
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
    action: str,
    success: str,
) -> HttpResponse:
    """Run one result action. An htmx request from a My-day item gets that item back (with the form's
    errors, a conflict, or the confirmation); any other request the activity page or a redirect."""
    user = signed_in_user(request)
    activity = _get_activity(user, pk)
    _ensure_can_change(user, activity)
    list_name = my_day_target(request, pk)
    form = form_class(
        request.POST, user=user, activity=activity, **(plan_form_kwargs(pk, action) if list_name else {})
    )
    try:
        result = form.save()
    except ConflictError as error:
        if list_name:
            current = _get_activity(user, pk)
            return plan_item_response(
                request, viewer=user, activity=current, list_name=list_name, error=error.message
            )
        messages.error(request, error.message)
        return _render_detail(request, user, _get_activity(user, pk), status=409)
    if result is None:
        if list_name:
            return plan_item_response(
                request, viewer=user, activity=activity, list_name=list_name, bound=form, open_action=action
            )
        return _render_detail(request, user, activity, bound=form)
    if list_name:
        recorded = _get_activity(user, pk)
        return plan_item_response(
            request, viewer=user, activity=recorded, list_name=list_name, recorded_from=activity
        )
    messages.success(request, success)
    return redirect(safe_next(request, result.get_absolute_url()))


@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ActivityCompleteForm, "complete", _("The activity is done."))


@require_POST
def activity_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ActivityRescheduleForm, "reschedule", _("The activity is moved."))


@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ActivityCancelForm, "cancel", _("The activity is cancelled."))
