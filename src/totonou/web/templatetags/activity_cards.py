"""The activity card in templates (``totonou.web.activity_card``, ADR 0015): one tag per variant, and the
item attributes for the feed, whose template wraps the card in its event line and social controls."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from totonou.web import activity_card, feed_item
from totonou.web.activity_card import Kit

register = template.Library()


def _kit(context: template.Context) -> Kit:
    """One ``Kit`` per request and language (or per render, without a request)."""
    request = context.get("request")
    if request is not None:
        return activity_card.kit(request)
    found = context.render_context.get("activity_card_kit")
    if found is None:
        found = context.render_context["activity_card_kit"] = Kit()
    return found


@register.simple_tag(takes_context=True)
def calendar_columns(context: template.Context, columns: Any, now_minute: int) -> SafeString:
    """The columns of the time grid: heads, all-day strips, hour slots and today's line."""
    return activity_card.time_grid_columns(
        columns, _kit(context), show_owner=bool(context.get("show_owner")), now_minute=now_minute
    )


@register.simple_tag(takes_context=True)
def month_days(context: template.Context, weeks: Any) -> SafeString:
    """The days of the month view, with their cards and "+N more"."""
    return activity_card.month_days(weeks, _kit(context), show_owner=bool(context.get("show_owner")))


@register.simple_tag(takes_context=True)
def activity_row(
    context: template.Context,
    activity: Any,
    show_owner: bool = True,
    show_date: bool = True,
    show_notes: bool = True,
    on_record: bool = False,
) -> SafeString:
    """A timeline row (My day, customer and deal timelines; ``on_record`` on a record's own page)."""
    return activity_card.row(
        activity,
        _kit(context),
        show_owner=show_owner,
        show_date=show_date,
        show_notes=show_notes,
        on_record=on_record,
    )


@register.simple_tag(takes_context=True)
def card_attrs(context: template.Context, activity: Any, *extra: str) -> SafeString:
    """``class="activity activity--… is-key …" data-activity="…" style="--member-color: …"`` with the
    ``extra`` classes: the attributes of an element that holds a card (the feed item)."""
    return mark_safe(activity_card.attrs(activity, _kit(context), *extra))  # noqa: S308 — escaped there


@register.simple_tag(takes_context=True)
def feed_card(context: template.Context, activity: Any, with_notes: bool = True) -> SafeString:
    """The inside of a feed item (time and body)."""
    return activity_card.feed_card(activity, _kit(context), with_notes=with_notes)


@register.simple_tag(takes_context=True)
def activity_search_hit(context: template.Context, hit: Any, activity: Any) -> SafeString:
    """An activity hit of the search page, as a card."""
    return activity_card.search_hit(hit, activity, _kit(context))


@register.simple_tag(takes_context=True)
def feed_items(context: template.Context, events: Any) -> SafeString:
    """The items of the feed (``totonou.web.feed_item``): the page's ``next_url``, ``is_new`` (the
    items a poll brings) and CSRF token come from the context."""
    return feed_item.feed_items(
        list(events),
        _kit(context),
        holder=context.get("request"),
        csrf_token=str(context.get("csrf_token") or ""),
        next_url=str(context.get("next_url") or ""),
        is_new=bool(context.get("is_new")),
    )
