"""A feed item, written in Python: the event line, the activity card and the social controls (like,
review, the comment box), or a deal's stage change (ADR 0019). The comment box holds only a link to the
activity page's comments: its thread and form load together when it is first opened
(``activities:feed_comments``), so a page of 25 items carries no comment forms.

As a Django template (``activities/_feed_item.html`` once held the loop inline) an item cost about
1.5 ms (~150 template nodes, ~25 ``{% translate %}``, three ``{% csrf_token %}``), most of the feed
page; here the words are made once per page and language (``FeedKit``) and each item only fills in its
values, escaped where they are inserted (ADR 0013 and 0015: markup rendered many times per page). The
card itself stays ``totonou.web.activity_card.feed_card`` and its attributes ``activity_card.attrs``.
What takes work per item (like state, review right, URLs, times) is prepared by the view
(``web.views.feed.prepare_events``). ``tests/web/test_feed_item.py`` holds the markup against the
template it replaced.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from totonou.core.money import format_money
from totonou.web import activity_card
from totonou.web.activity_card import Kit, esc, truncate
from totonou.web.templatetags.activity_social import feed_time, with_mentions


def _verbs() -> dict[str, str]:
    """What the actor did, by the event's kind (escaped)."""
    return {
        "planned": esc(_("planned an activity")),
        "logged": esc(_("logged an activity")),
        "completed": esc(_("recorded the result: done")),
        "moved": esc(_("moved a plan")),
        "cancelled": esc(_("cancelled a plan")),
        "commented": esc(_("commented")),
        "reviewed": esc(_("reviewed")),
    }


class FeedKit:
    """The feed's fixed words (escaped) in one language, with the activity card's ``Kit``."""

    def __init__(self, card: Kit) -> None:
        self.card = card
        self.verbs = _verbs()
        self.someone = esc(_("Someone"))
        self.mentions_you = esc(_("Mentions you"))
        self.earlier = esc(_("Earlier on this activity"))
        self.from_ = esc(_("From"))
        self.to = esc(_("to"))
        self.reason = esc(_("Reason"))
        self.like = esc(_("Like"))
        self.reviewed = esc(_("Reviewed"))
        self.mark_reviewed = esc(_("Mark reviewed"))
        self.comments = esc(_("Comments"))
        self.read_comments = esc(_("Read the comments on the activity page"))
        self.added_deal = esc(_("added a deal"))
        self.reopened_deal = esc(_("reopened a deal"))
        self.won_deal = esc(_("won a deal"))
        self.lost_deal = esc(_("lost a deal"))
        self.moved_deal = esc(_("moved a deal"))
        self.stage = esc(_("Stage"))
        self.loss_reason = esc(_("Loss reason"))
        self.deal = esc(_("Deal"))
        self.weekdays = [str(WEEKDAYS_ABBR[day]) for day in range(7)]


def feed_kit(holder: Any, card: Kit) -> FeedKit:
    """The page's ``FeedKit``, kept on ``holder`` (the request) per language."""
    kits: dict[str | None, FeedKit] | None = getattr(holder, "_feed_item_kits", None)
    if kits is None:
        kits = {}
        if holder is not None:
            holder._feed_item_kits = kits
    language = get_language()
    found = kits.get(language)
    if found is None or found.card is not card:
        found = kits[language] = FeedKit(card)
    return found


def _moment(value: datetime.datetime, k: FeedKit) -> str:
    """A move's time as ``<time>``: ``n/j (D) H:i``, ``value`` already in the viewer's zone
    (``prepare_events``; the ``date`` and ``time`` filters of the template it replaced)."""
    local = value
    return (
        f'<time datetime="{esc(local.isoformat())}">{local.month}/{local.day}'
        f" ({esc(k.weekdays[local.weekday()])})"
        f" {local.hour:02}:{local.minute:02}</time>"
    )


def _actor(event: Any, k: FeedKit) -> str:
    return esc(event.actor) if event.actor else k.someone


def _data(event: Any) -> dict[str, Any]:
    return event.data if isinstance(event.data, dict) else {}


def _earlier(event: Any, k: FeedKit) -> str:
    if not event.earlier:
        return ""
    rows = []
    for earlier in event.earlier:
        quote = ""
        if earlier.kind == "commented" and earlier.comment:
            quote = f": <q>{with_mentions(truncate(earlier.comment.body, 140))}</q>"
        mention = ""
        if earlier.mentions_viewer:
            mention = f' <span class="tag tag--mention">{k.mentions_you}</span>'
        rows.append(
            f'\n          <li data-earlier-event="{earlier.pk}"><strong>{_actor(earlier, k)}</strong>\n'
            f"            {k.verbs.get(earlier.kind, '')}\n"
            f'            <time datetime="{esc(earlier.created["iso"])}">'
            f"{esc(earlier.created['label'])}</time>"
            f"{quote}{mention}</li>\n        "
        )
    return (
        f'\n      <ul class="feed-event__earlier" aria-label="{k.earlier}">\n        '
        + "".join(rows)
        + "\n      </ul>\n    "
    )


