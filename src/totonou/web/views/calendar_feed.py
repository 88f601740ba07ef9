"""The calendar in Google Calendar and Outlook: the secret feed URL (no sign-in; the token is the key),
its management on the settings page, and one activity as an ``.ics`` file.

A wrong, rotated or revoked token answers a bare 404, the same as any unknown URL. The feed answers
conditional requests: ``If-None-Match`` with the current ETag → 304 after one aggregate query.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from totonou.activities.calendar_feed import (
    activity_ics,
    feed_etag,
    feed_owner_ids,
    feed_response_body,
)
from totonou.activities.models import Activity
from totonou.users.request import signed_in_user
from totonou.users.services import (
    calendar_feed_authenticate,
    calendar_feed_revoke,
    calendar_feed_rotate,
    calendar_feed_update,
)

CONTENT_TYPE = "text/calendar; charset=utf-8"


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = calendar_feed_authenticate(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    owner_ids = feed_owner_ids(feed)
    etag = feed_etag(feed, owner_ids, now=now)
    quoted = f'"{etag}"'
    if quoted in parse_etags(request.headers.get("If-None-Match", "")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        body = feed_response_body(feed, owner_ids, etag=etag, now=now)
        response = HttpResponse(body, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = 'inline; filename="totonou.ics"'
    response["ETag"] = quoted
    patch_cache_control(response, private=True, max_age=300)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def activity_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    activity = get_object_or_404(Activity.objects.visible_to(user), pk=pk)
    response = HttpResponse(activity_ics(activity), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="totonou-activity-{activity.pk}.ics"'
    return response


@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    """Make the feed URL, or a new one: the old one stops working at once."""
    user = signed_in_user(request)
    had_one = hasattr(user, "calendar_feed")
    calendar_feed_rotate(actor=user, include_team=request.POST.get("include_team") == "1")
    if had_one:
        messages.success(request, _("Your calendar has a new address. Subscribe again with it."))
    else:
        messages.success(request, _("Your calendar address is ready. Copy it into your calendar app."))
    return redirect(reverse("web:settings") + "#calendar-feed")


@require_POST
def feed_team(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if hasattr(user, "calendar_feed"):
        calendar_feed_update(actor=user, include_team=request.POST.get("include_team") == "1")
        messages.success(request, _("Your calendar feed is saved."))
    return redirect(reverse("web:settings") + "#calendar-feed")


@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if calendar_feed_revoke(actor=user):
        messages.success(
            request, _("Your calendar address is turned off. Calendars subscribed to it stop updating.")
        )
    return redirect(reverse("web:settings") + "#calendar-feed")
