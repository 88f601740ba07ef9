"""The rows of the deal and customer lists, in Python (ADR 0013: markup rendered many times per page).

A page shows 25 deals (customer, stage, amount, owner, dates) or 25 customers (last contact, segment,
owner, status); as Django template loops the rows were half of the page's time (about 500 template
nodes). The words and the URL shapes are made once per page; each row fills in its values, escaped where
they are inserted. The markup is the one ``deals/_deal_results.html`` and
``customers/_customer_results.html`` had: ``tests/web/test_list_rows.py`` holds them equal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from totonou.core.links import url_shape
from totonou.core.money import format_money
from totonou.web.activity_card import esc, key_marker_html, member_colour

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


_IN_ROW = "\n              "
_IN_CELL = "\n                "


def customer_list_rows(customers: Iterable[Any], *, selectable: bool) -> SafeString:
    """The ``<tr>`` of each customer (``customers.selectors.ROW_FIELDS`` and ``days_since_contact`` set by
    the view), or the empty row; ``selectable``: the bulk action's check box first."""
    head, tail = url_shape("customers:customer_detail")
    key = str(key_marker_html())
    today, never = esc(_("today")), esc(_("Never contacted"))
    rows = []
    for customer in customers:
        pk, name = customer.pk, esc(customer.name)
        pick = ""
        if selectable:
            label = _("Select %(name)s") % {"name": name}
            pick = (
                f'<td class="select-col"><input type="checkbox" name="customers" value="{pk}"'
                f' form="bulk-form" id="pick-{pk}" aria-label="{label}"></td>'
            )
        kana = f'<span class="kana">{esc(customer.name_kana)}</span>' if customer.name_kana else ""
        days = customer.days_since_contact
        data_days = "" if days is None else esc(formats.localize(days))
        contact = customer.last_contact_at
        if contact is not None:
            local = timezone.localtime(contact) if timezone.is_aware(contact) else contact
            ago = (
                today
                if days == 0
                else ngettext("%(days)s day ago", "%(days)s days ago", days)
                % {"days": esc(formats.localize(days))}
            )
            last = (
                f'{_IN_ROW}{_IN_CELL}<time datetime="{local.isoformat()}">{_day(contact)}</time>'
                f'{_IN_CELL}<span class="muted block">{ago}</span>{_IN_ROW}'
            )
        else:
            last = f'{_IN_ROW}{_IN_CELL}<span class="muted">{never}</span>{_IN_ROW}'
        segment = customer.segment
        segment_cell = (
            f'<span class="segment" style="--segment-color: {esc(member_colour(segment.color))}">'
            f'<span class="swatch" aria-hidden="true"></span>{esc(segment.name)}</span>'
            if segment is not None
            else "—"
        )
        rows.append(
            f'{_ROW}<tr class="{"is-key" if customer.is_key else ""}" data-customer="{pk}">'
            f"{_CELL}{pick}"
            f'{_CELL}<th scope="row">{_IN_ROW}{key if customer.is_key else ""}'
            f'{_IN_ROW}<a href="{head}{pk}{tail}">{name}</a>{_IN_ROW}{kana}{_CELL}</th>'
            f'{_CELL}<td class="last-contact" data-days="{data_days}">'
            f"{last}{_CELL}</td>"
            f'{_CELL}<td class="hide-sm">{segment_cell}</td>'
            f'{_CELL}<td class="hide-sm">{esc(customer.owner)}</td>'
            f'{_CELL}<td class="hide-sm">{esc(customer.get_status_display())}</td>'
            f"{_ROW}</tr>\n        "
        )
    if not rows:
        empty = esc(_("No customers match."))
        rows.append(f'{_ROW}<tr><td colspan="5" class="empty">{empty}</td></tr>\n        ')
    return mark_safe("".join(rows))  # noqa: S308 — every value above is escaped where it is inserted
