"""The deal list's rows, in Python (ADR 0013: markup rendered many times per page).

A page shows 25 deals with their customer, stage, amount, owner and dates; as a Django template loop the
rows were half of the page's time (about 500 template nodes). The words and the URL shape are made once
per page; each row fills in its values, escaped where they are inserted. The markup is the one
``deals/_deal_results.html`` had: ``tests/web/test_deal_rows.py`` holds them equal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from totonou.core.links import url_shape
from totonou.core.money import format_money
from totonou.web.activity_card import esc, key_marker_html

_ROW = "\n          "
_CELL = "\n            "
_KEY_ROW = ' class="is-key"'


def _day(value: datetime.date | datetime.datetime | None) -> str:
    """``value|date:"Y/m/d"|default:"—"``: a moment in the viewer's time zone, a date as it is."""
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def deal_list_rows(deals: Iterable[Any]) -> SafeString:
    """The ``<tr>`` of each deal (``deals.selectors.ROW_FIELDS`` read with it), or the empty row. Each deal
    needs ``customer``, ``owner`` and ``stage`` read with it."""
    head, tail = url_shape("deals:deal_detail")
    key = f"{key_marker_html()} "
    today = timezone.localdate()
    rows = []
    for deal in deals:
        customer, stage = deal.customer, deal.stage
        if stage.kind == "open":
            entered = deal.stage_entered_at
            days = (today - timezone.localtime(entered).date()).days if entered is not None else None
            in_stage = esc(formats.localize(days))
        else:
            in_stage = "—"
        rows.append(
            f'{_ROW}<tr data-deal="{deal.pk}"{_KEY_ROW if customer.is_key else ""}>'
            f'{_CELL}<th scope="row"><a href="{head}{deal.pk}{tail}">{esc(deal.title)}</a>'
            f'<span class="muted block">{key if customer.is_key else ""}{esc(customer.name)}</span></th>'
            f'{_CELL}<td><span class="stage stage--{esc(stage.kind)}">{esc(stage.name)}</span></td>'
            f'{_CELL}<td class="numeric">{esc(format_money(deal.amount))}</td>'
            f'{_CELL}<td class="hide-sm">{esc(deal.owner)}</td>'
            f'{_CELL}<td class="hide-sm">{_day(deal.expected_close_date)}</td>'
            f'{_CELL}<td class="hide-sm numeric">{in_stage}</td>'
            f'{_CELL}<td class="hide-sm">{_day(deal.last_activity_at)}</td>'
            f"{_ROW}</tr>\n        "
        )
    if not rows:
        rows.append(
            f'{_ROW}<tr><td colspan="7" class="empty">{esc(_("No deals match."))}</td></tr>\n        '
        )
    return mark_safe("".join(rows))  # noqa: S308 — every value above is escaped where it is inserted