def _detail(event: Any, activity: Any, k: FeedKit) -> str:
    data = _data(event)
    if event.kind == "moved" and event.moved_from and event.moved_to:
        return (
            f'\n      <p class="feed-event__detail">{k.from_} {_moment(event.moved_from, k)}'
            ' <span aria-hidden="true">'
            f'→</span><span class="visually-hidden"> {k.to}</span> {_moment(event.moved_to, k)}</p>\n    '
        )
    reason = data.get("reason")
    if event.kind == "cancelled" and reason and reason != activity.cancel_reason:
        return (
            f'\n      <p class="feed-event__detail">{k.reason}: {esc(truncate(str(reason), 240))}</p>\n    '
        )
    if event.kind == "commented" and event.comment:
        return (
            f'\n      <blockquote class="feed-event__comment">'
            f"{with_mentions(truncate(event.comment.body, 600))}</blockquote>\n    "
        )
    return ""


def _social(event: Any, activity: Any, k: FeedKit, csrf: str, next_url: str) -> str:
    urls = activity.urls
    reacted = activity.like["reacted"]
    box = esc(event.box)
    parts = [
        '\n  <div class="social">\n'
        f'    <form class="reaction" method="post" action="{esc(urls["reaction"])}"'
        f' hx-post="{esc(urls["reaction"])}"'
        ' hx-target="this" hx-swap="outerHTML">\n'
        f"      {csrf}\n"
        '      <input type="hidden" name="kind" value="like">\n'
        f'      <input type="hidden" name="next" value="{next_url}">\n'
        '      <button type="submit" class="button button--small reaction__button"'
        f' aria-pressed="{"true" if reacted else "false"}">\n'
        f'        <span class="reaction__icon" aria-hidden="true">{"♥" if reacted else "♡"}</span>\n'
        f"        {k.like}\n"
        f'        <span class="reaction__count">{activity.like["count"]}</span>\n'
        "      </button>\n    </form>\n    "
    ]
    if activity.reviewed_at:
        if activity.can_review:
            label = (
                '<button type="button" class="button button--small review__button" disabled>'
                f'<span aria-hidden="true">✓</span> {k.reviewed}</button>'
            )
        else:
            label = f'<span class="review__label"><span aria-hidden="true">✓</span> {k.reviewed}</span>'
        by = esc(activity.reviewed_by) if activity.reviewed_by else k.someone
        at = timezone.localtime(activity.reviewed_at)
        parts.append(
            '\n    <p class="review review--done">\n'
            f"      {label}\n"
            f'      <span class="review__by">{by} · <time datetime="{esc(at.isoformat())}">'
            f"{esc(feed_time(activity.reviewed_at))}</time></span>\n    </p>\n    "
        )
    elif activity.can_review:
        parts.append(
            f'\n    <form class="review" method="post" action="{esc(urls["review"])}"'
            f' hx-post="{esc(urls["review"])}"'
            ' hx-target="this" hx-swap="outerHTML">\n'
            f"      {csrf}\n"
            f'      <input type="hidden" name="next" value="{next_url}">\n'
            '      <button type="submit" class="button button--small review__button">'
            '<span aria-hidden="true">✓</span>'
            f" {k.mark_reviewed}</button>\n    </form>\n    "
        )
    parts.append(
        '\n    <details class="social__comments">\n'
        f'      <summary>{k.comments} <span class="count" id="{box}-count">{activity.comment_count}</span>'
        "</summary>\n"
        f'      <div class="comment-box" id="{box}-comments" hx-get="{esc(event.thread_url)}"'
        ' hx-trigger="toggle once from:closest details" hx-swap="outerHTML">\n'
        f'        <ol class="comments" id="{box}-thread">\n'
        f'          <li class="comments__fallback"><a href="{esc(urls["detail"])}#page-comments">'
        f"{k.read_comments}"
        "</a></li>\n        </ol>\n"
        "      </div>\n    </details>\n  </div>\n  "
    )
    return "".join(parts)


