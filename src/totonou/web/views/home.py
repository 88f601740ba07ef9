"""My day: a member's activities today, their plans waiting for a result (each turned into a result in
one step), their key customers going cold, a quick log, and for managers the results not reviewed yet.

A rep sees their own day; a manager the day of any member of the teams they manage (``?member=ID``);
an admin anyone's. The result forms post to the activity actions (one write path per action), which
answer an htmx request aimed at a My-day item with that item alone (``plan_item_response``).
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from totonou.activities.models import Activity, ActivityType
from totonou.activities.selectors import activity_type_choices
from totonou.core.bounds import parse_id
from totonou.core.exceptions import PermissionDenied
from totonou.core.htmx import is_htmx, render_page
from totonou.core.request import safe_next
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_get
from totonou.deals.models import Deal
from totonou.insights.selectors.attainment import my_day_progress
from totonou.insights.selectors.pipeline import stalled_count
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by, managed_user_ids
from totonou.users.request import signed_in_user
from totonou.users.selectors import managed_team_ids, user_get
from totonou.web.forms.activities import (
    ActivityCancelForm,
    ActivityCompleteForm,
    ActivityRescheduleForm,
    QuickLogForm,
)
from totonou.web.selectors import (
    KeyCustomerDue,
    may_open_my_day_of,
    my_day_key_customers_due,
    my_day_members,
    my_day_today,
    my_day_unreviewed,
    my_day_waiting,
    my_day_waiting_count,
    quick_log_customers,
)

WAITING_SHOWN = 10  # a phone screen of plans to close; the rest follow as these are recorded
# Today's plans drawn with their result forms; a fuller day links to the calendar's day for the rest
# (a day of the benchmark's reps holds ~55: drawn whole, My day cost 259 ms in the evening, issue 20).
TODAY_SHOWN = 12
KEY_CUSTOMERS_SHOWN = 8
UNREVIEWED_SHOWN = 5

ActionForm = ActivityCompleteForm | ActivityRescheduleForm | ActivityCancelForm
ACTIONS = ("complete", "reschedule", "cancel")

# The element an htmx result form swaps: ``today-<pk>`` or ``waiting-<pk>`` (one My-day item).
_ITEM_TARGET = re.compile(r"(?P<list>today|waiting)-(?P<pk>[0-9]+)")


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Midnight to midnight of ``day`` in the active (the user's) time zone."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def my_day_url(*, viewer: User, member_id: int) -> str:
    url = reverse("web:home")
    return url if member_id == viewer.pk else f"{url}?{urlencode({'member': member_id})}"


def plan_visit_url(*, customer_id: int, owner_id: int | None = None) -> str:
    """The activity form, planning a visit to the customer (for ``owner_id`` when it is not the viewer).
    Until that form exists, My day's quick log with the customer chosen and "planned" selected."""
    query: dict[str, int | str] = {"customer": customer_id, "mode": "plan"}
    try:
        base = reverse("activities:activity_create")
    except NoReverseMatch:
        return f"{reverse('web:home')}?{urlencode(query)}#quick-log-title"
    if owner_id is not None:
        query["owner"] = owner_id
    return f"{base}?{urlencode(query)}"


# --- One My-day item: a plan with its three result forms ----------------------------------------------


def my_day_target(request: HttpRequest, pk: int) -> str | None:
    """``"today"`` or ``"waiting"`` when an htmx request aims at the My-day item of activity ``pk``."""
    if not is_htmx(request):
        return None
    match = _ITEM_TARGET.fullmatch(request.htmx.target or "")  # type: ignore[attr-defined]
    if match is None or int(match["pk"]) != pk:
        return None
    return match["list"]


def plan_form_kwargs(pk: int, action: str) -> dict[str, Any]:
    """Ids unique on a page that lists many plans, each with the same three forms."""
    return {"auto_id": f"plan{pk}_{action}_%s"}


def _suggested_start(activity: Activity) -> datetime.datetime:
    """A missed plan moves to tomorrow at the same time by default; a plan ahead keeps its time."""
    if activity.starts_at >= timezone.now():
        return activity.starts_at
    local = timezone.localtime(activity.starts_at)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, local.time().replace(second=0)))


