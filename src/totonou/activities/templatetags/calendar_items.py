"""The calendar's activity item, rendered in Python.

A busy team week lists a few hundred items; as an included template each cost about half a millisecond,
which alone broke the page budget. The markup is the same one the template had (tests read it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from totonou.core.templatetags.totonou import key_marker, member_colour

register = template.Library()

_STATUS = '<span class="cal-status"><span class="cal-status__symbol" aria-hidden="true">{}</span><span class="cal-status__word">{}</span></span>'  # noqa: E501


def _status(activity: Any, overdue: bool) -> SafeString:
    if overdue:
        return format_html(_STATUS, "!", _("Waiting for result"))
    if activity.status == "done":
        return format_html(_STATUS, "✓", _("Done"))
    if activity.status == "cancelled":
        return format_html(_STATUS, "✕", _("Cancelled"))
    return format_html(_STATUS, "○", _("Planned"))


@register.simple_tag(takes_context=True)
def calendar_item(context: template.Context, entry: Any) -> SafeString:
    """One ``Entry`` of the calendar grid or month: ``<li class="cal-item …">`` with its link, time, status
    (symbol and word), ★ for a key customer, ↻ for a moved plan, customer, subject, type and owner."""
    activity = entry.activity
    overdue = activity.status == "planned" and activity.starts_at < timezone.now()
    classes = f"cal-item activity--{activity.status}"
    classes += " is-key" * activity.is_key_customer + " is-overdue" * overdue + " is-movable" * entry.can_move
    colour = member_colour(activity.owner.calendar_color)
    drag = SafeString("")
    if entry.can_move:
        drag = format_html(
            ' draggable="true" data-reschedule-url="{}" data-version="{}" data-owner="{}" data-start="{}"'
            ' data-time="{}"',
            reverse("activities:activity_reschedule", args=[activity.pk]),
            activity.version,
            activity.owner_id,
            entry.start_value,
            entry.time,
        )
    moved = SafeString("")
    if activity.status == "planned" and activity.is_moved:
        word = _("Moved")
        moved = format_html(
            '<span class="cal-item__moved" title="{}"><span aria-hidden="true">↻</span>'
            '<span class="visually-hidden">{}</span></span>',
            word,
            word,
        )
    title = activity.customer.name if activity.customer is not None else _("Internal work")
    subject = SafeString("")
    if activity.subject:
        subject = format_html('<span class="cal-item__subject"> — {}</span>', activity.subject)
    owner = SafeString("")
    if context.get("show_owner"):
        owner = format_html(
            '<span class="cal-item__owner"><span class="cal-member__bar" aria-hidden="true"></span>{}</span>',
            str(activity.owner),
        )
    return format_html(
        '<li class="{}" data-activity="{}" style="--member-color: {}"{}>'
        '<a class="cal-item__link" href="{}" draggable="false">'
        '<span class="cal-item__line"><time class="cal-item__time" datetime="{}">{}'
        '<span class="cal-item__end">–{}</span></time>{}{}{}</span>'
        '<span class="cal-item__title">{}{}</span>'
        '<span class="cal-item__meta"><span class="cal-item__type">{}</span>{}</span>'
        "</a></li>",
        classes,
        activity.pk,
        colour,
        drag,
        activity.get_absolute_url(),
        entry.start.isoformat(),
        entry.time,
        f"{timezone.localtime(activity.ends_at):%H:%M}",
        _status(activity, overdue),
        key_marker() if activity.is_key_customer else mark_safe(""),
        moved,
        title,
        subject,
        activity.type.name,
        owner,
    )
