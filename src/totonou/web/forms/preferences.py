"""Web forms for a user's own settings: preferences, language, API tokens."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from totonou.core.form_renderer import html_attrs
from totonou.core.forms import ServiceForm
from totonou.users.models import ApiToken, User
from totonou.users.services import api_token_create, user_update_preferences


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


LIKELY_ZONES = ("Asia/Tokyo",)


@cache
def _zones_by_region() -> list[tuple[str, list[tuple[str, str]]]]:
    """IANA zones by their region (``Asia``, ``Europe``…); zones without one (``UTC``) under ``""``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, label in time_zone_choices():
        groups.setdefault(name.split("/", 1)[0] if "/" in name else "", []).append((name, label))
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def grouped_time_zone_choices(current: str = "") -> list[tuple[Any, list[tuple[str, str]]]]:
    """The likely zones first (Asia/Tokyo and the current value; the page's script adds the browser's),
    then every zone grouped by region, each zone listed once."""
    likely = [zone for zone in dict.fromkeys((*LIKELY_ZONES, current)) if zone in _known_zones()]
    groups: list[tuple[Any, list[tuple[str, str]]]] = [(_("Suggested"), [(zone, zone) for zone in likely])]
    for region, zones in _zones_by_region():
        rest = [(name, label) for name, label in zones if name not in likely]
        if rest:
            groups.append((region or _("Other"), rest))
    return groups


@cache
def _zone_option(zone: str) -> str:
    """One zone's ``<option>``, as Django's ``select_option.html`` writes it (unselected)."""
    escaped = conditional_escape(zone)
    return f'\n  <option value="{escaped}">{escaped}</option>\n'


def _options(groups: Any, chosen: str | None) -> str:
    """The option groups of a zone select and its end, ``chosen`` marked."""
    parts = []
    for group, options in groups:
        parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        for zone, _label in options:
            if zone == chosen:
                escaped = conditional_escape(zone)
                parts.append(f'\n  <option value="{escaped}" selected>{escaped}</option>\n')
                chosen = None  # a single select marks the first match only, as Django does
            else:
                parts.append(_zone_option(zone))
        parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


@lru_cache(maxsize=256)
def _zone_options(current: str, chosen: str | None, language: str | None) -> str:
    """The ~600 options for one current zone, one chosen zone and one language (the group names are
    translated): the same for every Settings page of a user, made once per process."""
    return _options(grouped_time_zone_choices(current), chosen)


class _ZoneChoices(BaseChoiceIterator):
    """The grouped zones for one current value, built when read: a form's copy of the field (every
    form instance deep-copies its fields) and Django's normalising never walk ~600 zones."""

    def __init__(self, current: str = "") -> None:
        self.current = current

    def __iter__(self) -> Iterator[tuple[Any, list[tuple[str, str]]]]:
        return iter(grouped_time_zone_choices(self.current))


class TimeZoneSelect(forms.Select):
    """A select with the likely zones first; ``totonou/timezone.js`` moves the browser's zone up.

    It writes the same markup as Django's ``select.html`` (``tests/web/test_base_cost.py`` compares
    them), each zone's option from a cache: the ~600 options were most of the Settings page's time."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={
                "data-tz-picker": "",
                "data-tz-device": _("this device"),
                **(attrs or {}),
            }
        )

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        values = self.format_value(value)
        chosen: str | None = values[0] if values else None
        head = f'<select name="{conditional_escape(name)}"{html_attrs(self.build_attrs(self.attrs, attrs))}>'
        if isinstance(self.choices, _ZoneChoices):
            options = _zone_options(self.choices.current, chosen, get_language())
        else:
            options = _options(self.choices, chosen)
        return mark_safe(head + options)  # noqa: S308 — every value is escaped in _options


class TimeZoneField(forms.ChoiceField):
    """Every IANA zone, with Asia/Tokyo and the current value on top (``set_current``)."""

    widget = TimeZoneSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=_ZoneChoices(), **kwargs)

    def set_current(self, current: str) -> None:
        self.choices = _ZoneChoices(current)


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class PreferencesForm(ServiceForm[User]):
    """A user's display name, language, time zone and calendar colour (``user_update_preferences``)."""

    display_name = forms.CharField(label=_("Display name"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = TimeZoneField(label=_("Time zone"))
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
        self.fields["time_zone"].set_current(user.time_zone)  # type: ignore[attr-defined]

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
