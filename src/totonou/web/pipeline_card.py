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

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from totonou.core.money import format_money
from totonou.insights.selectors.pipeline import BoardCard
from totonou.web.activity_card import esc, member_colour, url_shape


class BoardKit:
    """What every card of one board shares: the words, the picker's options, the CSRF field, the URLs."""

    def __init__(
        self, *, stages: Sequence[Any], board_url: str, csrf_token: str, now: datetime.datetime
    ) -> None:
        self.now = now
        key = esc(_("Key customer"))
        self.key = f'<span class="is-key" role="img" aria-label="{key}">★</span> '
        self.in_stage = _("%(days)s in stage")
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
    days = esc(k.in_stage % {"days": timesince(deal.stage_entered_at, k.now)})
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
