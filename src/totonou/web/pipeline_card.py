"""The pipeline board's deal card, in Python (ADR 0013: markup rendered many times per page).

A board shows up to 30 cards per open stage, each with its stage picker (a ``<select>`` of every stage,
the phone's way to move a deal); as a Django template loop the cards were most of the board's time. The
words, the options and the URL shapes are made once per page (``BoardKit``); each card fills in its
values, escaped where they are inserted. The markup is the one ``pipeline/board.html`` had, and the
board's browser tests drag, drop and pick on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from totonou.core.links import url_shape
from totonou.core.money import format_money
from totonou.insights.selectors.pipeline import BoardCard
from totonou.web.activity_card import esc, member_colour


class BoardKit:
    """What every card of one board shares: the words, the picker's options, the CSRF field, the URLs."""

    def __init__(
        self, *, stages: Sequence[Any], board_url: str, csrf_token: str, now: datetime.datetime
    ) -> None:
        self.now = now
        key = esc(_("Key customer"))
        self.key = f'<span class="is-key" role="img" aria-label="{key}">★</span> '
        self.in_stage: dict[int, str] = {}
        self.stalled = {
            "in_stage": esc(_("Stalled: too long in this stage")),
            "no_activity": esc(_("Stalled: no recent activity")),
        }
        self.no_next = esc(_("No next step"))
        self.move_to = esc(_("Move to stage"))
        self.move = esc(pgettext("deal stage", "Move"))
        self.hidden = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">\n'
            f'<input type="hidden" name="next" value="{esc(board_url)}">\n'
        )
        marks = {"won": " ✓", "lost": " ✕"}
        self.options = [
            (
                stage.pk,
                f'<option value="{stage.pk}"',
                f">{esc(stage.name)}{marks.get(stage.kind, '')}</option>",
            )
            for stage in stages
        ]
        self.deal_url = url_shape("deals:deal_detail")
        self.stage_url = url_shape("deals:deal_stage")

    def days_in_stage(self, entered_at: datetime.datetime) -> str:
        """ "N days in stage": whole days, rounded down (as the deal list and the stalled list count
        them), the words made once per number of days on the page."""
        days = (self.now - entered_at).days
        found = self.in_stage.get(days)
        if found is None:
            found = self.in_stage[days] = esc(
                ngettext("%(counter)s day in stage", "%(counter)s days in stage", days) % {"counter": days}
            )
        return found


def _url(shape: tuple[str, str], pk: int) -> str:
    return f"{shape[0]}{pk}{shape[1]}"


def board_card(deal: BoardCard, k: BoardKit) -> str:
    """One card: customer (★ for a key customer), title, amount, time in the stage, why it is stalled,
    the next planned step (or its absence), the owner, and the stage picker."""
    pk = deal.pk
    stage_url = _url(k.stage_url, pk)
    key = k.key if deal.customer_is_key else ""
    stalled = deal.stalled_reason
    amount = esc(format_money(deal.amount))
    days = k.days_in_stage(deal.stage_entered_at)
    parts = [
        f'<li class="pipeline-card{" is-stalled" if stalled else ""}" draggable="true" data-deal="{pk}" '
        f'data-version="{deal.version}" data-stage-url="{stage_url}" '
        f'style="--owner-color: {member_colour(deal.owner.calendar_color)}">\n'
        f'<p class="pipeline-card__customer">{key}{esc(deal.customer_name)}</p>\n'
        f'<p class="pipeline-card__title"><a href="{_url(k.deal_url, pk)}">{esc(deal.title)}</a></p>\n'
        f'<p class="pipeline-card__meta"><span class="pipeline-card__amount">{amount}</span> · {days}</p>\n'
    ]
    if stalled:
        reason = k.stalled["in_stage" if stalled == "in_stage" else "no_activity"]
        parts.append(f'<p class="pipeline-card__stalled"><span aria-hidden="true">‖</span> {reason}</p>\n')
    next_at = deal.next_planned_at
    if next_at:
        when = esc(formats.date_format(timezone.localtime(next_at), "SHORT_DATE_FORMAT"))
        subject = esc(deal.next_planned_subject or "")
        parts.append(
            f'<p class="pipeline-card__next"><span aria-hidden="true">→</span> {when} {subject}</p>\n'
        )
    else:
        parts.append(f'<p class="pipeline-card__nonext"><span aria-hidden="true">⚠</span> {k.no_next}</p>\n')
    options = "".join(
        f"{head} selected{tail}" if stage_pk == deal.stage_id else f"{head}{tail}"
        for stage_pk, head, tail in k.options
    )
    parts.append(
        '<p class="pipeline-card__owner"><span class="owner-dot" aria-hidden="true"></span> '
        f"{esc(deal.owner)}</p>\n"
        f'<form class="pipeline-card__picker" method="post" action="{stage_url}">\n'
        f"{k.hidden}"
        f'<input type="hidden" name="version" value="{deal.version}">\n'
        f'<label for="picker-{pk}" class="visually-hidden">{k.move_to}</label>\n'
        f'<select id="picker-{pk}" name="stage">{options}</select>\n'
        f'<button type="submit" class="button button--small">{k.move}</button>\n'
        "</form>\n"
        "</li>\n"
    )
    return "".join(parts)


