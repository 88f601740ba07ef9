"""The team's set-up, in Settings: users and teams (admins; a team's managers change its settings: time
zone and weekly-report deadline); segments, stages, loss reasons and activity
types (admins, and managers where ``TOTONOU_MANAGERS_EDIT_REFERENCE_DATA`` says so); one's own password.

Every page is a list with "New", an edit form and a confirmation for deleting or deactivating; the
services decide, and a refusal is a 403 (or 404 for an id that does not exist) with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import models
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from totonou.activities.models import ActivityType
from totonou.activities.services import activity_type_delete
from totonou.core.exceptions import ConflictError, ValidationError
from totonou.core.htmx import render_page
from totonou.customers.models import Segment
from totonou.customers.services import segment_delete
from totonou.deals.models import LossReason, Stage
from totonou.deals.services import loss_reason_delete, stage_delete
from totonou.users.models import Team, User
from totonou.users.permissions import (
    can_change_reference_data,
    ensure_admin,
    ensure_can_change_reference_data,
    ensure_can_change_team_owned,
    ensure_manager_or_admin,
    managed_team_ids,
)
from totonou.users.request import signed_in_user
from totonou.users.services import signin_locked, user_password_link, user_signin_unlock, user_update
from totonou.web.forms.setup import (
    ActivityTypeForm,
    LossReasonForm,
    ReferenceForm,
    SegmentForm,
    StageForm,
    TeamForm,
    TeamSettingsForm,
    UserForm,
)


def _admin(request: HttpRequest) -> User:
    user = signed_in_user(request)
    ensure_admin(user)
    return user


def _reference_editor(request: HttpRequest) -> User:
    user = signed_in_user(request)
    ensure_can_change_reference_data(user)
    return user


def setup_links(user: User) -> list[tuple[str, str]]:
    """The set-up pages ``user`` may open, for the Settings page: (label, url)."""
    links: list[tuple[str, str]] = []
    if user.is_admin:
        links += [(_("Users"), reverse("setup:user_list")), (_("Teams"), reverse("setup:team_list"))]
    elif user.is_manager and managed_team_ids(user):
        links.append((_("Teams"), reverse("setup:team_list")))
    if can_change_reference_data(user):
        links += [(str(kind.plural), reverse(f"setup:{kind.key}_list")) for kind in KINDS.values()]
    return links


# --- Users ------------------------------------------------------------------------------------------


def _set_password_url(request: HttpRequest, user: User, actor: User) -> str:
    uidb64, token = user_password_link(actor=actor, user=user)
    return request.build_absolute_uri(reverse("password_reset_confirm", args=[uidb64, token]))


def _show_link(request: HttpRequest, user: User, link: str, *, created: bool) -> HttpResponse:
    """The set-password link, shown once (never stored, never cached)."""
    response = render_page(
        request, "setup/user_link.html", {"person": user, "link": link, "created": created}
    )
    response["Cache-Control"] = "no-store"
    return response


def user_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    people = User.objects.select_related("team").order_by("-is_active", "username", "id")
    return render_page(request, "setup/user_list.html", {"people": people})


@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    form = UserForm(request.POST or None, actor=actor)
    if request.method == "POST":
        user = form.save()
        if user is not None:
            return _show_link(request, user, _set_password_url(request, user, actor), created=True)
    return render_page(
        request, "setup/user_form.html", {"form": form, "person": None}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    person = get_object_or_404(User.objects.select_related("team"), pk=pk)
    form = UserForm(request.POST or None, actor=actor, user=person)
    if request.method == "POST" and form.save() is not None:
        messages.success(request, _("%(name)s is saved.") % {"name": person})
        return redirect("setup:user_list")
    context = {"form": form, "person": person, "signin_locked": signin_locked(person)}
    return render_page(request, "setup/user_form.html", context, status=400 if form.errors else 200)


@require_POST
def user_signin_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Unlock a user's sign-in after too many failed attempts (sign-in throttling)."""
    actor = _admin(request)
    person = get_object_or_404(User, pk=pk)
    user_signin_unlock(actor=actor, user=person)
    messages.success(request, _("%(name)s can sign in again.") % {"name": person})
    return redirect("setup:user_edit", pk=pk)


