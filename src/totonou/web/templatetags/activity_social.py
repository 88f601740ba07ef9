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


@register.filter
def feed_time(value: datetime.datetime | None) -> str:
    """When something happened, in the viewer's zone: "14:05" today, "Yesterday 14:05", else the date."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate()
    clock = f"{local.hour:02}:{local.minute:02}"
    if local.date() == today:
        return clock
    if local.date() == today - datetime.timedelta(days=1):
        return _("Yesterday %(time)s") % {"time": clock}
    # The ``n/j (D)`` of ``date_format`` written directly: its two calls were a tenth of a feed page.
    return f"{local.month}/{local.day} ({WEEKDAYS_ABBR[local.weekday()]}) {clock}"
