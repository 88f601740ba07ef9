"""The activity form: plan an activity, log one after the fact, or edit one.

``/activities/new/?starts_at=…&owner=…&mode=plan|log`` (the calendar's slots link here) and
``/activities/<id>/edit/``. The customer is found by typing (``activity_form_customers``, an htmx
fragment of at most 20 matches); choosing one reloads its deals and contacts
(``activity_form_relations``). Without JavaScript the "Search" button posts the form back unsaved with
the matches and the chosen customer's deals and contacts, keeping everything typed so far.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from totonou.activities.models import Activity, ActivityType
from totonou.activities.selectors import activity_list, activity_type_choices, overlapping_plans
from totonou.core.bounds import DATE_VALIDATORS, parse_id
from totonou.core.exceptions import ConflictError
from totonou.core.htmx import render_page
from totonou.core.request import safe_next
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_list
from totonou.deals.selectors import deal_customer_id
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by
from totonou.users.request import signed_in_user
from totonou.web.forms.activities import ActivityCreateForm, ActivityEditForm, ActivityForm

CUSTOMERS_SHOWN = 20
REFRESH = "_refresh"  # the no-JavaScript "Search" button: show the form again, save nothing
HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


# --- Customers offered ------------------------------------------------------------------------------


def _search_terms(query: str) -> tuple[str, str]:
    """The query as typed (NFKC: half-width kana and full-width letters folded) and in katakana, so
    ``さくら`` finds a customer read ``サクラ``."""
    text = unicodedata.normalize("NFKC", query).strip()
    return text, text.translate(HIRAGANA_TO_KATAKANA)


def customer_options(
    user: User, *, query: str = "", owner_id: int | None = None, selected_id: int | None = None
) -> tuple[list[Customer], bool]:
    """The customers the form offers, at most ``CUSTOMERS_SHOWN``, and whether more match.

    With a query: any customer whose name or reading (kana) contains it, exact matches first, then
    those starting with it. Without: the owner's key customers, then the most recently contacted.
    The selected customer is always offered (first), so typing never loses a choice."""
    customers = customer_list(user=user)
    text, katakana = _search_terms(query)
    if text:
        exact = Q(name__iexact=text) | Q(name_kana=text) | Q(name_kana=katakana)
        prefix = Q(name__istartswith=text) | Q(name_kana__startswith=text) | Q(name_kana__startswith=katakana)
        rank = Case(When(exact, then=Value(0)), When(prefix, then=Value(1)), default=Value(2))
        found = (
            customers.filter(
                Q(name__icontains=text) | Q(name_kana__icontains=text) | Q(name_kana__icontains=katakana)
            )
            .annotate(rank=rank)
            .order_by("rank", "name_kana", "name", "id")
        )
    else:
        found = (
            customers.filter(owner_id=owner_id or user.pk)
            .exclude(status=Customer.Status.INACTIVE)
            .annotate(rank=Value(0, output_field=IntegerField()))
            .order_by("-is_key", "-last_contact_at", "name_kana", "id")
        )
    options: list[Customer] = list(found[: CUSTOMERS_SHOWN + 1])
    has_more = len(options) > CUSTOMERS_SHOWN
    options = options[:CUSTOMERS_SHOWN]
    if selected_id is not None and selected_id not in {customer.pk for customer in options}:
        # An archived customer stays offered on its own activities (it leaves the search only).
        selected = Customer.objects.visible_to(user).filter(pk=selected_id).first()
        if selected is not None:
            options.insert(0, selected)
    return options, has_more


def _owner_id(user: User, raw: Any) -> int:
    """An owner id from the request if ``user`` may plan for them, else ``user``'s own."""
    owner_id = parse_id(raw)
    return owner_id if owner_id is not None and can_change_owned_by(user, owner_id) else user.pk


def _types(user: User) -> Any:
    return activity_type_choices(user=user)


# --- Rendering --------------------------------------------------------------------------------------


