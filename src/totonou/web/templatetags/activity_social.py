"""Template helpers for the conversation around activities: reactions, review, @mentions, feed times."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from totonou.activities.models import Reaction
from totonou.activities.selectors import reaction_state
from totonou.activities.services.comment import MENTION
from totonou.users.permissions import can_review_owned_by

register = template.Library()


@register.simple_tag(takes_context=True)
def like_state(context: template.Context, activity: Any) -> dict[str, Any]:
    """``{"count": n, "reacted": bool}`` for the いいね of ``activity``. Lists read it from the
    annotations of ``activities_with_reactions`` (no query); a bare activity (the activity page) costs
    one aggregate query."""
    return reaction_state(activity=activity, kind=Reaction.Kind.LIKE.value, user=context.get("user"))


@register.filter
def reviewable_by(activity: Any, user: Any) -> bool:
    """Whether ``user`` may mark ``activity`` reviewed: a manager of the owner's team or an admin, never
    the owner (``can_review_owned_by``, the rule of ``activity_mark_reviewed``; the managed ids are
    cached per request user)."""
    return can_review_owned_by(user, activity.owner_id)


@register.filter
def with_mentions(body: str) -> SafeString:
    """A comment body as paragraphs, each ``@username`` marked so a mention stands out."""
    escaped = escape(body or "")

    def mark(match: re.Match[str]) -> str:
        name = match.group(1).rstrip(".")
        rest = match.group(1)[len(name) :]
        return f'<strong class="mention">@{name}</strong>{rest}'

    marked = MENTION.sub(mark, escaped)
    return mark_safe(linebreaks(marked))  # noqa: S308 - the body is escaped above


class FeedClock:
    """The viewer's time zone and today, read once for a page of times: ``feed_time`` read both (and the
    weekday's name) for every call, through the thread-local state of the time zone and translation."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.today = timezone.localtime(timezone.now(), self.zone).date()
        self.yesterday = self.today - datetime.timedelta(days=1)
        self._weekdays: dict[int, str] = {}

    def local(self, value: datetime.datetime) -> datetime.datetime:
        """``value`` in the viewer's zone (``timezone.localtime``)."""
        return timezone.localtime(value, self.zone)

    def label(self, local: datetime.datetime) -> str:
        """``feed_time`` of a time already in the viewer's zone (``local``)."""
        clock = f"{local.hour:02}:{local.minute:02}"
        day = local.date()
        if day == self.today:
            return clock
        if day == self.yesterday:
            return _("Yesterday %(time)s") % {"time": clock}
        # The ``n/j (D)`` of ``date_format`` written directly: its two calls were a tenth of a feed page.
        weekday = local.weekday()
        name = self._weekdays.get(weekday)
        if name is None:
            name = self._weekdays[weekday] = str(WEEKDAYS_ABBR[weekday])
        return f"{local.month}/{local.day} ({name}) {clock}"


@register.filter
def feed_time(value: datetime.datetime | None) -> str:
    """When something happened, in the viewer's zone: "14:05" today, "Yesterday 14:05", else the date."""
    if value is None:
        return ""
    clock = FeedClock()
    return clock.label(clock.local(value))