def board_cards(deals: Iterable[BoardCard], k: BoardKit) -> SafeString:
    return mark_safe("".join(board_card(deal, k) for deal in deals))  # noqa: S308 — escaped in board_card


class StalledKit:
    """What every row of one stalled list shares: the words, the ★, the URL shapes and the way back."""

    def __init__(self, *, back: str) -> None:
        key = esc(_("Key customer"))
        self.key = f'<span class="is-key" role="img" aria-label="{key}">★</span> '
        self.no_activity = esc(_("Stalled: no recent activity"))
        self.plan = esc(_("Plan the next step"))
        self.deal_url = url_shape("deals:deal_detail")
        self.plan_url = reverse("activities:activity_create")
        self.back = esc(quote(back, safe="/"))
        self.in_stage: dict[int, str] = {}

    def days_in_stage(self, days: int) -> str:
        found = self.in_stage.get(days)
        if found is None:
            found = self.in_stage[days] = esc(
                ngettext(
                    "Stalled: %(counter)s day in this stage", "Stalled: %(counter)s days in this stage", days
                )
                % {"counter": days}
            )
        return found


def stalled_row(deal: Any, k: StalledKit) -> str:
    """One stalled deal: customer (★ for a key customer), title, amount, why it is stalled (the days in
    its stage, or no recent activity) and "plan the next step" on the deal."""
    pk = deal.pk
    customer = deal.customer
    key = k.key if customer.is_key else ""
    reason = k.days_in_stage(deal.days_in_stage) if deal.stalled_reason == "in_stage" else k.no_activity
    return (
        f'<li class="stalled-item" data-deal="{pk}">\n<div>\n'
        f"<p>{key}{esc(customer.name)} · "
        f'<a href="{_url(k.deal_url, pk)}">{esc(deal.title)}</a> · {esc(format_money(deal.amount))}</p>\n'
        f'<p class="hint"><span aria-hidden="true">‖</span> {reason}</p>\n</div>\n'
        f'<a class="button button--small" href="{k.plan_url}?deal={pk}&amp;customer={deal.customer_id}'
        f'&amp;mode=plan&amp;next={k.back}">{k.plan}</a>\n</li>\n'
    )


def stalled_rows(deals: Iterable[Any], k: StalledKit) -> SafeString:
    return mark_safe("".join(stalled_row(deal, k) for deal in deals))  # noqa: S308 — escaped in stalled_row