def _context(form: ActivityForm, *, has_more: bool, next_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "customers_have_more": has_more,
        "customers_shown": CUSTOMERS_SHOWN,
        "next": next_url,
        **extra,
    }


def _values(form_class: type[forms.Form], data: QueryDict) -> dict[str, Any]:
    """What was typed into the form, as the initial values of an unbound one (the "Search" button)."""
    values: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        if name not in data:
            continue
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        values[name] = data.getlist(name) if multiple else data.get(name)
    return values


def _next_url(request: HttpRequest) -> str:
    """Where to go after saving (the calendar a slot was chosen in), if it is on this site."""
    return safe_next(request, "")


# --- Plan or log ------------------------------------------------------------------------------------


def _initial_from_query(request: HttpRequest, user: User) -> dict[str, Any]:
    """``?starts_at=2026-04-06T10:00&owner=3&mode=log&customer=7&deal=9`` from the calendar and other
    pages; values that do not parse are left out (the defaults apply)."""
    query = request.GET
    initial: dict[str, Any] = {"owner": _owner_id(user, query.get("owner"))}
    if query.get("mode") in {"plan", "log"}:
        initial["mode"] = query["mode"]
    try:
        starts_at = forms.DateTimeField(validators=DATE_VALIDATORS).clean(query.get("starts_at", ""))
    except forms.ValidationError:
        starts_at = None
    if starts_at is not None:
        initial["starts_at"] = starts_at
    deal_id = parse_id(query.get("deal"))
    if deal_id is not None:
        deal_customer = deal_customer_id(user=user, pk=deal_id)
        if deal_customer is not None:
            initial.update(deal=deal_id, customer=deal_customer)
    customer_id = parse_id(query.get("customer"))
    if customer_id is not None and "customer" not in initial:
        initial["customer"] = customer_id
    return initial


def _back_to(request: HttpRequest, activity: Activity) -> str:
    """Where to go after saving: ``next`` (else the activity's page). Back to the calendar, it opens on
    the day of the activity (planned for next week, it is next week that shows) with it highlighted."""
    target = safe_next(request, activity.get_absolute_url())
    parts = urlsplit(target)
    if parts.path != reverse("activities:calendar"):
        return target
    query = QueryDict(parts.query, mutable=True)
    query["date"] = timezone.localtime(activity.starts_at).date().isoformat()
    query["highlight"] = str(activity.pk)
    return urlunsplit(parts._replace(query=query.urlencode()))


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    """Plan an activity or log one after the fact (``?mode=log``); after saving, back to ``next``."""
    user = signed_in_user(request)
    types = _types(user)
    next_url = _next_url(request)
    if request.method == "POST" and REFRESH not in request.POST:
        data = request.POST
        options, has_more = customer_options(
            user,
            query=data.get("customer_q", ""),
            owner_id=_owner_id(user, data.get("owner")),
            selected_id=parse_id(data.get("customer")),
        )
        form = ActivityCreateForm(data, user=user, customers=options, types=types)
        activity = form.save()
        if activity is not None:
            done = activity.status == Activity.Status.DONE
            message = _("Activity logged.") if done else _("Activity planned.")
            target = _back_to(request, activity)
            if urlsplit(target).path == reverse("activities:calendar"):
                message = format_html(
                    '{} <a href="{}">{}</a>', message, activity.get_absolute_url(), _("Open the activity")
                )
            messages.success(request, message)
            _warn_overlaps(request, user, activity)
            return redirect(target)
    else:
        if request.method == "POST":
            initial = _values(ActivityCreateForm, request.POST)
            initial["owner"] = _owner_id(user, initial.get("owner"))
        else:
            initial = _initial_from_query(request, user)
        options, has_more = customer_options(
            user,
            query=initial.get("customer_q") or "",
            owner_id=initial["owner"],
            selected_id=parse_id(str(initial.get("customer", ""))),
        )
        form = ActivityCreateForm(user=user, customers=options, types=types, initial=initial)
    return render_page(
        request, "activities/activity_form.html", _context(form, has_more=has_more, next_url=next_url)
    )


