"""Web forms for customers and contacts. They parse input and call the customer services; the services
decide (permissions, deactivated owners, unique external ids) and their errors come back on the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from totonou.core.forms import ServiceErrorsMixin
from totonou.customers import services
from totonou.customers.models import Contact, Customer, Segment
from totonou.users.models import Team, User
from totonou.users.permissions import managed_user_ids
from totonou.web.forms.activities import VersionField


def manageable_people(user: User) -> QuerySet[User]:
    """The people whose records ``user`` may change: themselves, a manager's team members, everyone for
    an admin."""
    people = User.objects.all()
    if user.role != User.Role.ADMIN:
        people = people.filter(pk__in=managed_user_ids(user))
    return people


def changeable_owners(user: User, *, also: int | None = None) -> QuerySet[User]:
    """Active users ``user`` may give a customer to, and the current owner so an edit can keep it."""
    people = manageable_people(user).filter(is_active=True).order_by("display_name", "username")
    if also is not None:
        people = (people | User.objects.filter(pk=also)).distinct().order_by("display_name", "username")
    return people


CUSTOMER_FORM_FIELDS = (
    "name",
    "name_kana",
    "segment",
    "owner",
    "is_key",
    "cadence_days",
    "status",
    "postal_code",
    "address",
    "phone",
    "website",
    "notes",
    "external_id",
)


class CustomerForm(ServiceErrorsMixin, forms.ModelForm):
    """Create or edit a customer. ``save_anyway`` is the second button of the duplicate warning."""

    version = VersionField()
    website = forms.URLField(
        label=capfirst(Customer._meta.get_field("website").verbose_name),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FORM_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "cadence_days": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        current = self.instance.owner_id if self.instance.pk else None
        owner: forms.ModelChoiceField = self.fields["owner"]  # type: ignore[assignment]
        owner.queryset = changeable_owners(actor, also=current)
        owner.empty_label = None
        if not self.instance.pk:
            self.initial.setdefault("owner", actor.pk)
        else:
            self.initial.setdefault("version", self.instance.version)
        segment: forms.ModelChoiceField = self.fields["segment"]  # type: ignore[assignment]
        segment.queryset = Segment.objects.order_by("sort_order", "name")
        segment.empty_label = _("No segment")
        self.fields["is_key"].label = _("Key customer (重点顧客)")

    def _post_clean(self) -> None:
        """The services validate the model (uniqueness, constraints); the form only parses."""

    def save(self, commit: bool = True) -> Customer | None:
        """The saved customer, or None with the service's errors on the form."""
        if not self.is_valid():
            return None
        data = {name: self.cleaned_data[name] for name in CUSTOMER_FORM_FIELDS}
        try:
            if self.instance.pk is None:
                owner = data.pop("owner")
                return services.customer_create(actor=self.actor, owner=owner, **data)
            changed = {name: value for name, value in data.items() if name in self.changed_data}
            return services.customer_update(
                actor=self.actor, customer=self.instance, version=self.cleaned_data.get("version"), **changed
            )
        except ValidationError as error:
            self.add_service_errors(error)
            return None


CONTACT_FORM_FIELDS = (
    "name",
    "name_kana",
    "department",
    "title",
    "email",
    "phone",
    "is_decision_maker",
    "notes",
)


class ContactForm(ServiceErrorsMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Contact
        fields = CONTACT_FORM_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args: Any, actor: User, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.customer = actor, customer
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def _post_clean(self) -> None:
        """The services validate the model."""

    def save(self, commit: bool = True) -> Contact | None:
        if not self.is_valid():
            return None
        data = {name: self.cleaned_data[name] for name in CONTACT_FORM_FIELDS}
        try:
            if self.instance.pk is None:
                return services.contact_create(actor=self.actor, customer=self.customer, **data)
            changed = {name: value for name, value in data.items() if name in self.changed_data}
            return services.contact_update(
                actor=self.actor, contact=self.instance, version=self.cleaned_data.get("version"), **changed
            )
        except ValidationError as error:
            self.add_service_errors(error)
            return None


# --- Bulk actions and reassigning (managers and admins) ---------------------------------------------


class BulkActionForm(forms.Form):
    """The customer list's bulk bar: what to do with the ticked customers."""

    ACTIONS = (
        ("owner", _("Reassign to")),
        ("segment", _("Set segment")),
        ("key_set", _("Mark as key customers")),
        ("key_clear", _("Clear the key mark")),
    )

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    customers = forms.ModelMultipleChoiceField(
        label=_("Customers"), queryset=Customer.objects.none(), widget=forms.MultipleHiddenInput
    )
    to_owner = forms.ModelChoiceField(
        label=_("New owner"), queryset=User.objects.none(), required=False, empty_label=_("Choose a rep")
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=Segment.objects.none(), required=False, empty_label=_("No segment")
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = Customer.objects.visible_to(actor)  # type: ignore[attr-defined]
        self.fields["to_owner"].queryset = changeable_owners(actor)  # type: ignore[attr-defined]
        self.fields["segment"].queryset = Segment.objects.order_by("sort_order", "name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "owner" and not data.get("to_owner"):
            self.add_error("to_owner", _("Choose who takes the customers."))
        return data


class ReassignForm(ServiceErrorsMixin, forms.Form):
    """A rep leaves: all their customers in use, open deals and future plans to another rep, or shared
    across a team."""

    from_owner = forms.ModelChoiceField(
        label=_("Customers of"), queryset=User.objects.none(), empty_label=_("Choose a rep")
    )
    to_owner = forms.ModelChoiceField(
        label=_("Give them to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— (share across a team)"),
    )
    to_team = forms.ModelChoiceField(
        label=_("Or share them across the team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("— (one rep)"),
        help_text=_("Round-robin over the team's active reps, in a fixed order."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = manageable_people(actor)
        self.fields["from_owner"].queryset = people.order_by("-is_active", "display_name", "username")  # type: ignore[attr-defined]
        # Deactivated people stay choosable here so the service can say why they cannot take customers.
        self.fields["to_owner"].queryset = people.order_by("display_name", "username")  # type: ignore[attr-defined]
        teams = Team.objects.order_by("name")
        if actor.role != User.Role.ADMIN:
            teams = teams.filter(managers=actor)
        self.fields["to_team"].queryset = teams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("to_owner") and not data.get("to_team") and not self.errors:
            self.add_error("to_owner", _("Choose the rep who takes over, or a team to share them."))
        if data.get("to_owner") and data.get("to_team"):
            self.add_error("to_team", _("Choose a rep or a team, not both."))
        return data