def activity_label(activity: Activity) -> str:
    """Which plan a button or a confirmation is about: the customer and the start, "Key Mart 4/10 14:00"."""
    name = activity.customer.name if activity.customer is not None else _("Internal work")
    return f"{name} {formats.date_format(timezone.localtime(activity.starts_at), 'n/j H:i')}"


@dataclass
class PlanItem:
    """An activity in My day's lists; a plan the viewer may change carries its three result forms."""

    activity: Activity
    list_name: str
    next_url: str
    #: The viewer may record the plan's result: the item carries the three forms.
    can_record: bool = False
    #: The forms, when built for this item (a bound form, an open panel, an htmx response); a page's
    #: items leave them to ``plan_actions_html``, which writes the page's forms once (``PlanStamp``).
    forms: dict[str, ActionForm] | None = None
    open: str = ""
    result: str = ""
    error: str = ""
    # The exclusive-accordion group of the three forms (``<details name>``). An htmx swap inserts the new
    # item before it removes the old one, and a browser closes an inserted open panel whose group is
    # already open; so each swapped-in item gets a group of its own.
    group_suffix: str = ""

    @property
    def dom_id(self) -> str:
        return f"{self.list_name}-{self.activity.pk}"

    @property
    def group(self) -> str:
        return f"plan-{self.activity.pk}{self.group_suffix}"

    @property
    def show_date(self) -> bool:
        return self.list_name == "waiting"

    @property
    def show_activity(self) -> bool:
        """A recorded plan leaves the waiting list (only the confirmation stays); one of today's stays
        in Today with its result, unless it was moved to another day."""
        if not self.result:
            return True
        today = timezone.localdate()
        activity = self.activity
        in_today = timezone.localtime(activity.starts_at).date() == today or (
            activity.status == Activity.Status.DONE and timezone.localtime(activity.ends_at).date() == today
        )
        return self.list_name == "today" and in_today

    @property
    def label(self) -> str:
        return activity_label(self.activity)


def plan_item(
    *,
    viewer: User,
    activity: Activity,
    list_name: str,
    next_url: str,
    bound: ActionForm | None = None,
    open_action: str = "",
    result: str = "",
    error: str = "",
    with_forms: bool = True,
) -> PlanItem:
    """An item of My day; ``with_forms=False`` (the page's lists) leaves the forms to the page's stamp."""
    item = PlanItem(activity, list_name, next_url, open=open_action, result=result, error=error)
    if activity.status == Activity.Status.PLANNED and can_change_owned_by(viewer, activity.owner_id):
        item.can_record = True
        if with_forms or bound is not None or open_action:
            item.forms = plan_forms(viewer, activity)
            if bound is not None and open_action in item.forms:
                item.forms[open_action] = bound
    return item


def plan_forms(
    viewer: User,
    activity: Activity,
    *,
    initial: dict[str, dict[str, Any]] | None = None,
    pk: int | None = None,
) -> dict[str, ActionForm]:
    """The three result forms of a plan (``initial`` and ``pk``: the stamp's stand-ins)."""
    pk = activity.pk if pk is None else pk
    initial = initial or {
        "complete": {"notes": activity.notes, "next_step": activity.next_step, "version": activity.version},
        "reschedule": {"starts_at": _suggested_start(activity), "version": activity.version},
        "cancel": {"version": activity.version},
    }
    return {
        "complete": ActivityCompleteForm(
            user=viewer, activity=activity, initial=initial["complete"], **plan_form_kwargs(pk, "complete")
        ),
        "reschedule": ActivityRescheduleForm(
            user=viewer,
            activity=activity,
            initial=initial["reschedule"],
            **plan_form_kwargs(pk, "reschedule"),
        ),
        "cancel": ActivityCancelForm(
            user=viewer, activity=activity, initial=initial["cancel"], **plan_form_kwargs(pk, "cancel")
        ),
    }