def loss_notes(deals: Iterable[Any]) -> SafeString:
    """The items of the analytics page's loss notes (the know-how list, ``pipeline/analytics.html``), in
    Python: up to a hundred deals with their customer, amount, reason and note, which as a template loop
    (a reverse and a dozen lookups per deal) were a tenth of the page. Each deal needs ``customer`` and
    ``loss_reason`` read with it. The markup is the one the template had; a test holds them equal."""
    label = esc(_("Key customer"))
    key = f'<span class="is-key" role="img" aria-label="{label}">★</span> '
    no_reason = esc(_("No reason given"))
    head, tail = url_shape("deals:deal_detail")
    items = []
    for deal in deals:
        reason = deal.loss_reason.name if deal.loss_reason is not None else ""
        note = f"<br>{esc(deal.loss_note)}" if deal.loss_note else ""
        items.append(
            f'<li data-deal="{deal.pk}">{key if deal.customer.is_key else ""}'
            f'<a href="{head}{deal.pk}{tail}">{esc(deal.title)}</a> · {esc(deal.customer.name)} · '
            f"{esc(format_money(deal.amount))} · {esc(reason) if reason else no_reason}{note}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every value above is escaped where it is inserted


def _hbar_value(value: Any, kind: str) -> str:
    """A bar's value as the chart prints it: a share as a whole percent (``widthratio``), money, or a
    number; a dash for none."""
    if value is None:
        return "–"
    if kind == "percent":
        return f"{round(float(value) * 100)}%"
    if kind == "money":
        return esc(format_money(value))
    return esc(formats.localize(value))


def hbar_chart(chart: Any, *, chart_id: str, title: str, kind: str) -> SafeString:
    """A horizontal bar chart (``insights.charts.horizontal_bars``) as SVG: ``kind`` is percent, money or
    count. The same numbers are in the table beside it. Written here (ADR 0013): the analytics page draws
    four, and as a template include they were a quarter of its template's time."""
    number = formats.localize
    cid = esc(chart_id)
    values = [_hbar_value(bar.value, kind) for bar in chart.bars]
    desc = "; ".join(f"{esc(bar.label)}: {value}" for bar, value in zip(chart.bars, values, strict=True))
    parts = [
        f'\n<svg class="chart chart--hbars" viewBox="0 0 320 {number(chart.height)}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMidYMid meet">\n'
        f'  <title id="{cid}-title">{esc(title)}</title>\n'
        f'  <desc id="{cid}-desc">{desc}</desc>\n  '
    ]
    x = number(chart.x)
    for bar, value in zip(chart.bars, values, strict=True):
        y, text_y = number(bar.y), number(bar.text_y)
        part = (
            f'<rect class="chart__bar chart__bar--on" x="{x}" y="{y}" width="{number(bar.part_width)}" '
            'height="14"></rect>'
            if bar.part_width is not None
            else ""
        )
        parts.append(
            f'\n    <g data-bar="{esc(bar.key)}">\n'
            f'      <text class="chart__axis chart__label" x="{number(chart.label_x)}" y="{text_y}" '
            f'text-anchor="end" dominant-baseline="middle">{esc(bar.label)}</text>\n'
            f'      <rect class="chart__bar" x="{x}" y="{y}" width="{number(bar.width)}" '
            'height="14"></rect>\n'
            f"      {part}\n"
            f'      <text class="chart__axis" x="{number(bar.text_x)}" y="{text_y}" '
            f'dominant-baseline="middle">{value}</text>\n'
            "    </g>\n  "
        )
    parts.append("\n</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped where it is inserted


def _percent(rate: float | None) -> str:
    """A share as a whole percent, as ``{% widthratio rate 1 100 %}%`` wrote it; a dash for none."""
    return "–" if rate is None else f"{round(float(rate) * 100)}%"


def _figure(figure: str, href: str, text: str) -> str:
    return f'<a data-figure="{figure}" href="{esc(href)}">{text}</a>'


def _number(value: Any) -> str:
    return esc(formats.localize(value))


def _or_dash(value: Any) -> str:
    return "–" if value is None else _number(value)


def funnel_rows(stages: Iterable[Any]) -> SafeString:
    """The funnel table's rows (``FunnelStage`` with its ``links``), each figure linked to its deals."""
    return mark_safe(  # noqa: S308 - every value is escaped where it is inserted
        "".join(
            f'<tr data-stage="{_number(row.stage.pk)}"><th scope="row">{esc(row.stage.name)}</th>'
            f'<td class="numeric">{_figure("entered", row.links["entered"], _number(row.entered))}</td>'
            f'<td class="numeric">{_figure("forward", row.links["forward"], _number(row.moved_forward))}</td>'
            f'<td class="numeric">{_figure("lost", row.links["lost"], _number(row.lost))}</td>'
            f'<td class="numeric">{_figure("conversion", row.links["forward"], _percent(row.conversion))}'
            "</td>"
            f'<td class="numeric">{_figure("median", row.links["left"], _or_dash(row.median_days))}</td>'
            "</tr>"
            for row in stages
        )
    )


def _win_rate_cells(row: Any) -> str:
    links = row.links
    won, lost = _number(row.won), _number(row.lost)
    amount = esc(format_money(row.won_amount))
    return (
        f'<td class="numeric">{_figure("won", links["won"], won) if links["won"] else won}</td>'
        f'<td class="numeric">{_figure("lost", links["lost"], lost) if links["lost"] else lost}</td>'
        f'<td class="numeric">{_figure("win_rate", links["closed"], _percent(row.win_rate))}</td>'
        f'<td class="numeric">{_figure("won_amount", links["won"], amount) if links["won"] else amount}</td>'
        f'<td class="numeric">{_figure("cycle", links["closed"], _or_dash(row.median_cycle_days))}</td>'
    )


def win_rate_rows(rows: Sequence[Any]) -> SafeString:
    """The win rate table's rows (``WinRateRow`` with its ``links``: a side without deals has none)."""
    if not rows:
        return mark_safe(f'<tr><td colspan="6">{esc(_("No deals closed in this period."))}</td></tr>')  # noqa: S308
    return mark_safe(  # noqa: S308 - every value is escaped where it is inserted
        "".join(
            f'<tr data-key="{esc(row.key)}"><th scope="row">{esc(row.label)}</th>{_win_rate_cells(row)}</tr>'
            for row in rows
        )
    )


def win_rate_total(row: Any) -> SafeString:
    """The win rate table's footer: the total row."""
    return mark_safe(  # noqa: S308 - every value is escaped where it is inserted
        f'<tfoot><tr data-key="total"><th scope="row">{esc(_("Total"))}</th>{_win_rate_cells(row)}</tr>'
        "</tfoot>"
    )


def loss_reason_rows(rows: Sequence[Any]) -> SafeString:
    """The loss reasons table's rows (count and amount, each linked to the lost deals)."""
    if not rows:
        return mark_safe(f'<tr><td colspan="3">{esc(_("No lost deals in this period."))}</td></tr>')  # noqa: S308
    return mark_safe(  # noqa: S308 - every value is escaped where it is inserted
        "".join(
            f'<tr data-reason="{esc(row.reason.slug)}"><th scope="row">{esc(row.reason.name)}</th>'
            f'<td class="numeric">{_figure("count", row.link, _number(row.count))}</td>'
            f'<td class="numeric">{_figure("amount", row.link, esc(format_money(row.amount)))}</td></tr>'
            for row in rows
        )
    )
