"""Web forms for deals: create and edit (``DealForm``) and the stage change (``DealStageForm``, also the
won and lost forms). They parse input and call the deal services; the services decide."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from totonou.core.bounds import DATE_VALIDATORS
from totonou.core.exceptions import ConflictError
from totonou.core.forms import ServiceErrorsMixin
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal, LossReason, Stage
from totonou.deals.services import deal_change_stage, deal_create, deal_update
from totonou.users.models import User
from totonou.web.forms.activities import VersionField, changeable_owners


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AmountField(forms.IntegerField):
    """Whole units of the team currency; ``¥1,200,000``, ``1200000`` and full-width digits all parse."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**15)
        super().__init__(**kwargs)
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value)
            for character in (",", "¥", "$", "€", "£", " ", "円"):
                value = value.replace(character, "")
        return super().to_python(value)


def _customer_choices(customers: Iterable[Customer]) -> list[tuple[Any, Any]]:
    return [("", _("Choose a customer")), *((customer.pk, customer.name) for customer in customers)]


class DealForm(ServiceErrorsMixin, forms.Form):
    """A new deal, or a deal's fields (``deal`` given). The stage of a new deal is an open one: winning
    and losing go through the stage change, which asks what they need."""

    customer_q = forms.CharField(
        label=_("Find a customer"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Type part of the name or its reading (kana)."),
    )
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    title = forms.CharField(label=_("Deal title"), max_length=200)
    amount = AmountField(label=_("Amount"), required=False, help_text=_("In the team currency."))
    expected_close_date = forms.DateField(
        validators=DATE_VALIDATORS, label=_("Expected close date"), required=False, widget=DateInput()
    )
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Stage"), empty_label=None)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Owner"), empty_label=None)
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), label=_("Contact"), required=False, empty_label=_("No contact")
    )
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    external_id = forms.CharField(
        label=_("External id"),
        required=False,
        max_length=64,
        help_text=_("The deal's id in another system (imports); unique."),
    )
    version = VersionField()

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        customers: Iterable[Customer],
        deal: Deal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.deal = deal
        fields = self.fields
        customer_field: forms.ModelChoiceField = fields["customer"]  # type: ignore[assignment]
        customer_field.queryset = Customer.objects.visible_to(user)
        self.customer_options = list(customers)
        customer_field.choices = _customer_choices(self.customer_options)
        owner_field: forms.ModelChoiceField = fields["owner"]  # type: ignore[assignment]
        owner_field.queryset = changeable_owners(user, also=deal.owner_id if deal is not None else None)
        if deal is None:
            stages = Stage.objects.visible_to(user).filter(is_active=True, kind=Stage.Kind.OPEN)
            fields["stage"].queryset = stages.order_by("order", "id")  # type: ignore[attr-defined]
            del fields["version"]
            self.initial.setdefault("owner", user.pk)
        else:
            del fields["stage"]
            for name in (
                "customer",
                "title",
                "amount",
                "expected_close_date",
                "owner",
                "contact",
                "next_step",
                "notes",
                "external_id",
                "version",
            ):
                self.initial.setdefault(name, getattr(deal, f"{name}_id", getattr(deal, name, None)))
        customer_id = self.customer_value
        contact_field: forms.ModelChoiceField = fields["contact"]  # type: ignore[assignment]
        contact_field.queryset = Contact.objects.visible_to(user)
        contacts = (
            Contact.objects.visible_to(user)
            .filter(customer_id=customer_id)
            .order_by("name_kana", "name", "id")
            if customer_id
            else Contact.objects.none()
        )
        contact_field.choices = [("", _("No contact")), *((c.pk, str(c)) for c in contacts)]

    @property
    def customer_value(self) -> int | None:
        raw = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        if isinstance(raw, Customer):
            return raw.pk
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None

    def save(self) -> Deal | None:
        """Create or update through the deal services; None (with errors on the form) when refused."""
        if not self.is_valid():
            return None
        data = dict(self.cleaned_data)
        data.pop("customer_q", None)
        data["amount"] = data["amount"] or 0
        try:
            if self.deal is None:
                return deal_create(actor=self.user, **data)
            version = data.pop("version", None)
            return deal_update(actor=self.user, deal=self.deal, version=version, **data)
        except ValidationError as error:
            self.add_service_errors(error)
            return None
        except ConflictError as error:
            self.add_error(None, error.message)
            return None
        except IntegrityError:  # a race the service's checks could not see (the database's rules hold)
            self.add_error(None, _("This change conflicts with other records. Reload and retry."))
            return None


class DealStageForm(ServiceErrorsMixin, forms.Form):
    """Move a deal into ``stage``: the one control of the deal page, and the won and lost forms (the
    pipeline board loads the same fragments). Won: ``closed_on`` and ``amount``; lost: ``loss_reason``
    (required) and ``loss_note``."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Stage"), empty_label=None)
    closed_on = forms.DateField(
        validators=DATE_VALIDATORS, label=_("Close date"), required=False, widget=DateInput()
    )
    amount = AmountField(label=_("Amount"), required=False)
    loss_reason = forms.ModelChoiceField(
        queryset=LossReason.objects.none(), label=_("Loss reason"), required=False, empty_label=_("Choose")
    )
    loss_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()

    def __init__(self, data: Any = None, *, user: User, deal: Deal, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.deal = deal
        self.fields["stage"].queryset = (  # type: ignore[attr-defined]
            Stage.objects.visible_to(user).filter(is_active=True).order_by("order", "id")
        )
        self.fields["loss_reason"].queryset = (  # type: ignore[attr-defined]
            LossReason.objects.visible_to(user).filter(is_active=True).order_by("order", "id")
        )
        self.initial.setdefault("closed_on", timezone.localdate())
        self.initial.setdefault("amount", deal.amount)
        self.initial.setdefault("version", deal.version)

    def save(self) -> Deal | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        stage: Stage = data["stage"]
        closing = stage.kind != Stage.Kind.OPEN
        lost = stage.kind == Stage.Kind.LOST
        try:
            return deal_change_stage(
                actor=self.user,
                deal=self.deal,
                stage=stage,
                closed_on=data["closed_on"] if closing else None,
                amount=data["amount"] if stage.kind == Stage.Kind.WON else None,
                loss_reason=data["loss_reason"] if lost else None,
                loss_note=data["loss_note"] if lost else None,
                version=data["version"],
            )
        except ValidationError as error:
            self.add_service_errors(error)
            return None