def _activity_item(event: Any, k: FeedKit, csrf: str, next_url: str, is_new: bool) -> str:
    activity = event.activity
    new = "is-new" if is_new else ""
    item_attrs = activity_card.attrs(activity, k.card, "feed-item", event.item_class, new)
    mention_tag = f'<span class="tag tag--mention">{k.mentions_you}</span>' if event.mentions_viewer else ""
    mention_class = " mentions-me" if event.mentions_viewer else ""
    social = _social(event, activity, k, csrf, next_url) if event.has_social else ""
    return (
        f'\n<li {item_attrs} id="event-{event.pk}" data-event="{event.pk}">\n'
        f'  <div class="feed-event{mention_class}">\n'
        '    <p class="feed-event__line">\n'
        f'      <strong class="feed-event__actor">{_actor(event, k)}</strong>\n'
        f'      <span class="feed-event__verb feed-event__verb--{esc(event.kind)}">'
        f"{k.verbs.get(event.kind, '')}</span>\n"
        f'      <time class="feed-event__time" datetime="{esc(event.created["iso"])}">'
        f"{esc(event.created['label'])}</time>\n"
        f"      {mention_tag}\n"
        f"    </p>\n    {_detail(event, activity, k)}\n    {_earlier(event, k)}\n  </div>\n"
        f"  {activity_card.feed_card(activity, k.card, with_notes=event.has_notes)}\n"
        f"  {social}\n</li>\n"
    )


def _stage_item(event: Any, k: FeedKit, is_new: bool) -> str:
    data = _data(event)
    deal = event.deal
    customer = deal.customer if deal is not None else None
    is_key = bool(customer is not None and customer.is_key)
    if not event.stage_from:
        verb = k.added_deal
    elif data.get("reopened"):
        verb = k.reopened_deal
    elif event.stage_kind == "won":
        verb = k.won_deal
    elif event.stage_kind == "lost":
        verb = k.lost_deal
    else:
        verb = k.moved_deal
    stage_to = esc(event.stage_to)
    if event.stage_from:
        detail = (
            f'{esc(event.stage_from)} <span aria-hidden="true">→</span><span class="visually-hidden"> {k.to}'
            "</span> "
        )
    else:
        detail = f"{k.stage}: "
    loss = ""
    if event.loss_reason_name:
        note = data.get("loss_note")
        loss = (
            f'<p class="feed-event__detail">{k.loss_reason}: {esc(event.loss_reason_name)}'
            f"{f' — {esc(truncate(str(note), 240))}' if note else ''}</p>"
        )
    title = esc(deal.title) if deal is not None else ""
    name = esc(customer.name) if customer is not None else ""
    owner = esc(deal.owner) if deal is not None and deal.owner is not None else ""
    return (
        f'\n<li class="activity feed-item feed-item--stage feed-deal{" is-key" if is_key else ""}'
        f'{" is-new" if is_new else ""}" id="event-{event.pk}" data-event="{event.pk}"'
        f' data-deal="{"" if event.deal_id is None else event.deal_id}">\n'
        '  <div class="feed-event">\n'
        '    <p class="feed-event__line">\n'
        f'      <strong class="feed-event__actor">{_actor(event, k)}</strong>\n'
        f'      <span class="feed-event__verb feed-event__verb--stage">{verb}</span>\n'
        f'      <time class="feed-event__time" datetime="{esc(event.created["iso"])}">'
        f"{esc(event.created['label'])}</time>\n"
        "    </p>\n"
        f'    <p class="feed-event__detail">{detail}<strong>{stage_to}</strong></p>\n'
        f"    {loss}\n"
        "  </div>\n"
        f'  <div class="activity__when"><span class="stage stage--{esc(event.stage_kind)}">{stage_to}</span>'
        "</div>\n"
        '  <div class="activity__body">\n'
        '    <p class="activity__headline">\n'
        f"      {k.card.key if is_key else ''}\n"
        f'      <a class="activity__link" href="{esc(event.deal_url)}">{title}'
        '<span class="activity__subject">'
        f" — {name}</span></a>\n"
        "    </p>\n"
        '    <p class="activity__meta">\n'
        f'      <span class="activity__type">{k.deal}</span>\n'
        f'      <span class="activity__owner">{owner}</span>\n'
        f'      <span class="amount">{esc(format_money(data.get("amount")))}</span>\n'
        "    </p>\n  </div>\n</li>\n"
    )


def feed_items(
    events: list[Any], card: Kit, *, holder: Any, csrf_token: str, next_url: str, is_new: bool
) -> SafeString:
    """The items of a feed page (or of the new ones a poll brings), each an ``<li>``."""
    k = feed_kit(holder, card)
    csrf = ""  # as ``{% csrf_token %}``: nothing without a token
    if csrf_token and csrf_token != "NOTPROVIDED":  # noqa: S105 — Django's marker, not a secret
        csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">'
    next_value = esc(next_url)
    parts = [
        _stage_item(event, k, is_new)
        if event.kind == "stage"
        else _activity_item(event, k, csrf, next_value, is_new)
        for event in events
    ]
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped where it is inserted
