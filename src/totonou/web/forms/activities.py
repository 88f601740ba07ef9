"""Web forms for activities. They parse input and call the activity services; the services decide."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from totonou.activities.models import Activity, ActivityType
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_reschedule,
    activity_update,
)
from totonou.core.bounds import DATE_VALIDATORS, parse_id
from totonou.core.forms import DateTimeLocalInput, ServiceForm
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal
from totonou.users.models import User
from totonou.users.permissions import managed_user_ids


def _customer_choices(customers: Iterable[Customer]) -> list[tuple[Any, Any]]:
    return [("", _("No customer (internal)")), *((customer.pk, customer.name) for customer in customers)]


def _set_type_choices(field: forms.Field, types: QuerySet[ActivityType]) -> list[ActivityType]:
    """Validate against ``types``; render the options from one evaluated list (one query)."""
    type_list = list(types)
    field.queryset = types  # type: ignore[attr-defined]
    field.choices = [(activity_type.pk, activity_type.name) for activity_type in type_list]  # type: ignore[attr-defined]
    return type_list


def _same_minute(first: datetime.datetime, second: datetime.datetime) -> bool:
    return abs((first - second).total_seconds()) < 60


def _now_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class VersionField(forms.IntegerField):
    """The version the person read; a stale one makes the service answer with a conflict."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, min_value=1, **kwargs)


