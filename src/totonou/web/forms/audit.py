"""The audit page's filter form: it only draws the fields; the query it sends is read by
``core.audit.AuditFilter`` (the same names), for the page and its downloads alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from totonou.core.audit import record_types
from totonou.core.models import AuditEntry
from totonou.users.models import User
from totonou.web.forms.deals import DateInput

ALL = pgettext_lazy("filter", "All")


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=_("Changed by"), queryset=User.objects.order_by("username"), required=False, empty_label=ALL
    )
    record_type = forms.ChoiceField(label=_("Record type"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", ALL), *AuditEntry.Action.choices], required=False
    )
    since = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, widget=DateInput())
    until = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", ALL), *record_types()]  # type: ignore[attr-defined]