@require_POST
def user_password_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new set-password link for a user (their current password stops working)."""
    actor = _admin(request)
    person = get_object_or_404(User, pk=pk)
    try:
        link = _set_password_url(request, person, actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("setup:user_edit", pk=pk)
    return _show_link(request, person, link, created=False)


@require_http_methods(["GET", "POST"])
def user_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    """Confirm, then deactivate (or activate again) a user. Their records stay theirs."""
    actor = _admin(request)
    person = get_object_or_404(User.objects.select_related("team"), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            user_update(actor=actor, user=person, is_active=active)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            message = _("%(name)s is active again.") if active else _("%(name)s is deactivated.")
            messages.success(request, message % {"name": person})
            return redirect("setup:user_list")
    counts = {
        "customers": person.customers.count(),
        "deals": person.deals.count(),
        "activities": person.activities.filter(status="planned").count(),
    }
    context = {"person": person, "active": active, "error": error, "counts": counts}
    return render_page(request, "setup/user_active.html", context, status=400 if error else 200)


# --- Teams ------------------------------------------------------------------------------------------


def team_list(request: HttpRequest) -> HttpResponse:
    """Every team (admins), or the teams a manager manages (to change their settings)."""
    user = signed_in_user(request)
    if not user.is_admin:
        ensure_manager_or_admin(user)
    people = User.objects.order_by("username", "id")
    teams = Team.objects.prefetch_related(
        Prefetch("members", queryset=people), Prefetch("managers", queryset=people)
    ).order_by("name", "id")
    if not user.is_admin:
        teams = teams.filter(pk__in=managed_team_ids(user))
    return render_page(request, "setup/team_list.html", {"teams": teams, "can_create": user.is_admin})


@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Admins: the whole team. The team's managers: its settings only (``TeamSettingsForm``); another
    team's manager or a rep: 403 (teams are read by everyone, ADR 0027)."""
    actor = signed_in_user(request)
    team = get_object_or_404(Team, pk=pk) if pk is not None else None
    form: TeamSettingsForm
    if actor.is_admin:
        form = TeamForm(request.POST or None, actor=actor, team=team)
    elif team is None:
        ensure_admin(actor)
        raise AssertionError("unreachable")
    else:
        ensure_can_change_team_owned(actor, team.pk)
        form = TeamSettingsForm(request.POST or None, actor=actor, team=team)
    if request.method == "POST":
        saved = form.save()
        if saved is not None:
            messages.success(request, _("The team “%(name)s” is saved.") % {"name": saved.name})
            return redirect("setup:team_list")
    context = {"form": form, "team": team, "full": isinstance(form, TeamForm)}
    return render_page(request, "setup/team_form.html", context, status=400 if form.errors else 200)


# --- Shared lists: segments, stages, loss reasons, activity types -------------------------------------


