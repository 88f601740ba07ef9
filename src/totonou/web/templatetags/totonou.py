"""Template tags for the web interface: the key-customer marker, activity status badges, navigation."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.db.models import QuerySet
from django.forms import BoundField
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from totonou.users.selectors import OPTION_FIELDS
from totonou.web import activity_card, layout

register = template.Library()


@register.simple_tag
def key_marker() -> SafeString:
    """The ★ of a key customer (重点顧客), with an accessible name; never colour alone."""
    return activity_card.key_marker_html()


@register.filter
def is_overdue(activity: Any) -> bool:
    """A plan whose start has passed and that has no result yet."""
    return activity_card.is_overdue(activity)


@register.simple_tag
def activity_status(activity: Any) -> SafeString:
    """A status badge: a symbol and a word (``activity_card.STATUSES``)."""
    return activity_card.status_badge(activity)


@register.filter
def minutes_between(start: datetime.datetime | None, end: datetime.datetime | None) -> int:
    if start is None or end is None:
        return 0
    return int((end - start).total_seconds() // 60)


@register.filter
def member_colour(value: str | None) -> str:
    """A user's calendar colour, safe to put in a ``style`` attribute."""
    return activity_card.member_colour(value)


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, *names: str) -> SafeString:
    """``aria-current="page"`` when the current view is one of ``names`` (``"customers:"`` = a namespace)."""
    match = getattr(context.get("request"), "resolver_match", None)
    return mark_safe(' aria-current="page"' if layout.is_current(match, names) else "")  # noqa: S308 — constant


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """The page header of ``base.html``, written in Python (``web/layout.py``, ADR 0032)."""
    return layout.site_header(context)


@register.simple_tag(takes_context=True)
def notification_bell(context: template.Context, oob: bool = False) -> SafeString:
    """The header's bell alone, e.g. swapped out of band after notifications are marked read."""
    unread = context.get("notification_unread_count")
    count = unread() if callable(unread) else int(unread or 0)
    return layout.notification_bell(context.get("request"), count, oob=oob)


@register.simple_tag
def field_widget(field: BoundField) -> SafeString:
    """A form field's widget, tied to its help text and errors for screen readers."""
    attrs: dict[str, str | bool] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    """A form field: label (with * when required), widget, help text and errors (``includes/field.html``).

    Written in Python because pages with many small forms (My day's result forms) include it dozens of
    times; as a template it was a third of such a page's time."""
    if field.is_hidden:
        return SafeString(str(field))
    errors = SafeString("")
    if field.errors:
        errors = format_html(
            '<ul class="field__errors" id="{}_errors">{}</ul>',
            field.auto_id,
            format_html_join("", "<li>{}</li>", ((error,) for error in field.errors)),
        )
    help_text = SafeString("")
    if field.help_text:
        help_text = format_html(
            '<p class="field__help" id="{}_helptext">{}</p>', field.auto_id, field.help_text
        )
    widget = field_widget(field)
    error_class = " field--error" if field.errors else ""
    if field.use_fieldset:
        return format_html(
            '<fieldset class="field field--group{}"><legend>{}</legend>{}{}{}</fieldset>',
            error_class,
            field.label,
            help_text,
            widget,
            errors,
        )
    required = ""
    # Required by the form, or asked for by the browser while the service says why (a cancel reason).
    if field.field.required or field.field.widget.attrs.get("required"):
        required = mark_safe(' <span class="required" aria-hidden="true">*</span>')
    label = format_html('<label for="{}">{}{}</label>', field.id_for_label, field.label, required)
    if field.widget_type == "checkbox":
        html = '<div class="field{} field--checkbox">{}{}{}{}</div>'
        return format_html(html, error_class, widget, label, help_text, errors)
    return format_html('<div class="field{}">{}{}{}{}</div>', error_class, label, widget, help_text, errors)


@register.filter
def money(amount: int | None) -> str:
    """A deal amount in the team currency: ``¥1,200,000`` (``core.money``)."""
    from totonou.core.money import format_money

    return format_money(amount)


@register.filter
def days_ago(moment: datetime.datetime | None) -> int | None:
    """Whole days from ``moment`` to today in the viewer's time zone (None for no moment)."""
    if moment is None:
        return None
    return (timezone.localdate() - timezone.localtime(moment).date()).days


@register.simple_tag
def choice_options(items: Any, selected: Any = None, value: str = "pk", label: str = "") -> SafeString:
    """The ``<option>`` of each item of a filter's select: its ``value`` attribute (the id by default) as
    the value, its ``label`` attribute (or the item itself) as the text, ``selected`` marked. In Python
    rather than a template loop of four nodes per item: the feed's four filters (78 options) were ~2 ms of
    each feed page."""
    parts = []
    for item in items:
        key = getattr(item, value)
        mark = " selected" if selected == key else ""
        parts.append(
            f'<option value="{escape(key)}"{mark}>{escape(getattr(item, label) if label else item)}</option>'
        )
    return mark_safe("".join(parts))  # noqa: S308 -- every value and text escaped above


@register.simple_tag
def member_checkboxes(members: Any, selected_ids: Any) -> SafeString:
    """The calendar's member picker: a group per team (consecutive members of one team, as ``regroup``
    groups them; "No team" for none) and a checkbox per member in their colour, ``selected_ids``
    checked. In Python rather than template loops: a manager's 50 members were ~1.5 ms of each calendar
    page."""
    parts: list[str] = []
    team: Any = object()  # no member's team: the first member opens a group
    for member in members:
        if member.team != team:
            if parts:
                parts.append("</div>")
            team = member.team
            name = getattr(team, "name", "") or _("No team")
            parts.append(
                f'<div class="member-picker__team"><p class="member-picker__team-name">{escape(name)}</p>'
            )
        mark = " checked" if member.pk in selected_ids else ""
        colour = escape(activity_card.member_colour(member.calendar_color))
        parts.append(
            f'<label class="check" style="--member-color: {colour}">'
            f'<input type="checkbox" name="members" value="{member.pk}"{mark}> '
            f'<span class="cal-member__bar" aria-hidden="true"></span>{escape(member)}</label>'
        )
    if parts:
        parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 -- every name and colour escaped above, ids are integers


@register.simple_tag
def owner_options(owners: Any, selected: Any = None, you: Any = None) -> SafeString:
    """The ``<option>`` of each owner of a filter's select, ``selected`` (an owner's id) marked, and the
    signed-in user (``you``) named "… (you)" when given. In Python rather than a template loop: a team's
    50 owners were 2 ms of each list page (the deal list's 15.8 on SQLite at the large size). A queryset
    is read with only the columns an option shows (``users.selectors.OPTION_FIELDS``)."""
    if isinstance(owners, QuerySet):
        owners = owners.only(*OPTION_FIELDS)
    you_pk = getattr(you, "pk", None)
    parts = []
    for owner in owners:
        name = str(owner)
        if you_pk is not None and owner.pk == you_pk:
            name = _("%(name)s (you)") % {"name": name}
        mark = " selected" if selected == owner.pk else ""
        parts.append(f'<option value="{owner.pk}"{mark}>{escape(name)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 -- every name escaped above, ids are integers
