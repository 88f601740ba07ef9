"""Keeping customers in the app: create and edit (with the duplicate warning), archive and restore,
contacts added, edited, moved and archived on the customer page, and for managers the merge, the bulk
actions of the customer list and handing a leaving rep's customers over."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from totonou.activities.models import Activity
from totonou.core.bounds import parse_id
from totonou.core.exceptions import ConflictError
from totonou.core.htmx import render_page
from totonou.core.request import safe_next
from totonou.customers import services
from totonou.customers.models import Contact, Customer
from totonou.customers.selectors import customer_duplicates, customer_list, customer_records
from totonou.deals.models import Deal, Stage
from totonou.portfolio.services import customer_merge, customers_reassign
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by
from totonou.users.request import signed_in_user
from totonou.web.forms.customers import (
    BulkActionForm,
    ContactForm,
    CustomerForm,
    ReassignForm,
    manageable_people,
)

SAVE_ANYWAY = "save_anyway"
MOVE_CHOICES_SHOWN = 20


def is_manager(user: User) -> bool:
    return user.role in {User.Role.MANAGER, User.Role.ADMIN}


def _ensure_manager(user: User) -> None:
    if not is_manager(user):
        raise PermissionDenied(_("Only managers and administrators may do this."))


def _changeable_customer(user: User, pk: int) -> Customer:
    """A customer the user may change (404 when it does not exist, 403 when it is someone else's)."""
    customer = get_object_or_404(customer_records(user=user), pk=pk)
    if not can_change_owned_by(user, customer.owner_id):
        raise PermissionDenied(_("You may not change records of another user."))
    return customer


def _changeable_contact(user: User, pk: int) -> Contact:
    contact = get_object_or_404(Contact.objects.visible_to(user).select_related("customer"), pk=pk)
    if not can_change_owned_by(user, contact.customer.owner_id):
        raise PermissionDenied(_("You may not change records of another user."))
    return contact


# --- Create and edit ----------------------------------------------------------------------------------


def _customer_form_page(request: HttpRequest, user: User, customer: Customer | None) -> HttpResponse:
    form = CustomerForm(request.POST or None, actor=user, instance=customer)
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = customer_duplicates(
            user=user,
            name=data.get("name") or "",
            phone=data.get("phone") or "",
            website=data.get("website") or "",
            exclude=customer.pk if customer else None,
        )
        # The warning shows when the name, phone or website is new here; "Save anyway" goes on.
        relevant = customer is None or {"name", "phone", "website"} & set(form.changed_data)
        if not relevant or SAVE_ANYWAY in request.POST:
            duplicates = []
        if not duplicates:
            try:
                saved = form.save()
            except ConflictError as error:
                form.add_error(None, error.message)
                saved = None
            if saved is not None:
                messages.success(
                    request, _("The customer is added.") if customer is None else _("The customer is saved.")
                )
                return redirect(saved)
    context = {"form": form, "customer": customer, "duplicates": duplicates}
    status = 400 if form.is_bound and (form.errors or duplicates) else 200
    return render_page(request, "customers/customer_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    return _customer_form_page(request, signed_in_user(request), None)


@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    customer = _changeable_customer(user, pk)
    if customer.archived_at is not None:
        messages.error(request, _("This customer is archived; restore it first."))
        return redirect(customer)
    return _customer_form_page(request, user, customer)


@require_POST
def customer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    customer = services.customer_archive(actor=user, customer=_changeable_customer(user, pk))
    messages.success(
        request, _("%(name)s is archived. It keeps its history and can be restored.") % {"name": customer}
    )
    return redirect(customer)


@require_POST
def customer_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        customer = services.customer_restore(actor=user, customer=_changeable_customer(user, pk))
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect("customers:customer_detail", pk=pk)
    messages.success(request, _("%(name)s is restored.") % {"name": customer})
    return redirect(customer)


# --- Contacts -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    customer = _changeable_customer(user, pk)
    if customer.archived_at is not None:
        messages.error(request, _("This customer is archived; restore it first."))
        return redirect(customer)
    form = ContactForm(request.POST or None, actor=user, customer=customer)
    if request.method == "POST":
        contact = form.save()
        if contact is not None:
            messages.success(request, _("%(name)s is added.") % {"name": contact})
            return redirect(contact)
    context = {"form": form, "customer": customer, "contact": None}
    return render_page(
        request, "customers/contact_form.html", context, status=400 if form.is_bound and form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = _changeable_contact(user, pk)
    form = ContactForm(request.POST or None, actor=user, customer=contact.customer, instance=contact)
    if request.method == "POST":
        try:
            saved = form.save()
        except ConflictError as error:
            form.add_error(None, error.message)
            saved = None
        if saved is not None:
            messages.success(request, _("%(name)s is saved.") % {"name": saved})
            return redirect(saved)
    context = {"form": form, "customer": contact.customer, "contact": contact}
    return render_page(
        request, "customers/contact_form.html", context, status=400 if form.is_bound and form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def contact_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Find the customer by name or kana, then "Move here" (a POST with ``customer``)."""
    user = signed_in_user(request)
    contact = _changeable_contact(user, pk)
    error = ""
    if request.method == "POST":
        target_id = parse_id(request.POST.get("customer"))
        target = customer_list(user=user).filter(pk=target_id).first() if target_id is not None else None
        if target is None:
            error = _("Choose a customer to move the contact to.")
        else:
            try:
                services.contact_move(actor=user, contact=contact, customer=target)
            except (ValidationError, PermissionDenied) as problem:
                error = " ".join(getattr(problem, "messages", [str(problem)]))
            else:
                messages.success(
                    request,
                    _("%(contact)s now belongs to %(customer)s.") % {"contact": contact, "customer": target},
                )
                return redirect("customers:customer_detail", pk=target.pk)
    query = (request.GET.get("q") or "").strip()
    matches: list[Customer] = []
    if query:
        found = customer_list(user=user).filter(Q(name__icontains=query) | Q(name_kana__icontains=query))
        matches = [
            customer
            for customer in found.exclude(pk=contact.customer_id)[:MOVE_CHOICES_SHOWN]
            if can_change_owned_by(user, customer.owner_id)
        ]
    context = {
        "contact": contact,
        "customer": contact.customer,
        "query": query,
        "matches": matches,
        "error": error,
    }
    return render_page(request, "customers/contact_move.html", context, status=400 if error else 200)


@require_POST
def contact_archive(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = services.contact_archive(actor=user, contact=_changeable_contact(user, pk))
    messages.success(request, _("%(name)s is archived.") % {"name": contact})
    return redirect("customers:customer_detail", pk=contact.customer_id)


@require_POST
def contact_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = services.contact_restore(actor=user, contact=_changeable_contact(user, pk))
    messages.success(request, _("%(name)s is restored.") % {"name": contact})
    return redirect(contact)


# --- Merge (managers) ---------------------------------------------------------------------------------


def _moving(customer: Customer) -> dict[str, int]:
    return {
        "contacts": customer.contacts.count(),
        "deals": customer.deals.count(),
        "activities": customer.activities.count(),
    }


@require_http_methods(["GET", "POST"])
def customer_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another customer into this one: find it (name, kana, or the duplicate candidates), check
    what moves, confirm."""
    user = signed_in_user(request)
    _ensure_manager(user)
    survivor = _changeable_customer(user, pk)
    duplicate_id = parse_id(request.POST.get("duplicate") or request.GET.get("duplicate"))
    duplicate = (
        customer_records(user=user).exclude(pk=survivor.pk).filter(pk=duplicate_id).first()
        if duplicate_id is not None
        else None
    )
    error = ""
    if request.method == "POST":
        if duplicate is None:
            error = _("Choose the customer to merge into this one.")
        else:
            try:
                result = customer_merge(actor=user, survivor=survivor, duplicate=duplicate)
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                messages.success(
                    request,
                    _(
                        "%(duplicate)s is merged into %(survivor)s: %(contacts)s contacts, %(deals)s deals "
                        "and %(activities)s activities moved."
                    )
                    % {
                        "duplicate": duplicate,
                        "survivor": result.survivor,
                        "contacts": result.contacts,
                        "deals": result.deals,
                        "activities": result.activities,
                    },
                )
                return redirect(result.survivor)
    query = (request.GET.get("q") or "").strip()
    if query:
        found = customer_list(user=user).filter(Q(name__icontains=query) | Q(name_kana__icontains=query))
        candidates = list(found.exclude(pk=survivor.pk)[:MOVE_CHOICES_SHOWN])
    else:
        candidates = [
            item.customer
            for item in customer_duplicates(
                user=user,
                name=survivor.name,
                phone=survivor.phone,
                website=survivor.website,
                exclude=survivor.pk,
            )
            if item.customer.merged_into_id is None
        ]
    context = {
        "customer": survivor,
        "duplicate": duplicate,
        "moving": _moving(duplicate) if duplicate is not None else None,
        "candidates": candidates,
        "query": query,
        "error": error,
    }
    return render_page(request, "customers/customer_merge.html", context, status=400 if error else 200)


# --- Bulk actions and reassigning (managers) -----------------------------------------------------------


@require_POST
def customer_bulk(request: HttpRequest) -> HttpResponse:
    """The customer list's bulk bar: reassign, set segment, set or clear the key mark; one service each."""
    user = signed_in_user(request)
    _ensure_manager(user)
    back = safe_next(request, reverse("customers:customer_list"))
    form = BulkActionForm(request.POST, actor=user)
    if not form.is_valid():
        problems = [str(message) for messages_ in form.errors.values() for message in messages_]
        messages.error(request, " ".join(problems))
        return redirect(back)
    data = form.cleaned_data
    chosen = list(data["customers"])
    try:
        if data["action"] == "owner":
            count = _bulk_reassign(user, chosen, data["to_owner"])
            text = ngettext(
                "%(count)s customer now belongs to %(owner)s.",
                "%(count)s customers now belong to %(owner)s.",
                count,
            ) % {"count": count, "owner": data["to_owner"]}
        elif data["action"] == "segment":
            count = services.customers_set_segment(actor=user, customers=chosen, segment=data["segment"])
            text = ngettext(
                "%(count)s customer moved to the segment.", "%(count)s customers moved to the segment.", count
            ) % {"count": count}
        else:
            is_key = data["action"] == "key_set"
            count = services.customers_set_key(actor=user, customers=chosen, is_key=is_key)
            text = (
                ngettext("%(count)s customer marked as key.", "%(count)s customers marked as key.", count)
                if is_key
                else ngettext(
                    "%(count)s customer is no longer key.", "%(count)s customers are no longer key.", count
                )
            ) % {"count": count}
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
        return redirect(back)
    messages.success(request, text)
    return redirect(back)


def _bulk_reassign(user: User, chosen: list[Customer], to_owner: User) -> int:
    """Ticked customers may belong to several reps: one reassign per current owner, in one transaction."""
    by_owner: dict[int, list[Customer]] = {}
    for customer in chosen:
        by_owner.setdefault(customer.owner_id, []).append(customer)
    total = 0
    with transaction.atomic():
        for owner_id, customers in sorted(by_owner.items()):
            if owner_id == to_owner.pk:
                continue
            owner = User.objects.get(pk=owner_id)
            total += customers_reassign(
                actor=user, from_owner=owner, to_owner=to_owner, customers=customers
            ).customers
    return total


def _reassign_counts(from_owner: User, *, shared: bool) -> dict[str, int]:
    """What ``customers_reassign`` will move: with one new owner, all the rep's open deals and future
    plans; shared across a team, only those of the customers that move."""
    now = timezone.now()
    customers = Customer.objects.filter(owner=from_owner, archived_at__isnull=True)
    deals = Deal.objects.filter(owner=from_owner, stage__kind=Stage.Kind.OPEN)
    plans = Activity.objects.filter(owner=from_owner, status=Activity.Status.PLANNED, starts_at__gte=now)
    if shared:
        deals = deals.filter(customer__in=customers)
        plans = plans.filter(customer__in=customers)
    return {"customers": customers.count(), "deals": deals.count(), "activities": plans.count()}


@require_http_methods(["GET", "POST"])
def customer_reassign_view(request: HttpRequest) -> HttpResponse:
    """A rep leaves: choose them and who takes over; the confirmation shows what moves; confirm."""
    user = signed_in_user(request)
    _ensure_manager(user)
    form = ReassignForm(request.POST or request.GET or None, actor=user)
    counts: dict[str, int] | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        counts = _reassign_counts(data["from_owner"], shared=data["to_team"] is not None)
        if request.method == "POST" and "confirm" in request.POST:
            try:
                result = customers_reassign(
                    actor=user,
                    from_owner=data["from_owner"],
                    to_owner=data["to_owner"],
                    to_team=data["to_team"],
                )
            except ValidationError as problem:
                form.add_service_errors(problem)
                counts = None  # back to the choices, with the reason next to them
            else:
                messages.success(
                    request,
                    _(
                        "%(customers)s customers, %(deals)s open deals and %(activities)s future plans of "
                        "%(name)s were handed over."
                    )
                    % {
                        "customers": result.customers,
                        "deals": result.deals,
                        "activities": result.activities,
                        "name": data["from_owner"],
                    },
                )
                target = data["to_owner"]
                query = f"?{urlencode({'owner': target.pk})}" if target is not None else ""
                return redirect(reverse("customers:customer_list") + query)
    context = {"form": form, "counts": counts, "owner_counts": _owner_counts(user)}
    status = 400 if form.is_bound and form.errors else 200
    return render_page(request, "customers/customer_reassign.html", context, status=status)


def _owner_counts(user: User) -> list[tuple[User, int]]:
    """Customers in use per person the user manages (inactive people first: they need handing over)."""
    people = (
        manageable_people(user)
        .annotate(count=Count("customers", filter=Q(customers__archived_at__isnull=True)))
        .filter(count__gt=0)
        .order_by("is_active", "display_name", "username")
    )
    return [(person, person.count) for person in people]
