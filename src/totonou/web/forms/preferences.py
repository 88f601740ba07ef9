"""Web forms for a user's own settings: preferences, language, API tokens."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from totonou.core.forms import ServiceForm
from totonou.users.models import ApiToken, User
from totonou.users.services import api_token_create, user_update_preferences


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class PreferencesForm(ServiceForm[User]):
    """A user's display name, language, time zone and calendar colour (``user_update_preferences``)."""

    display_name = forms.CharField(label=_("Display name"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    calendar_color = forms.CharField(
        label=_("Calendar colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "language": user.language,
                "time_zone": user.time_zone,
                "calendar_color": user.calendar_color,
            },
        )
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("The browser's language")),
            *language_choices(),
        ]
        self.fields["time_zone"].choices = time_zone_choices()  # type: ignore[attr-defined]

    def submit(self) -> User:
        changes = {name: self.cleaned_data[name] for name in self.changed_data}
        return user_update_preferences(actor=self.user, user=self.user, **changes)


class LanguageForm(forms.Form):
    """The header's language switcher."""

    language = forms.ChoiceField(choices=language_choices)


class ApiTokenCreateForm(ServiceForm[tuple[ApiToken, str]]):
    name = forms.CharField(
        label=_("Token name"),
        required=False,
        max_length=100,
        help_text=_("What the token is for, e.g. “Spreadsheet export”."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def submit(self) -> tuple[ApiToken, str]:
        """The new token and its raw value (shown once)."""
        return api_token_create(user=self.user, name=self.cleaned_data["name"])
