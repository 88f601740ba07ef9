"""The calendar's activity item, rendered in Python.

A busy team week lists a few hundred items; as an included template each cost about half a millisecond,
which alone broke the page budget. The markup is the same one the template had (tests read it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from totonou.web.templatetags.totonou import key_marker, member_colour

register = template.Library()

_SENTINEL = 987654321  # a pk no URL contains otherwise: reverse once, then fill in each item's pk


def _words() -> dict[str, str]:
    """The item's fixed words, escaped, in the active language."""
    return {
        "overdue": escape(_("Waiting for result")),
        "done": escape(_("Done")),
        "cancelled": escape(_("Cancelled")),
        "planned": escape(_("Planned")),
        "moved": escape(_("Moved")),
        "internal": escape(_("Internal work")),
        "key": str(key_marker()),
    }


def _url_parts(name: str) -> tuple[str, str]:
    head, tail = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    return head, tail


@register.simple_tag(takes_context=True)
def calendar_item(context: template.Context, entry: Any) -> SafeString:
    """One ``Entry`` of the calendar grid or month: ``<li class="cal-item …">`` with its link, time, status
    (symbol and word), ★ for a key customer, ↻ for a moved plan, customer, subject, type and owner.

    The words and URL shapes are made once per page (kept in the render context), every value is escaped
    here: a week renders a few hundred of these."""
    shared = context.render_context.get("calendar_items")
    if shared is None:
        shared = context.render_context["calendar_items"] = {
            "words": _words(),
            "detail": _url_parts("activities:activity_detail"),
            "reschedule": _url_parts("activities:activity_reschedule"),
            "now": timezone.now(),
        }
    words = shared["words"]
    activity = entry.activity
    pk = activity.pk
    overdue = activity.status == "planned" and activity.starts_at < shared["now"]
    classes = f"cal-item activity--{escape(activity.status)}"
    classes += " is-key" * activity.is_key_customer + " is-overdue" * overdue + " is-movable" * entry.can_move
    drag = ""
    if entry.can_move:
        head, tail = shared["reschedule"]
        drag = (
            f' draggable="true" data-reschedule-url="{head}{pk}{tail}" data-version="{activity.version}"'
            f' data-owner="{activity.owner_id}" data-start="{entry.start_value}" data-time="{entry.time}"'
        )
    if overdue:
        symbol, word = "!", words["overdue"]
    elif activity.status == "done":
        symbol, word = "✓", words["done"]
    elif activity.status == "cancelled":
        symbol, word = "✕", words["cancelled"]
    else:
        symbol, word = "○", words["planned"]
    status = (
        f'<span class="cal-status"><span class="cal-status__symbol" aria-hidden="true">{symbol}</span>'
        f'<span class="cal-status__word">{word}</span></span>'
    )
    moved = ""
    if activity.status == "planned" and activity.is_moved:
        moved = (
            f'<span class="cal-item__moved" title="{words["moved"]}"><span aria-hidden="true">↻</span>'
            f'<span class="visually-hidden">{words["moved"]}</span></span>'
        )
    title = escape(activity.customer.name) if activity.customer is not None else words["internal"]
    subject = (
        f'<span class="cal-item__subject"> — {escape(activity.subject)}</span>' if activity.subject else ""
    )
    owner = ""
    if context.get("show_owner"):
        owner = (
            '<span class="cal-item__owner"><span class="cal-member__bar" aria-hidden="true"></span>'
            f"{escape(str(activity.owner))}</span>"
        )
    head, tail = shared["detail"]
    return mark_safe(  # noqa: S308 — every value is escaped or made here
        f'<li class="{classes}" data-activity="{pk}" style="--member-color: '
        f'{escape(member_colour(activity.owner.calendar_color))}"{drag}>'
        f'<a class="cal-item__link" href="{head}{pk}{tail}" draggable="false">'
        f'<span class="cal-item__line"><time class="cal-item__time" datetime="{entry.start.isoformat()}">'
        f'{entry.time}<span class="cal-item__end">–{timezone.localtime(activity.ends_at):%H:%M}</span></time>'
        f"{status}{words['key'] if activity.is_key_customer else ''}{moved}</span>"
        f'<span class="cal-item__title">{title}{subject}</span>'
        f'<span class="cal-item__meta"><span class="cal-item__type">{escape(activity.type.name)}</span>'
        f"{owner}</span></a></li>"
    )
