"""The pipeline board's cards in templates (``totonou.web.pipeline_card``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString

from totonou.web import list_rows
from totonou.web.pipeline_card import BoardKit, StalledKit, board_cards, stalled_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def pipeline_cards(context: template.Context, deals: Any) -> SafeString:
    """A column's cards; the page's ``all_stages``, ``board_url`` and ``now`` make one kit per render."""
    found = context.render_context.get("pipeline_board_kit")
    if found is None:
        request = context.get("request")
        found = context.render_context["pipeline_board_kit"] = BoardKit(
            stages=context.get("all_stages") or [],
            board_url=str(context.get("board_url") or ""),
            csrf_token=get_token(request) if request is not None else "",
            now=context.get("now") or timezone.now(),
        )
    return board_cards(deals, found)


@register.simple_tag(takes_context=True)
def stalled_deal_rows(context: template.Context, deals: Any) -> SafeString:
    """A group's rows of the stalled list; one kit per render (the way back is the page's own URL)."""
    found = context.render_context.get("stalled_kit")
    if found is None:
        request = context.get("request")
        back = request.get_full_path() if request is not None else ""
        found = context.render_context["stalled_kit"] = StalledKit(back=back)
    return stalled_rows(deals, found)


@register.simple_tag
def deal_list_rows(deals: Any) -> SafeString:
    """The deal list's rows (``totonou.web.list_rows``)."""
    return list_rows.deal_list_rows(deals)


@register.simple_tag(takes_context=True)
def customer_list_rows(context: template.Context, customers: Any) -> SafeString:
    """The customer list's rows (``totonou.web.list_rows``), with the bulk action's check boxes when the
    page has the bulk form and lists customers in use."""
    filters = context.get("filters")
    selectable = bool(context.get("bulk_form")) and not getattr(filters, "archived", False)
    return list_rows.customer_list_rows(customers, selectable=selectable)