class QuickLogForm(ServiceForm[Activity]):
    """Log an activity in a few taps: customer, type, notes; owned by you. Without a time a result ends
    now and lasted the type's usual duration, and a plan starts now."""

    service_field_map = {"ends_at": "duration", "deal": "customer", "contacts": "customer"}

    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False, label=_("Customer"))
    type = forms.ModelChoiceField(queryset=ActivityType.objects.none(), label=_("Type"), empty_label=None)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000})
    )
    status = forms.ChoiceField(
        label=_("Result or plan"),
        choices=[("done", _("Done")), ("planned", _("Planned"))],
        initial="done",
        widget=forms.RadioSelect,
    )
    starts_at = forms.DateTimeField(
        validators=DATE_VALIDATORS, label=_("Starts at"), required=False, widget=DateTimeLocalInput()
    )
    duration = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=0, max_value=24 * 60
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        customers: QuerySet[Customer],
        types: QuerySet[ActivityType],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        customer_field: forms.ModelChoiceField = self.fields["customer"]  # type: ignore[assignment]
        # Any customer the user may see is accepted; the list offers their own (and a preselected one).
        customer_field.queryset = Customer.objects.visible_to(user)
        offered = list(customers)
        preselected = self.initial.get("customer")
        if isinstance(preselected, Customer) and preselected.pk not in {c.pk for c in offered}:
            offered.insert(0, preselected)
        customer_field.choices = _customer_choices(offered)
        type_list = _set_type_choices(self.fields["type"], types)
        if not self.is_bound:
            visit = next((t for t in type_list if t.slug == "visit"), None)
            if visit is not None:
                self.initial.setdefault("type", visit.pk)

    def times(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The start and end: as given; else a result ends now, a plan starts now. The duration is the
        one given, else the type's usual one."""
        data = self.cleaned_data
        activity_type: ActivityType = data["type"]
        minutes = data["duration"] if data["duration"] is not None else activity_type.default_duration_minutes
        duration = datetime.timedelta(minutes=minutes)
        starts_at: datetime.datetime | None = data["starts_at"]
        if starts_at is None:
            if data["status"] == Activity.Status.DONE:
                ends_at = _now_minute()
                return ends_at - duration, ends_at
            starts_at = _now_minute()
        return starts_at, starts_at + duration

    def submit(self) -> Activity:
        """Create the activity through ``activity_create``."""
        data = self.cleaned_data
        starts_at, ends_at = self.times()
        return activity_create(
            actor=self.user,
            owner=self.user,
            type=data["type"],
            customer=data["customer"],
            status=data["status"],
            notes=data["notes"],
            starts_at=starts_at,
            ends_at=ends_at,
        )


def changeable_owners(user: User, *, also: int | None = None) -> QuerySet[User]:
    """The people ``user`` may plan for: themselves and the members of the teams they manage, or
    (admins) anyone active; ``also`` keeps one more (an activity's current owner) in the list."""
    people = User.objects.filter(is_active=True)
    if not user.is_admin:
        people = people.filter(pk__in=managed_user_ids(user))
    if also is not None:
        people = people | User.objects.filter(pk=also)
    return people.order_by("display_name", "username", "id")


class ActivityForm(ServiceForm[Activity]):
    """The fields of the activity form, shared by planning or logging (``ActivityCreateForm``) and
    editing (``ActivityEditForm``).

    The customer is picked from a short list (``customers``: search results, or the owner's own); only
    that customer's deals and contacts are offered. Any customer, deal or contact the user may see is
    accepted: whether they belong together is the service's rule, and its message lands on the field.
    """

    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Owner"), empty_label=None, required=False
    )
    customer_q = forms.CharField(
        label=_("Find a customer"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Type part of the name or its reading (kana)."),
    )
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False, label=_("Customer"))
    deal = forms.ModelChoiceField(queryset=Deal.objects.none(), required=False, label=_("Deal"))
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        label=_("Contacts"),
        widget=forms.CheckboxSelectMultiple,
    )
    type = forms.ModelChoiceField(queryset=ActivityType.objects.none(), label=_("Type"), empty_label=None)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    starts_at = forms.DateTimeField(
        validators=DATE_VALIDATORS, label=_("Starts at"), widget=DateTimeLocalInput()
    )
    ends_at = forms.DateTimeField(
        validators=DATE_VALIDATORS,
        label=_("Ends at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Empty: the type's usual duration after the start."),
    )
    purpose = forms.CharField(label=_("Purpose"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    next_step = forms.CharField(
        label=_("Next step"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        customers: Iterable[Customer],
        types: QuerySet[ActivityType],
        current_owner: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        fields = self.fields
        if self.owner_is_choosable:
            fields["owner"].queryset = changeable_owners(user, also=current_owner)  # type: ignore[attr-defined]
        else:
            del fields["owner"]  # a rep plans for themselves; an owner sent anyway is ignored
        self.type_list = _set_type_choices(fields["type"], types)
        fields["customer"].queryset = Customer.objects.visible_to(user)  # type: ignore[attr-defined]
        self.customer_options = list(customers)
        fields["customer"].choices = _customer_choices(self.customer_options)  # type: ignore[attr-defined]
        self.customer_id = self._chosen_customer_id()
        fields["deal"].queryset = Deal.objects.visible_to(user)  # type: ignore[attr-defined]
        fields["contacts"].queryset = Contact.objects.visible_to(user)  # type: ignore[attr-defined]
        self.deal_choices: list[tuple[Any, Any]] = []
        self.contact_choices: list[tuple[Any, Any]] = []
        if self.customer_id is not None:
            deals = (
                Deal.objects.visible_to(user)
                .filter(customer_id=self.customer_id)
                .select_related("stage")
                .order_by("closed_at", "-updated_at", "-id")
            )
            self.deal_choices = [(deal.pk, f"{deal.title} ({deal.stage.name})") for deal in deals]
            # Archived contacts are offered only when the activity already names them.
            named = [pk for pk in (self.initial.get("contacts") or []) if isinstance(pk, int)]
            contacts = (
                Contact.objects.visible_to(user)
                .filter(customer_id=self.customer_id)
                .filter(Q(archived_at__isnull=True) | Q(pk__in=named))
            )
            self.contact_choices = [
                (contact.pk, f"{contact.name} · {contact.title}" if contact.title else contact.name)
                for contact in contacts.order_by("name_kana", "name", "id")
            ]
        fields["deal"].choices = [("", _("No deal")), *self.deal_choices]  # type: ignore[attr-defined]
        fields["contacts"].choices = self.contact_choices  # type: ignore[attr-defined]

    def _chosen_customer_id(self) -> int | None:
        """The customer whose deals and contacts are offered: the one sent, else the initial one."""
        raw = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        if isinstance(raw, Customer):
            return raw.pk
        return parse_id(raw)

    @property
    def customer_value(self) -> str:
        """The chosen customer's id as the radio buttons compare it ("" for none)."""
        return "" if self.customer_id is None else str(self.customer_id)

    @property
    def owner_is_choosable(self) -> bool:
        """Managers and admins choose whom an activity is for; a rep plans for themselves."""
        return self.user.role != User.Role.REP

    def _end(self, starts_at: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        ends_at: datetime.datetime | None = self.cleaned_data.get("ends_at")
        return ends_at if ends_at is not None else starts_at + duration


class ActivityCreateForm(ActivityForm):
    """Plan an activity, or log one after the fact, through ``activity_create``.

    Defaults: now, the type's usual duration, the signed-in user, a visit."""

    service_field_map = {"status": "mode"}

    mode = forms.ChoiceField(
        label=_("Plan or result"),
        choices=[("plan", _("Plan")), ("log", _("Log a result (done)"))],
        initial="plan",
        widget=forms.RadioSelect,
    )
    field_order = ["mode", "owner"]

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, user=user, **kwargs)
        if not self.is_bound:
            starts_at = self.initial.setdefault("starts_at", _now_minute())
            self.initial.setdefault("owner", user.pk)
            self.initial.setdefault("mode", "plan")
            visit = next((t for t in self.type_list if t.slug == "visit"), None)
            if visit is not None:
                self.initial.setdefault("type", visit.pk)
            if isinstance(starts_at, datetime.datetime):
                minutes = visit.default_duration_minutes if visit is not None else 60
                self.initial.setdefault("ends_at", starts_at + datetime.timedelta(minutes=minutes))

    @property
    def is_log(self) -> bool:
        mode = self.data.get("mode") if self.is_bound else self.initial.get("mode")
        return mode == "log"

    def submit(self) -> Activity:
        """Create the activity through ``activity_create``."""
        data = self.cleaned_data
        starts_at = data["starts_at"]
        return activity_create(
            actor=self.user,
            owner=data.get("owner") or self.user,
            type=data["type"],
            customer=data["customer"],
            deal=data["deal"],
            contacts=list(data["contacts"]),
            status=Activity.Status.DONE if data["mode"] == "log" else Activity.Status.PLANNED,
            subject=data["subject"],
            purpose=data["purpose"],
            notes=data["notes"],
            next_step=data["next_step"],
            starts_at=starts_at,
            ends_at=self._end(starts_at, datetime.timedelta(minutes=data["type"].default_duration_minutes)),
        )


class ActivityEditForm(ActivityForm):
    """Edit an activity's details through ``activity_update`` (only the fields that changed are sent).
    Changing a plan's start moves it; the service keeps the original start."""

    version = VersionField()

    editable = ("owner", "type", "customer", "deal", "contacts", "subject", "starts_at", "ends_at")
    editable_text = ("purpose", "notes", "next_step")

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        activity: Activity,
        customers: Iterable[Customer],
        types: QuerySet[ActivityType],
        initial: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = {
            "owner": activity.owner_id,
            "type": activity.type_id,
            "customer": activity.customer_id,
            "deal": activity.deal_id,
            "contacts": [contact.pk for contact in activity.contacts.all()],
            "subject": activity.subject,
            "starts_at": activity.starts_at,
            "ends_at": activity.ends_at,
            "purpose": activity.purpose,
            "notes": activity.notes,
            "next_step": activity.next_step,
            "version": activity.version,
            **(initial or {}),
        }
        offered = list(customers)
        if activity.customer is not None and activity.customer.pk not in {c.pk for c in offered}:
            offered.insert(0, activity.customer)
        super().__init__(
            data,
            user=user,
            customers=offered,
            types=types,
            initial=initial,
            current_owner=activity.owner_id,
            **kwargs,
        )
        self.activity = activity

    def submit(self) -> Activity:
        changes = {
            name: self.cleaned_data[name]
            for name in (*self.editable, *self.editable_text)
            if name in self.changed_data
        }
        if "owner" in changes and changes["owner"] is None:
            del changes["owner"]  # not sent: the owner stays
        if "ends_at" in changes and changes["ends_at"] is None:
            # An emptied end keeps the activity's length.
            start = changes.get("starts_at", self.activity.starts_at)
            changes["ends_at"] = start + (self.activity.ends_at - self.activity.starts_at)
        if "contacts" in changes:
            changes["contacts"] = list(changes["contacts"])
        # datetime-local has minute precision: an untouched time must not become a one-second move.
        for name in ("starts_at", "ends_at"):
            if name in changes and _same_minute(changes[name], getattr(self.activity, name)):
                del changes[name]
        return activity_update(
            actor=self.user, activity=self.activity, version=self.cleaned_data["version"], **changes
        )


class ActivityCompleteForm(ServiceForm[Activity]):
    """Turn a plan into a result: what happened and what comes next."""

    notes = forms.CharField(label=_("Result notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(
        label=_("Next step"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VersionField()

    def __init__(self, *args: Any, user: User, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"notes": activity.notes, "next_step": activity.next_step, "version": activity.version},
        )
        kwargs.setdefault("auto_id", "complete_%s")  # three forms share the activity page
        super().__init__(*args, **kwargs)
        self.user = user
        self.activity = activity

    def submit(self) -> Activity:
        # A field the request did not send (the one-tap "Done" on My day) leaves the text as it is.
        return activity_complete(
            actor=self.user,
            activity=self.activity,
            notes=self.cleaned_data["notes"] if "notes" in self.data else None,
            next_step=self.cleaned_data["next_step"] if "next_step" in self.data else None,
            version=self.cleaned_data["version"],
        )


class ActivityRescheduleForm(ServiceForm[Activity]):
    """Move a plan to a new time; without an end the duration stays the same."""

    starts_at = forms.DateTimeField(
        validators=DATE_VALIDATORS, label=_("New start"), widget=DateTimeLocalInput()
    )
    ends_at = forms.DateTimeField(
        validators=DATE_VALIDATORS, label=_("New end"), required=False, widget=DateTimeLocalInput()
    )
    version = VersionField()

    def __init__(self, *args: Any, user: User, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"starts_at": activity.starts_at, "version": activity.version})
        kwargs.setdefault("auto_id", "reschedule_%s")  # three forms share the activity page
        super().__init__(*args, **kwargs)
        self.user = user
        self.activity = activity

    def submit(self) -> Activity:
        return activity_reschedule(
            actor=self.user,
            activity=self.activity,
            starts_at=self.cleaned_data["starts_at"],
            ends_at=self.cleaned_data["ends_at"],
            version=self.cleaned_data["version"],
        )


class ActivityCancelForm(ServiceForm[Activity]):
    """Cancel a plan. The reason is required by the service (the browser also asks for it)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )
    version = VersionField()

    def __init__(self, *args: Any, user: User, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": activity.version})
        kwargs.setdefault("auto_id", "cancel_%s")  # three forms share the activity page
        super().__init__(*args, **kwargs)
        self.user = user
        self.activity = activity

    def submit(self) -> Activity:
        return activity_cancel(
            actor=self.user,
            activity=self.activity,
            reason=self.cleaned_data["reason"],
            version=self.cleaned_data["version"],
        )