# --- The page's result forms, written once ---------------------------------------------------------------
#
# A day shows up to 22 plans, each with three forms (five fields): built and drawn per plan they were half
# of My day's time. The page draws them once, for a stand-in plan whose values are markers, and each plan
# replaces the markers with its own values, escaped as the template escapes them. A plan whose panel is
# open, whose form is bound, or an item an htmx response swaps in is drawn from its own forms; a test
# checks that both ways write the same markup.

_STAMP_PK = 987650000123
_STAMP_VERSION = 987650000456
_MARKERS = {
    "label": "zqstamplabelzq",
    "notes": "zqstampnoteszq",
    "next_step": "zqstampnextzq",
    "starts_at": "zqstampstartzq",
    "list": "zqstamplistzq",
    "next_url": "zqstampurlzq",
}


def _initial_text(form: ActionForm, name: str, value: Any) -> str:
    """What the form's widget shows for the initial ``value`` of field ``name`` (``BoundField.value``:
    microseconds dropped where the widget has none, ``prepare_value``, ``format_value``)."""
    field = form.fields[name]
    if isinstance(value, datetime.datetime) and not field.widget.supports_microseconds:
        value = value.replace(microsecond=0)
    text = field.widget.format_value(field.prepare_value(value))
    return "" if text is None else str(text)


class PlanStamp:
    """The plan-actions markup of one page (both lists), drawn once with markers."""

    def __init__(self, render: Any, viewer: User, activity: Activity) -> None:
        initial: dict[str, dict[str, Any]] = {
            "complete": {
                "notes": _MARKERS["notes"],
                "next_step": _MARKERS["next_step"],
                "version": _STAMP_VERSION,
            },
            "reschedule": {"starts_at": _MARKERS["starts_at"], "version": _STAMP_VERSION},
            "cancel": {"version": _STAMP_VERSION},
        }
        self.forms = plan_forms(viewer, activity, initial=initial, pk=_STAMP_PK)
        stand_in = _StampItem(
            activity=_StampActivity(pk=_STAMP_PK),
            list_name=_MARKERS["list"],
            next_url=_MARKERS["next_url"],
            forms=self.forms,
            label=_MARKERS["label"],
        )
        self.markup: str = render(stand_in)

    def fill(self, item: PlanItem) -> str:
        activity = item.activity
        complete, reschedule = self.forms["complete"], self.forms["reschedule"]
        starts_at = _initial_text(reschedule, "starts_at", _suggested_start(activity))
        values = {
            str(_STAMP_PK): str(activity.pk),
            str(_STAMP_VERSION): str(activity.version),
            _MARKERS["label"]: str(escape(item.label)),
            _MARKERS["notes"]: str(escape(_initial_text(complete, "notes", activity.notes))),
            _MARKERS["next_step"]: str(escape(_initial_text(complete, "next_step", activity.next_step))),
            _MARKERS["starts_at"]: str(escape(starts_at)),
            _MARKERS["list"]: str(escape(item.list_name)),
            _MARKERS["next_url"]: str(escape(item.next_url)),
        }
        return _STAMP_PATTERN.sub(lambda match: values[match.group(0)], self.markup)


_STAMP_PATTERN = re.compile("|".join([str(_STAMP_PK), str(_STAMP_VERSION), *_MARKERS.values()]))


@dataclass
class _StampActivity:
    pk: int


@dataclass
class _StampItem:
    """The stand-in ``item`` of ``web/_plan_actions.html``."""

    activity: _StampActivity
    list_name: str
    next_url: str
    forms: dict[str, ActionForm]
    label: str
    open: str = ""

    @property
    def dom_id(self) -> str:
        return f"{self.list_name}-{self.activity.pk}"

    @property
    def group(self) -> str:
        return f"plan-{self.activity.pk}"


def plan_actions_html(item: PlanItem, *, viewer: User, render: Any, stamps: dict[str, PlanStamp]) -> str:
    """The item's three result forms: from the page's stamp (made on first use and kept in ``stamps``; its
    list and return URL are markers too, so both lists share it), or drawn from the item's own forms
    (``render``: the template with ``item``)."""
    if item.forms is not None or item.open or item.group_suffix:
        if item.forms is None:
            item.forms = plan_forms(viewer, item.activity)
        return str(render(item))
    stamp = stamps.get("plan")
    if stamp is None:
        stamp = stamps["plan"] = PlanStamp(render, viewer, item.activity)
    return stamp.fill(item)


