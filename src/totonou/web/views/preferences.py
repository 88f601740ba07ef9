"""Settings: the user's preferences, API tokens and calendar subscription, with links to the team's
set-up, the notification settings, the API docs and the admin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from totonou.core.htmx import render_page
from totonou.core.links import absolute_url
from totonou.users.models import User
from totonou.users.request import signed_in_user
from totonou.users.selectors import api_token_list, api_token_rows
from totonou.users.services import api_token_revoke, calendar_feed_read
from totonou.web.forms.preferences import ApiTokenCreateForm, PreferencesForm
from totonou.web.views.language import set_language_cookie
from totonou.web.views.setup import setup_links


class SettingsPreferencesForm(PreferencesForm):
    """The preferences form plus the calendar's first day of the week (``week_starts_on``). A post
    without it (an older page, a script) leaves the user's choice as it is."""

    week_starts_on = forms.TypedChoiceField(
        label=gettext_lazy("Week starts on"),
        coerce=int,
        choices=User._meta.get_field("week_starts_on").flatchoices,
        help_text=gettext_lazy("The first day of the week in the calendar."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.initial.setdefault("week_starts_on", user.week_starts_on)
        if self.is_bound and "week_starts_on" not in self.data:
            self.data = {**dict(self.data.items()), "week_starts_on": str(user.week_starts_on)}


def calendar_feed_context(user: User) -> dict[str, Any]:
    """The feed URL and the links that subscribe to it in Google Calendar and Outlook."""
    feed, token = calendar_feed_read(actor=user)
    if feed is None:
        return {"calendar_feed": None, "calendar_feed_url": ""}
    url = absolute_url(reverse("web:calendar_feed", args=[token]))
    webcal = "webcal://" + url.split("://", 1)[1]
    return {
        "calendar_feed": feed,
        "calendar_feed_url": url,
        "calendar_feed_webcal": webcal,
        "calendar_feed_google": "https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal}),
        "calendar_feed_outlook": "https://outlook.office.com/calendar/0/addfromweb?"
        + urlencode({"url": url, "name": "Totonou"}),
    }


def _render(
    request: HttpRequest,
    user: User,
    *,
    preferences: SettingsPreferencesForm | None = None,
    token_form: ApiTokenCreateForm | None = None,
    new_token: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "preferences_form": preferences or SettingsPreferencesForm(user=user),
        "token_form": token_form or ApiTokenCreateForm(user=user),
        "new_token": new_token,
        **calendar_feed_context(user),
        "tokens": api_token_rows(user=user),
        "setup_links": setup_links(user),
    }
    response = render_page(request, "web/settings.html", context, status=status)
    if new_token or context["calendar_feed_url"]:
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """GET shows the settings; POST saves the preferences through ``user_update_preferences``."""
    user = signed_in_user(request)
    if request.method != "POST":
        return _render(request, user)
    form = SettingsPreferencesForm(request.POST, user=user)
    if form.save() is None:
        return _render(request, user, preferences=form)
    messages.success(request, _("Your settings are saved."))
    response = redirect("web:settings")
    if user.language:
        set_language_cookie(response, user.language)
    return response


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create an API token and show it once (it is never stored or shown again)."""
    user = signed_in_user(request)
    form = ApiTokenCreateForm(request.POST, user=user)
    created = form.save()
    if created is None:
        return _render(request, user, token_form=form)
    _token, raw = created
    return _render(request, user, new_token=raw)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    token = get_object_or_404(api_token_list(user=user), pk=pk)
    if token.revoked_at is None:
        api_token_revoke(actor=user, token=token)
        messages.success(
            request, _("The token “%(name)s” is revoked.") % {"name": token.name or token.prefix}
        )
    return redirect("web:settings")
