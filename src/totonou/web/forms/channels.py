"""The channel form: kind-specific fields, secrets write-only (blank keeps the stored one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from totonou.core.forms import ServiceForm
from totonou.customers.models import Segment
from totonou.integrations.selectors import channel_list
from totonou.integrations.services import channel_create, channel_update
from totonou.notifications.models import (
    CHANNEL_FILTERS,
    EVENT_LABELS,
    TEST_EVENT,
    Channel,
    Delivery,
    EventName,
)
from totonou.users.models import Team, User
from totonou.users.permissions import can_change_team_owned
from totonou.users.selectors import team_owned_choices
from totonou.web.forms.preferences import TimeZoneField

#: The empty choice of a filter: every value (never Django's "---------").
ALL = pgettext_lazy("filter", "All")

#: Which kinds of channel use each address field (the form shows only the chosen kind's, with JS).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "url": ("slack", "teams", "google_chat", "webhook"),
    "room_id": ("chatwork",),
    "token": ("chatwork",),
    "secret": ("webhook",),
}


class ChannelForm(ServiceForm[Channel]):
    # The service names a filter by its column (``team_id``); the form by the filter (``team``).
    service_field_map = {column: name for name, column in CHANNEL_FILTERS.items()}

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Channel.Kind.choices)
    url = forms.URLField(
        label=_("Webhook URL"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=_("Slack incoming webhook, Teams Workflows webhook, Google Chat webhook or your endpoint."),
    )
    room_id = forms.CharField(label=_("Chatwork room id"), max_length=32, required=False)
    token = forms.CharField(
        label=_("Chatwork API token"), max_length=200, required=False, widget=forms.PasswordInput
    )
    secret = forms.CharField(
        label=_("Signing secret (webhook)"), max_length=200, required=False, widget=forms.PasswordInput
    )
    language = forms.ChoiceField(label=_("Language"), choices=Channel.Language.choices)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventName.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=ALL
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=ALL,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label=ALL,
    )
    key_only = forms.BooleanField(label=_("Key customers only"), required=False)
    digest_time = forms.TimeField(label=_("Daily digest time"), help_text=_("Local time, e.g. 08:30."))
    time_zone = TimeZoneField(label=_("Time zone"))
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User, channel: Channel | None = None, **kwargs: Any) -> None:
        self.actor, self.channel = actor, channel
        super().__init__(*args, **kwargs)
        # The teams this user may give a channel to; "All" only where they change what every team shares.
        team = self.fields["team"]
        team.queryset = team_owned_choices(user=actor)  # type: ignore[attr-defined]
        if not can_change_team_owned(actor, None):
            team.required = True
            team.empty_label = None  # type: ignore[attr-defined]
        self.fields["time_zone"].set_current(channel.time_zone if channel else "")  # type: ignore[attr-defined]
        if channel is None:
            self.initial.update(
                {"language": "ja", "events": Channel._meta.get_field("events").get_default(), "enabled": True}
            )
            self.initial.update({"digest_time": "08:30", "time_zone": "Asia/Tokyo"})
        else:
            self.initial.update(
                {
                    name: getattr(channel, name)
                    for name in ("name", "kind", "url", "room_id", "language", "events", "key_only")
                }
            )
            self.initial.update(
                {
                    "digest_time": channel.digest_time,
                    "time_zone": channel.time_zone,
                    "enabled": channel.enabled,
                    **channel.filter_ids(),
                }
            )
            for name in ("token", "secret"):
                if getattr(channel, name):
                    self.fields[name].help_text = _("Set. Leave blank to keep it; it is never shown again.")

    @property
    def address_fields(self) -> list[tuple[forms.BoundField, str]]:
        """The address fields with the kinds that use them (``data-kinds``; the script hides the rest)."""
        return [(self[name], " ".join(kinds)) for name, kinds in KIND_FIELDS.items()]

    def submit(self) -> Channel:
        data = dict(self.cleaned_data)
        for name, column in CHANNEL_FILTERS.items():
            value = data.pop(name)
            data[column] = value.pk if value is not None else None
        if self.channel is None:
            return channel_create(actor=self.actor, **data)
        return channel_update(actor=self.actor, channel=self.channel, **data)


class DeliveryFilterForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False, empty_label=ALL
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", ALL), *Delivery.Status.choices], required=False
    )
    event = forms.ChoiceField(
        label=_("Event"),
        choices=[("", ALL), *EventName.choices, (TEST_EVENT, EVENT_LABELS[TEST_EVENT])],
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channel_list(user=user)  # type: ignore[attr-defined]