def result_message(activity: Activity, label: str) -> str:
    """What a plan became: done, cancelled, or moved (to when)."""
    if activity.status == Activity.Status.DONE:
        return _("%(activity)s: recorded as done.") % {"activity": label}
    if activity.status == Activity.Status.CANCELLED:
        return _("%(activity)s: cancelled.") % {"activity": label}
    when = formats.date_format(timezone.localtime(activity.starts_at), "n/j (D) H:i")
    return _("%(activity)s: moved to %(when)s.") % {"activity": label, "when": when}


def plan_item_response(
    request: HttpRequest,
    *,
    viewer: User,
    activity: Activity,
    list_name: str,
    bound: ActionForm | None = None,
    open_action: str = "",
    error: str = "",
    recorded_from: Activity | None = None,
) -> TemplateResponse:
    """The My-day item alone, for htmx: with the bound form and its errors, with a conflict message,
    or (``recorded_from``: the plan as it was) the confirmation of the result. Always 200, because
    htmx swaps only successful responses; the refusal (403) happens before anything is read."""
    next_url = safe_next(request, reverse("web:home"))
    result = result_message(activity, activity_label(recorded_from)) if recorded_from else ""
    item = plan_item(
        viewer=viewer,
        activity=activity,
        list_name=list_name,
        next_url=next_url,
        bound=bound,
        open_action=open_action,
        result=result,
        error=error,
    )
    item.group_suffix = f"-{secrets.token_hex(4)}"
    context: dict[str, Any] = {"item": item}
    if result:
        context["waiting_count"] = my_day_waiting_count(
            user=viewer, member_id=activity.owner_id, now=timezone.now()
        )
    return TemplateResponse(request, "web/_my_day_item.html", context)


# --- The page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyCustomerItem:
    due: KeyCustomerDue
    plan_url: str


def _member(request: HttpRequest, viewer: User) -> User:
    """The member whose day is shown: ``?member=ID`` within what the viewer may open, else the viewer."""
    raw = request.GET.get("member", "")
    if request.method != "GET" or raw in ("", str(viewer.pk)):
        return viewer
    member_id = parse_id(raw)
    member = user_get(pk=member_id) if member_id is not None else None
    if member is None:
        raise Http404(_("No such member."))
    if not may_open_my_day_of(user=viewer, member=member):
        raise PermissionDenied(_("You may open the day of the members of the teams you manage only."))
    return member


QUICK_LOG_CUSTOMERS = 50


def _quick_log_choices(user: User) -> tuple[QuerySet[Customer], QuerySet[ActivityType]]:
    return quick_log_customers(user=user, limit=QUICK_LOG_CUSTOMERS), activity_type_choices(user=user)


def _quick_log_initial(request: HttpRequest, user: User) -> dict[str, Any]:
    """``?customer=ID`` chooses the customer (any the user may see); ``&mode=plan`` selects "planned"."""
    initial: dict[str, Any] = {}
    customer_id = parse_id(request.GET.get("customer"))
    if customer_id is not None:
        customer = customer_get(user=user, pk=customer_id)
        if customer is not None:
            initial["customer"] = customer
    if request.GET.get("mode") == "plan":
        initial["status"] = Activity.Status.PLANNED
    return initial


def _unreviewed_scope(viewer: User, member: User) -> tuple[set[int] | None, str]:
    """Whose results wait for the viewer's review, and the feed's review queue for them."""
    feed = reverse("activities:feed")
    if member.pk != viewer.pk:
        return {member.pk}, f"{feed}?{urlencode({'unreviewed': 'true', 'owner': member.pk})}"
    if viewer.role == User.Role.ADMIN:
        return None, f"{feed}?unreviewed=true"
    teams = managed_team_ids(user=viewer, limit=2)
    query = {"unreviewed": "true", **({"team": teams[0]} if len(teams) == 1 else {})}
    return managed_user_ids(viewer) - {viewer.pk}, f"{feed}?{urlencode(query)}"


