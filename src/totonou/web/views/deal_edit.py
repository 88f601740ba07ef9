"""Deal pages that change deals: create (from the deal list or a customer's page), edit, delete or
archive, and the stage change.

The stage change is one control on the deal page (``deal_stage``): an open stage is applied at once; a
won stage asks for the close date and confirms the amount, a lost stage asks for the reason and offers a
note. ``GET /deals/<id>/stage/?stage=<id>`` renders just that form, so htmx (and the pipeline board) can
load it into ``#stage-panel``; without JavaScript it is a page of its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from totonou.core.bounds import parse_id
from totonou.core.exceptions import ConflictError
from totonou.core.htmx import is_htmx, render_page
from totonou.core.request import safe_next
from totonou.deals.models import Deal, Stage
from totonou.deals.selectors import deal_list, stage_choices
from totonou.deals.services import deal_archive, deal_delete, deal_restore
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by, can_reopen_owned_by
from totonou.users.request import signed_in_user
from totonou.web.forms.deals import DealForm, DealStageForm
from totonou.web.views.activity_form import CUSTOMERS_SHOWN, REFRESH, customer_options

STAGE_PANEL = "stage-panel"
DEAL_FORM_CUSTOMER = "deal-customer"


def _deal(user: User, pk: int) -> Deal:
    return get_object_or_404(deal_list(user=user), pk=pk)


def _changeable_deal(user: User, pk: int) -> Deal:
    """The deal ``pk`` if the user may see it (else 404) and change it (else 403)."""
    deal = _deal(user, pk)
    if not can_change_owned_by(user, deal.owner_id):
        raise PermissionDenied(_("You may not change records of another user."))
    return deal


# --- Create and edit --------------------------------------------------------------------------------


def _form_context(request: HttpRequest, form: DealForm, has_more: bool, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "customer_options": form.customer_options,
        "customer_value": form.customer_value,
        "customer_query": (form["customer_q"].value() or "").strip(),
        "customers_have_more": has_more,
        "customers_shown": CUSTOMERS_SHOWN,
        "next": safe_next(request, ""),
        **extra,
    }


def _typed(request: HttpRequest) -> dict[str, Any]:
    """What was typed into the form, as initial values (the no-JavaScript "Search" button)."""
    return {name: request.POST.get(name) for name in DealForm.base_fields if name in request.POST}


def _options(user: User, data: Any, selected: int | None) -> tuple[list[Any], bool]:
    return customer_options(user, query=data.get("customer_q", "") or "", selected_id=selected)


@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    """A new deal: ``?customer=<id>`` from the customer's page fixes the customer in advance."""
    user = signed_in_user(request)
    if request.method == "POST" and REFRESH not in request.POST:
        options, has_more = _options(user, request.POST, parse_id(request.POST.get("customer")))
        form = DealForm(request.POST, user=user, customers=options)
        deal = form.save()
        if deal is not None:
            messages.success(request, _("Deal added."))
            return redirect(safe_next(request, deal.get_absolute_url()))
        status = 422
    else:
        data = request.POST if request.method == "POST" else request.GET
        selected = parse_id(data.get("customer"))
        options, has_more = _options(user, data, selected)
        initial = {"customer": selected, "customer_q": data.get("customer_q", "")}
        if request.method == "POST":
            initial.update(
                {name: request.POST.get(name) for name in DealForm.base_fields if name in request.POST}
            )
        form = DealForm(user=user, customers=options, initial=initial)
        status = 200
    return render_page(
        request,
        "deals/deal_form.html",
        _form_context(request, form, has_more),
        fragments={DEAL_FORM_CUSTOMER: "deals/_deal_form_customer.html"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    deal = _changeable_deal(user, pk)
    status = 200
    if request.method == "POST" and REFRESH not in request.POST:
        options, has_more = _options(user, request.POST, parse_id(request.POST.get("customer")))
        form = DealForm(request.POST, user=user, customers=options, deal=deal)
        saved = form.save()
        if saved is not None:
            messages.success(request, _("Deal saved."))
            return redirect(safe_next(request, saved.get_absolute_url()))
        status = 422
    else:
        data = request.POST if request.method == "POST" else request.GET
        selected = parse_id(data.get("customer")) or deal.customer_id
        options, has_more = _options(user, data, selected)
        initial: dict[str, Any] = {"customer": selected, "customer_q": data.get("customer_q", "")}
        if request.method == "POST":
            initial.update(
                {name: request.POST.get(name) for name in DealForm.base_fields if name in request.POST}
            )
        form = DealForm(user=user, customers=options, deal=deal, initial=initial)
    return render_page(
        request,
        "deals/deal_form.html",
        _form_context(request, form, has_more, deal=deal),
        fragments={DEAL_FORM_CUSTOMER: "deals/_deal_form_customer.html"},
        status=status,
    )


@require_GET
def deal_form_customer(request: HttpRequest) -> HttpResponse:
    """The form's customer choice and that customer's contacts, for ``?customer_q=`` and ``?customer=``
    (htmx swaps ``#deal-customer`` as the person types or chooses)."""
    user = signed_in_user(request)
    selected = parse_id(request.GET.get("customer"))
    options, has_more = _options(user, request.GET, selected)
    form = DealForm(
        user=user,
        customers=options,
        initial={"customer": selected, "customer_q": request.GET.get("customer_q", "")},
    )
    return render_page(request, "deals/_deal_form_customer.html", _form_context(request, form, has_more))


# --- Delete, archive, restore -----------------------------------------------------------------------


@require_POST
def deal_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a deal without activities; one with activities is refused (archive it instead)."""
    user = signed_in_user(request)
    deal = _changeable_deal(user, pk)
    try:
        deal_delete(actor=user, deal=deal)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect(deal.get_absolute_url())
    messages.success(request, _("Deal deleted."))
    return redirect(reverse("deals:deal_list"))


@require_POST
def deal_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    deal = _changeable_deal(user, pk)
    try:
        deal_archive(actor=user, deal=deal)
        messages.success(request, _("Deal archived: it no longer shows in the deal list."))
    except ConflictError as error:
        messages.error(request, error.message)
    return redirect(deal.get_absolute_url())


@require_POST
def deal_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    deal = _changeable_deal(user, pk)
    try:
        deal_restore(actor=user, deal=deal)
        messages.success(request, _("Deal restored to the deal list."))
    except ConflictError as error:
        messages.error(request, error.message)
    return redirect(deal.get_absolute_url())


# --- The stage change -------------------------------------------------------------------------------


def stage_panel_context(user: User, deal: Deal, form: DealStageForm | None = None) -> dict[str, Any]:
    """What ``deals/_stage_panel.html`` needs: the control (or the won/lost form for ``form``'s stage),
    and whether the user may use it (a closed deal only for the owner's manager or an administrator)."""
    may_change = can_change_owned_by(user, deal.owner_id)
    closed = deal.stage.kind != Stage.Kind.OPEN
    may_move = may_change and (not closed or can_reopen_owned_by(user, deal.owner_id))
    target: Stage | None = None
    if form is not None:
        value = form["stage"].value()
        target = next((s for s in form.fields["stage"].queryset if str(s.pk) == str(value)), None)  # type: ignore[attr-defined]
    return {
        "deal": deal,
        "stage_form": form or DealStageForm(user=user, deal=deal, initial={"stage": deal.stage_id}),
        # the control's options (the form's queryset, as a list): read only where the control shows
        "stages": stage_choices(user=user)
        if may_move and (target is None or target.kind == Stage.Kind.OPEN)
        else [],
        "stage_target": target,
        "may_move": may_move,
        "may_change": may_change,
    }


def _with_next(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """The page to return to after a won or lost form (the pipeline board), when it is one of ours."""
    context["next"] = safe_next(request, "")
    return context


@require_http_methods(["GET", "POST"])
def deal_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """``GET ?stage=<id>``: the form for moving into that stage (won / lost ask more). ``POST``: an open
    stage moves at once; a won or lost one without ``confirm`` answers with its form first."""
    user = signed_in_user(request)
    deal = _changeable_deal(user, pk)
    fragments = {STAGE_PANEL: "deals/_stage_panel.html"}
    if request.method == "GET":
        form = DealStageForm(
            user=user, deal=deal, initial={"stage": parse_id(request.GET.get("stage")) or deal.stage_id}
        )
        context = _with_next(request, stage_panel_context(user, deal, form))
        return render_page(request, "deals/deal_stage.html", context, fragments=fragments)
    form = DealStageForm(request.POST, user=user, deal=deal)
    asks_more = (
        form.is_valid()
        and form.cleaned_data["stage"].kind != Stage.Kind.OPEN
        and "confirm" not in request.POST
    )
    if asks_more:
        form = DealStageForm(
            user=user,
            deal=deal,
            initial={"stage": form.cleaned_data["stage"].pk, "version": form.cleaned_data["version"]},
        )
        context = _with_next(request, stage_panel_context(user, deal, form))
        return render_page(request, "deals/deal_stage.html", context, fragments=fragments)
    try:
        saved = form.save()
    except ConflictError as error:
        messages.error(request, error.message)
        saved = None
        if is_htmx(request):
            response = HttpResponse(status=200)
            response["HX-Redirect"] = deal.get_absolute_url()
            return response
        return redirect(deal.get_absolute_url())
    if saved is None:
        context = _with_next(request, stage_panel_context(user, deal, form))
        # htmx swaps only successful responses: the form with its errors comes back as 200 to htmx.
        status = 200 if is_htmx(request) else 422
        return render_page(request, "deals/deal_stage.html", context, fragments=fragments, status=status)
    messages.success(request, _("The deal is now in the stage “%(stage)s”.") % {"stage": saved.stage.name})
    target = safe_next(request, saved.get_absolute_url())
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