@dataclass(frozen=True)
class Kind:
    """One shared list and how its pages show it."""

    key: str
    model: type[models.Model]
    form: type[ReferenceForm]
    delete: Callable[..., None]
    argument: str
    plural: Any
    new: Any
    deleted: Any
    hint: Any
    columns: tuple[Any, ...]
    cells: Callable[[Any], list[str]]
    queryset: Callable[[], QuerySet[Any]]


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            key="segment",
            model=Segment,
            form=SegmentForm,
            delete=segment_delete,
            argument="segment",
            plural=gettext_lazy("Segments"),
            new=gettext_lazy("New segment"),
            deleted=gettext_lazy("The segment “%(name)s” is deleted."),
            hint=gettext_lazy(
                "Groups of customers, each with its contact cadence: days without real contact before "
                "a customer counts as uncontacted (and a shorter one for key customers)."
            ),
            columns=(gettext_lazy("Cadence (days)"), gettext_lazy("Key customers (days)")),
            # No customer count: with 100,000 customers it would cost more than the page's budget.
            cells=lambda item: [str(item.cadence_days), str(item.key_cadence_days)],
            queryset=lambda: Segment.objects.order_by("sort_order", "name"),
        ),
        Kind(
            key="stage",
            model=Stage,
            form=StageForm,
            delete=stage_delete,
            argument="stage",
            plural=gettext_lazy("Stages"),
            new=gettext_lazy("New stage"),
            deleted=gettext_lazy("The stage “%(name)s” is deleted."),
            hint=gettext_lazy(
                "The steps of a deal, in order. A stage deals have been in cannot be deleted: "
                "deactivate it and it leaves the pickers while its deals keep it."
            ),
            columns=(
                gettext_lazy("Kind"),
                gettext_lazy("Probability"),
                gettext_lazy("Stalled after (days)"),
                gettext_lazy("Deals"),
            ),
            cells=lambda item: [
                item.get_kind_display(),
                f"{item.probability}%",
                str(item.stagnation_days),
                str(item.used),
            ],
            queryset=lambda: Stage.objects.annotate(used=Count("deals")).order_by("order", "id"),
        ),
        Kind(
            key="loss_reason",
            model=LossReason,
            form=LossReasonForm,
            delete=loss_reason_delete,
            argument="loss_reason",
            plural=gettext_lazy("Loss reasons"),
            new=gettext_lazy("New loss reason"),
            deleted=gettext_lazy("The loss reason “%(name)s” is deleted."),
            hint=gettext_lazy("Why deals are lost, to choose from when a deal is closed as lost."),
            columns=(gettext_lazy("Deals"),),
            cells=lambda item: [str(item.used)],
            queryset=lambda: LossReason.objects.annotate(used=Count("deals")).order_by("order", "id"),
        ),
        Kind(
            key="activity_type",
            model=ActivityType,
            form=ActivityTypeForm,
            delete=activity_type_delete,
            argument="activity_type",
            plural=gettext_lazy("Activity types"),
            new=gettext_lazy("New activity type"),
            deleted=gettext_lazy("The activity type “%(name)s” is deleted."),
            hint=gettext_lazy(
                "What an activity is (visit, call…). A done activity of a type that counts as contact "
                "resets the customer's uncontacted clock; face-to-face types count as visits."
            ),
            columns=(gettext_lazy("Counts as contact"), gettext_lazy("Face to face")),
            cells=lambda item: [_yes(item.counts_as_contact), _yes(item.is_face_to_face)],
            queryset=lambda: ActivityType.objects.order_by("order", "id"),
        ),
    )
}


def _kind(kind: str) -> Kind:
    return KINDS[kind]


def reference_list(request: HttpRequest, kind: str) -> HttpResponse:
    _reference_editor(request)
    spec = _kind(kind)
    rows = [
        {"item": item, "cells": spec.cells(item), "active": getattr(item, "is_active", True)}
        for item in spec.queryset()
    ]
    return render_page(request, "setup/reference_list.html", {"kind": spec, "rows": rows})


@require_http_methods(["GET", "POST"])
def reference_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    actor = _reference_editor(request)
    spec = _kind(kind)
    item = get_object_or_404(spec.model._default_manager.all(), pk=pk) if pk is not None else None
    form = spec.form(request.POST or None, instance=item, actor=actor)
    if request.method == "POST":
        saved = form.save()
        if saved is not None:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
            return redirect(f"setup:{spec.key}_list")
    context = {"kind": spec, "form": form, "item": item}
    return render_page(request, "setup/reference_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def reference_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Confirm, then delete; something in use is refused with the reason (deactivate it instead)."""
    actor = _reference_editor(request)
    spec = _kind(kind)
    item = get_object_or_404(spec.model._default_manager.all(), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            spec.delete(actor=actor, **{spec.argument: item})
        except (ConflictError, ValidationError) as refused:
            error = refused.message if isinstance(refused, ConflictError) else " ".join(refused.messages)
        else:
            messages.success(request, str(spec.deleted) % {"name": item})
            return redirect(f"setup:{spec.key}_list")
    context = {"kind": spec, "item": item, "error": error, "can_deactivate": hasattr(item, "is_active")}
    return render_page(request, "setup/reference_delete.html", context, status=409 if error else 200)


# --- One's own password -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Django's password change (old password, new one twice, the password validators); the session
    stays signed in."""
    user = signed_in_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password is changed."))
        return redirect("web:settings")
    return render_page(
        request, "setup/password_change.html", {"form": form}, status=400 if form.errors else 200
    )