def _my_day_context(
    viewer: User, member: User, form: QuickLogForm | None, *, plan_mode: bool = False
) -> dict[str, Any]:
    today = timezone.localdate()
    start, end = day_bounds(today)
    own = member.pk == viewer.pk
    next_url = my_day_url(viewer=viewer, member_id=member.pk)

    def items(activities: list[Activity], list_name: str) -> list[PlanItem]:
        return [
            plan_item(viewer=viewer, activity=a, list_name=list_name, next_url=next_url, with_forms=False)
            for a in activities
        ]

    todays = my_day_today(user=viewer, member=member, start=start, end=end, limit=TODAY_SHOWN)
    waiting, waiting_count = my_day_waiting(
        user=viewer, member=member, before=start, now=timezone.now(), limit=WAITING_SHOWN
    )
    key_due, key_due_total = my_day_key_customers_due(
        user=viewer, member=member, today=today, limit=KEY_CUSTOMERS_SHOWN
    )
    owner_id = None if own else member.pk
    context: dict[str, Any] = {
        "today": today,
        "member": member,
        "own": own,
        "form": form,
        "plan_mode": plan_mode,
        "todays": items(todays.rows, "today"),
        "todays_total": todays.total,
        "todays_more": todays.more,
        "todays_more_url": f"{reverse('activities:calendar')}?"
        + urlencode({"view": "day", "date": today.isoformat(), "members": member.pk}),
        "waiting": items(waiting.rows, "waiting"),
        "waiting_count": waiting_count,
        # Today's plans whose start has passed: tagged "! Waiting for result" in Today, counted here too.
        "waiting_today": waiting_count - waiting.total,
        "waiting_more": waiting.more,
        "key_customers": [
            KeyCustomerItem(due, plan_visit_url(customer_id=due.customer.pk, owner_id=owner_id))
            for due in key_due
        ],
        "key_customers_total": key_due_total,
        "key_customers_url": f"{reverse('customers:customer_list')}?"
        + urlencode({"owner": member.pk, "is_key": "true", "sort": "last_contact"}),
        "is_reviewer": viewer.role in {User.Role.MANAGER, User.Role.ADMIN},
    }
    if context["is_reviewer"]:
        owner_ids, context["unreviewed_url"] = _unreviewed_scope(viewer, member)
        context["unreviewed"] = my_day_unreviewed(user=viewer, owner_ids=owner_ids, limit=UNREVIEWED_SHOWN)
        context["members"] = my_day_members(user=viewer)
    return context


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """GET shows the day (``?member=ID``: a member's); POST logs (or plans) an activity with the quick
    form, always the signed-in user's own."""
    user = signed_in_user(request)
    member = _member(request, user)
    form: QuickLogForm | None = None
    plan_mode = False
    status_message = ""
    if member.pk == user.pk:
        customers, types = _quick_log_choices(user)
        if request.method == "POST":
            form = QuickLogForm(request.POST, user=user, customers=customers, types=types)
            activity = form.save()
            if activity is not None:
                status_message = (
                    _("Activity logged.")
                    if activity.status == Activity.Status.DONE
                    else _("Activity planned.")
                )
                if not is_htmx(request):
                    messages.success(request, status_message)
                    return redirect("web:home")
                form = QuickLogForm(user=user, customers=customers, types=types)
        else:
            initial = _quick_log_initial(request, user)
            form = QuickLogForm(user=user, customers=customers, types=types, initial=initial)
            plan_mode = initial.get("status") == Activity.Status.PLANNED
    context = _my_day_context(user, member, form, plan_mode=plan_mode)
    context["status_message"] = status_message
    context["progress"] = my_day_progress(member=member)  # the targets card
    # The member's stalled deals (the one stalled rule): a count linking to the stalled list.
    context["stalled_deals"] = stalled_count(Deal.objects.filter(owner=member), one_owner=True)
    return render_page(request, "web/home.html", context, fragments={"my-day": "web/_my_day.html"})