# --- Edit -------------------------------------------------------------------------------------------


def _warn_overlaps(request: HttpRequest, user: User, activity: Activity) -> None:
    """Planning over another plan of the same person is allowed, with a warning naming the others."""
    if activity.status != Activity.Status.PLANNED:
        return
    others = overlapping_plans(user=user, activity=activity)
    if others:
        names = ", ".join(
            f"{formats.date_format(timezone.localtime(other.starts_at), 'H:i')} "
            f"{other.customer.name if other.customer is not None else other}"
            for other in others
        )
        messages.warning(
            request,
            _("This plan overlaps another plan of %(owner)s: %(plans)s.")
            % {"owner": activity.owner, "plans": names},
        )


def _changeable_activity(user: User, pk: int) -> Activity:
    """The activity, or 403 before reading the form: someone who may not change it learns nothing."""
    activity = get_object_or_404(activity_list(user=user), pk=pk)
    if not can_change_owned_by(user, activity.owner_id):
        raise PermissionDenied(
            _("You may not change this activity: it belongs to %(owner)s.") % {"owner": activity.owner}
        )
    return activity


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an activity (its owner, their manager or an admin). A plan's new start marks it moved."""
    user = signed_in_user(request)
    activity = _changeable_activity(user, pk)
    types = _types(user)
    next_url = _next_url(request)
    data: Mapping[str, Any] = request.POST if request.method == "POST" else {}
    options, has_more = customer_options(
        user,
        query=data.get("customer_q", ""),
        owner_id=parse_id(data.get("owner")) or activity.owner_id,
        selected_id=parse_id(data.get("customer")) if "customer" in data else activity.customer_id,
    )
    status = 200
    if request.method == "POST" and REFRESH not in request.POST:
        form = ActivityEditForm(request.POST, user=user, activity=activity, customers=options, types=types)
        try:
            saved = form.save()
        except ConflictError as error:
            messages.error(request, error.message)
            saved, status = None, 409
        if saved is not None:
            messages.success(request, _("The activity is saved."))
            return redirect(safe_next(request, saved.get_absolute_url()))
    else:
        initial = _values(ActivityEditForm, request.POST) if request.method == "POST" else {}
        form = ActivityEditForm(user=user, activity=activity, customers=options, types=types, initial=initial)
    context = _context(form, has_more=has_more, next_url=next_url, activity=activity)
    return render_page(request, "activities/activity_form.html", context, status=status)


# --- htmx fragments ---------------------------------------------------------------------------------


@require_GET
def activity_form_customers(request: HttpRequest) -> HttpResponse:
    """The customers matching ``?customer_q=`` (name or kana), at most 20, as the form's radio list."""
    user = signed_in_user(request)
    selected_id = parse_id(request.GET.get("customer"))
    options, has_more = customer_options(
        user,
        query=request.GET.get("customer_q", ""),
        owner_id=_owner_id(user, request.GET.get("owner")),
        selected_id=selected_id,
    )
    context = {
        "customer_query": request.GET.get("customer_q", "").strip(),
        "customer_options": options,
        "customer_value": "" if selected_id is None else str(selected_id),
        "customers_have_more": has_more,
        "customers_shown": CUSTOMERS_SHOWN,
    }
    return render_page(request, "activities/_activity_form_customers.html", context)


@require_GET
def activity_form_relations(request: HttpRequest) -> HttpResponse:
    """The deal and contact fields for ``?customer=``: only that customer's deals and contacts."""
    user = signed_in_user(request)
    customer_id = parse_id(request.GET.get("customer"))
    form = ActivityCreateForm(
        user=user, customers=(), types=ActivityType.objects.none(), initial={"customer": customer_id}
    )
    return render_page(request, "activities/_activity_form_relations.html", {"form": form})
