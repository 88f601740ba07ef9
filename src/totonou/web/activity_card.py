"""The activity card, written once (ADR 0015): every page that lists activities shows them with these
pieces — status (symbol and word), ★ for a key customer, customer and subject, type, owner (colour and
name) and the time — in one of four variants:

- ``calendar_cell``: the compact item of the calendar's week, month and day grids;
- ``row``: the timeline row of My day and of the customer and deal timelines;
- ``feed_card``: the inside of a feed item (the feed's template adds the event line and the social
  controls around it, with ``attrs`` for the item's own attributes);
- ``search_hit``: an activity found by search, with its highlighted subject and snippet, and what its date
  means ("Planned for", "Done on", …).

The status mapping (``STATUSES``: symbol, word, CSS class) lives here and nowhere else; the activity
page's badge (``{% activity_status %}``) comes from here too.

Why Python and not a template: a page renders up to a few hundred cards, and a card rendered as a
Django template costs about twelve times as much (ADR 0015 has the measurement). Every value is escaped
where it is inserted; the fixed words and URL shapes are made once per page and language (``kit``).
"""

from __future__ import annotations

import datetime
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from totonou.activities.selectors import is_waiting_for_result
from totonou.core.links import url_shape

# --- The status mapping: the only one ------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """How a state of an activity is shown: a symbol and a word (never colour alone), and the CSS class
    suffix (``status-badge--<css>``)."""

    css: str
    symbol: str
    word: Promise


#: planned ○, done ✓, cancelled ✕, a plan whose start has passed without a result !, a moved plan ↻.
STATUSES: dict[str, Status] = {
    "planned": Status("planned", "○", gettext_lazy("Planned")),
    "done": Status("done", "✓", gettext_lazy("Done")),
    "cancelled": Status("cancelled", "✕", gettext_lazy("Cancelled")),
    "overdue": Status("overdue", "!", gettext_lazy("Waiting for result")),
    "moved": Status("moved", "↻", gettext_lazy("Moved")),
}

#: What an activity's date means, by its state (search results label their dates).
DATE_MEANINGS: dict[str, Promise] = {
    "planned": gettext_lazy("Planned for %(date)s"),
    "overdue": gettext_lazy("Planned for %(date)s"),
    "done": gettext_lazy("Done on %(date)s"),
    "cancelled": gettext_lazy("Was planned for %(date)s"),
}


def status_key(activity: Any, now: datetime.datetime) -> str:
    """``planned``, ``done``, ``cancelled`` or ``overdue`` (a plan whose start has passed)."""
    if is_waiting_for_result(activity, now):
        return "overdue"
    return str(activity.status)


def is_overdue(activity: Any, now: datetime.datetime | None = None) -> bool:
    return status_key(activity, now or timezone.now()) == "overdue"


def key_marker_html() -> SafeString:
    """The ★ of a key customer (重点顧客), with an accessible name; never colour alone."""
    label = _("Key customer")
    return format_html(
        '<span class="key-marker" role="img" aria-label="{}" title="{}">★</span>', label, label
    )


def _badge(status: Status) -> str:
    """A status as a badge (timelines, feed, search, the activity page)."""
    return (
        f'<span class="status-badge status-badge--{status.css}"><span aria-hidden="true">{status.symbol}'
        f"</span> {esc(status.word)}</span>"
    )


def _compact(status: Status) -> str:
    """A status in the calendar's compact form (the word hides on narrow cells, the symbol stays)."""
    return (
        f'<span class="cal-status"><span class="cal-status__symbol" aria-hidden="true">{status.symbol}'
        f'</span><span class="cal-status__word">{esc(status.word)}</span></span>'
    )


def status_badge(activity: Any, now: datetime.datetime | None = None) -> SafeString:
    """The status badge of one activity (the activity page's ``{% activity_status %}``)."""
    return mark_safe(_badge(STATUSES[status_key(activity, now or timezone.now())]))  # noqa: S308 — escaped


_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def member_colour(value: str | None) -> str:
    """A user's calendar colour, safe to put in a ``style`` attribute."""
    return value if value and _HEX_COLOUR.match(value) else "#6b7280"


def esc(value: Any) -> str:
    """``django.utils.html.escape`` without its lazy-string wrapper (the same characters escaped)."""
    return html.escape(str(value))


# --- What a page makes once ------------------------------------------------------------------------------


class Kit:
    """The fixed parts of the cards of one page in one language: the words (escaped), the status
    markup, the ★, the URL shapes and the moment "overdue" is measured against."""

    def __init__(self, now: datetime.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.key = str(key_marker_html())
        self.internal = escape(_("Internal work"))
        self.deal = escape(_("Deal"))
        self.next_step = escape(_("Next step"))
        self.reason = escape(_("Reason"))
        self.moved_word = escape(STATUSES["moved"].word)
        self.continued = escape(_("Continued from the previous day"))
        self.continues = escape(_("Continues the next day"))
        self.badges = {name: _badge(status) for name, status in STATUSES.items()}
        self.compact = {name: _compact(status) for name, status in STATUSES.items()}
        self.dates = {name: str(text) for name, text in DATE_MEANINGS.items()}
        self.weekdays = [str(WEEKDAYS_ABBR[day]) for day in range(7)]
        self.zone = timezone.get_current_timezone()
        self.detail = url_shape("activities:activity_detail")
        self.reschedule = url_shape("activities:activity_reschedule")

    def detail_url(self, pk: int) -> str:
        head, tail = self.detail
        return f"{head}{pk}{tail}"


def kit(holder: Any = None) -> Kit:
    """The page's ``Kit``, kept on ``holder`` (the request, when there is one) per language, so a page
    that includes a template per card still makes it once."""
    if holder is None:
        return Kit()
    kits: dict[str | None, Kit] | None = getattr(holder, "_activity_card_kits", None)
    if kits is None:
        kits = {}
        try:
            holder._activity_card_kits = kits
        except AttributeError:  # pragma: no cover - a holder that takes no attributes
            return Kit()
    language = get_language()
    found = kits.get(language)
    if found is None:
        found = kits[language] = Kit()
    return found


# --- The pieces ------------------------------------------------------------------------------------------


def _day(local: datetime.datetime, k: Kit) -> str:
    return f"{local.month}/{local.day} ({k.weekdays[local.weekday()]})"


def _clock(local: datetime.datetime) -> str:
    return f"{local.hour:02}:{local.minute:02}"


def classes(activity: Any, k: Kit, base: str = "activity", *, with_key: bool = True) -> str:
    """``<base> activity--<status>`` with ``is-key`` (unless ``with_key`` is false) and ``is-overdue``."""
    names = f"{base} activity--{esc(activity.status)}"
    if with_key and activity.is_key_customer:
        names += " is-key"
    if activity.status == "planned" and activity.starts_at < k.now:
        names += " is-overdue"
    return names


def attrs(
    activity: Any,
    k: Kit,
    *extra: str,
    base: str = "activity",
    with_key: bool = True,
    data: str = "activity",
    style: str = "",
) -> str:
    """The card's own attributes: its classes (with ``extra``), ``data-<data>`` (``data-activity``, the
    activity's one anchor on a page) and the owner's colour, then ``style`` (made by the server)."""
    names = " ".join([classes(activity, k, base, with_key=with_key), *(esc(name) for name in extra if name)])
    colour = member_colour(activity.owner.calendar_color)
    more = f"; {style}" if style else ""
    return f'class="{names}" data-{data}="{activity.pk}" style="--member-color: {colour}{more}"'


def status(activity: Any, k: Kit, *, compact: bool = False) -> str:
    """Symbol and word: the compact form of the calendar, or the badge."""
    return (k.compact if compact else k.badges)[status_key(activity, k.now)]


def key(activity: Any, k: Kit) -> str:
    return k.key if activity.is_key_customer else ""


def customer(activity: Any, k: Kit) -> str:
    """The customer's name, or "Internal work" for an activity without a customer."""
    return esc(activity.customer.name) if activity.customer is not None else k.internal


def title(activity: Any, k: Kit, block: str) -> str:
    """Customer, then " — subject" when there is one."""
    subject = ""
    if activity.subject:
        subject = f'<span class="{block}__subject"> — {esc(activity.subject)}</span>'
    return customer(activity, k) + subject


def type_name(activity: Any, block: str) -> str:
    return f'<span class="{block}__type">{esc(activity.type.name)}</span>'


def owner(activity: Any, block: str, swatch: str = "swatch") -> str:
    """The owner's name after a bar in their colour (the card's ``--member-color``)."""
    return (
        f'<span class="{block}__owner"><span class="{swatch}" aria-hidden="true"></span>'
        f"{esc(str(activity.owner))}</span>"
    )


def when(activity: Any, k: Kit, *, show_date: bool) -> str:
    """``<div class="activity__when">``: the (local) start, with its day when asked, and the end."""
    start = activity.starts_at.astimezone(k.zone)
    end = activity.ends_at.astimezone(k.zone)
    day = f'<span class="activity__date">{_day(start, k)}</span> ' if show_date else ""
    return (
        f'<div class="activity__when"><time datetime="{start.isoformat()}">{day}{_clock(start)}</time>'
        f'<span class="activity__end">–{_clock(end)}</span></div>'
    )


def truncate(text: str, limit: int) -> str:
    """Django's ``truncatechars``, without its cost for a text that fits (most notes do)."""
    if len(text) <= limit and unicodedata.is_normalized("NFC", text):
        return text
    return str(Truncator(text).chars(limit))


def _notes(text: str, limit: int) -> str:
    return esc(truncate(text, limit))


# --- The variants ----------------------------------------------------------------------------------------


def body(
    activity: Any,
    k: Kit,
    *,
    show_owner: bool,
    show_notes: bool,
    show_next_step: bool,
    on_record: bool = False,
) -> str:
    """``<div class="activity__body">``: headline (status, ★, customer — subject), meta (type, owner,
    deal, moved) and the notes. ``on_record``: on the customer's (or deal's) own page, which names the
    customer and marks it ★ once: the headline is the subject (else the type), without name or ★."""
    head = f"{status(activity, k)} "
    if on_record:
        label = esc(activity.subject) if activity.subject else esc(activity.type.name)
        head += f'<a class="activity__link" href="{k.detail_url(activity.pk)}">{label}</a>'
        meta = [type_name(activity, "activity")] if activity.subject else []
    else:
        if activity.is_key_customer:
            head += f"{k.key} "
        head += (
            f'<a class="activity__link" href="{k.detail_url(activity.pk)}">'
            f"{title(activity, k, 'activity')}</a>"
        )
        meta = [type_name(activity, "activity")]
    if show_owner:
        meta.append(owner(activity, "activity"))
    if activity.deal_id is not None and activity.deal is not None:
        meta.append(f'<span class="activity__deal">{k.deal}: {esc(activity.deal.title)}</span>')
    if activity.status == "planned" and activity.is_moved:
        meta.append(
            f'<span class="activity__flag"><span aria-hidden="true">{STATUSES["moved"].symbol}</span> '
            f"{k.moved_word}</span>"
        )
    notes = ""
    if show_notes and activity.notes:
        notes += f'<p class="activity__notes">{_notes(activity.notes, 240)}</p>'
    if show_next_step and activity.next_step:
        notes += (
            f'<p class="activity__notes activity__next"><span class="activity__label">{k.next_step}:</span> '
            f"{_notes(activity.next_step, 160)}</p>"
        )
    if activity.status == "cancelled" and activity.cancel_reason:
        notes += f'<p class="activity__notes">{k.reason}: {_notes(activity.cancel_reason, 160)}</p>'
    return (
        f'<div class="activity__body"><p class="activity__headline">{head}</p>'
        f'<p class="activity__meta">{" ".join(meta)}</p>{notes}</div>'
    )


def row(
    activity: Any,
    k: Kit,
    *,
    show_owner: bool = True,
    show_date: bool = True,
    show_notes: bool = True,
    show_next_step: bool = False,
    on_record: bool = False,
) -> SafeString:
    """A timeline row: ``<li class="activity …">`` with its time and body (``on_record``: see ``body``;
    the row is not marked key, the record page is)."""
    content = body(
        activity,
        k,
        show_owner=show_owner,
        show_notes=show_notes,
        show_next_step=show_next_step,
        on_record=on_record,
    )
    return mark_safe(  # noqa: S308 — every value is escaped or made here
        f"<li {attrs(activity, k, with_key=not on_record)}>{when(activity, k, show_date=show_date)}"
        f"{content}</li>"
    )


def feed_card(activity: Any, k: Kit, *, with_notes: bool) -> SafeString:
    """The inside of a feed item: time with day, body with owner, notes and next step (not on a review)."""
    return mark_safe(  # noqa: S308 — every value is escaped or made here
        when(activity, k, show_date=True)
        + body(activity, k, show_owner=True, show_notes=with_notes, show_next_step=with_notes)
    )


def calendar_cell(entry: Any, k: Kit, *, show_owner: bool) -> SafeString:
    """One ``Entry`` of the calendar grid or month: ``<li class="cal-item …">`` with its link, time,
    status, ★, ↻ for a moved plan, customer — subject, type and owner; draggable when movable. On the
    time grid its ``style`` carries its place (``entry.box``, ADR 0030); the rest of an activity after
    midnight (``entry.continued``) is marked ``data-continues`` instead of ``data-activity``, so each
    activity has one anchor on the page."""
    activity = entry.activity
    pk = activity.pk
    drag = ""
    extra = ["is-movable"] if entry.can_move else []
    if entry.can_move:
        head, tail = k.reschedule
        drag = (
            f' draggable="true" data-reschedule-url="{head}{pk}{tail}" data-version="{activity.version}"'
            f' data-owner="{activity.owner_id}" data-start="{entry.start_value}" data-time="{entry.time}"'
        )
    flags = ""
    if activity.status == "planned" and activity.is_moved:
        flags = (
            f'<span class="cal-item__moved" title="{k.moved_word}"><span aria-hidden="true">'
            f'{STATUSES["moved"].symbol}</span><span class="visually-hidden">{k.moved_word}</span></span>'
        )
    box = getattr(entry, "box", None)
    span = getattr(entry, "span", None)
    continued = getattr(entry, "continued", False)
    if continued:
        extra.append("is-continued")
        flags = (
            f'<span class="cal-item__cont" title="{k.continued}"><span aria-hidden="true">↳</span>'
            f'<span class="visually-hidden">{k.continued}</span></span>{flags}'
        )
    if span is not None and span.continues_after:
        extra.append("is-continuing")
        flags += (
            f'<span class="cal-item__cont" title="{k.continues}"><span aria-hidden="true">→</span>'
            f'<span class="visually-hidden">{k.continues}</span></span>'
        )
    owner_html = owner(activity, "cal-item", "cal-member__bar") if show_owner else ""
    end = activity.ends_at.astimezone(k.zone)
    end_day = "" if end.date() == entry.start.date() else f"{end.month}/{end.day} "
    item_attrs = attrs(
        activity,
        k,
        *extra,
        base="cal-item",
        data="continues" if continued else "activity",
        style=box.style if box is not None else "",
    )
    return mark_safe(  # noqa: S308 — every value is escaped or made here
        f"<li {item_attrs}{drag}>"
        f'<a class="cal-item__link" href="{k.detail_url(pk)}" draggable="false">'
        f'<span class="cal-item__line"><time class="cal-item__time" datetime="{entry.start.isoformat()}">'
        f'{entry.time}<span class="cal-item__end">–{end_day}{_clock(end)}</span></time>'
        f"{status(activity, k, compact=True)}{key(activity, k)}{flags}</span>"
        f'<span class="cal-item__title">{title(activity, k, "cal-item")}</span>'
        f'<span class="cal-item__meta">{type_name(activity, "cal-item")}{owner_html}</span></a></li>'
    )


def _more(slot: Any) -> str:
    """A slot's or a month day's "+N more", with how many of them are with key customers."""
    count = slot.hidden_count
    text = esc(ngettext("+%(counter)s more", "+%(counter)s more", count) % {"counter": count})
    key_count = slot.hidden_key_count
    if key_count:
        said = ngettext(
            "%(counter)s of them with a key customer", "%(counter)s of them with key customers", key_count
        ) % {"counter": key_count}
        text += (
            f' <span class="cal-more__key" aria-hidden="true">(<span class="key-marker">★</span>{key_count})'
            f'</span><span class="visually-hidden">, {esc(said)}</span>'
        )
    style = f' style="{slot.more_style}"' if getattr(slot, "more_style", "") else ""
    return f'<a class="cal-more" href="{esc(slot.more_url)}"{style}>{text}</a>'


def calendar_slots(column: Any, k: Kit, *, show_owner: bool) -> SafeString:
    """The hour slots of one column of the time grid (ADR 0030): each a drop target and a link to plan
    at its hour, holding the cards that start in it (placed by their ``box``) and its "+N more". Written
    here, not in the template, because a team's day draws a few hundred of them (ADR 0013)."""
    member = column.member
    member_attr = f' data-drop-member="{member.pk}"' if member is not None else ""
    parts: list[str] = []
    for slot in column.slots:
        empty = "" if slot.entries or slot.hidden_count else " is-empty"
        parts.append(
            f'<li class="cal-slot{empty}" data-drop-date="{slot.day_value}"'
            f' data-drop-hour="{slot.start.hour}"{member_attr}>'
            f'<a class="cal-slot__plan" href="{esc(slot.plan_url)}"><span aria-hidden="true">＋</span>'
            f'<span class="visually-hidden">{esc(slot.plan_label)}</span></a>'
        )
        if slot.entries:
            cards = "".join(calendar_cell(entry, k, show_owner=show_owner) for entry in slot.entries)
            parts.append(f'<ul class="cal-items">{cards}</ul>')
        if slot.hidden_count:
            parts.append(_more(slot))
        parts.append("</li>")
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped or made here


def time_grid_columns(columns: Any, k: Kit, *, show_owner: bool, now_minute: int) -> SafeString:
    """The columns of the time grid (ADR 0030): each ``<section class="cal-col …">`` with its head (the
    day, or the member), the strip of all-day entries, the hour slots (``calendar_slots``), today's
    current-time line and the phone's "＋ Plan". Written here, not as a template loop: a team's week
    spent 1.4 ms in the loop's tags and filters around its 7 columns (ADR 0013)."""
    today, none, plan = esc(_("Today")), esc(_("No activities")), esc(_("Plan"))
    all_day = esc(_("All day and longer"))
    parts: list[str] = []
    for number, column in enumerate(columns, start=1):
        day, member = column.day, column.member
        classes = "cal-col"
        if column.is_today:
            classes += " is-today"
        if column.is_off:
            classes += " is-off"
        count = column.entry_count
        if not count:
            classes += " is-empty"
        short = f"{day.month}/{day.day} ({esc(k.weekdays[day.weekday()])})"
        parts.append(f'<section class="{classes}" aria-labelledby="cal-col-{number}"')
        if member is not None:
            parts.append(f' style="--member-color: {esc(member_colour(member.calendar_color))}"')
        parts.append(f'>\n<h2 class="cal-col__head" id="cal-col-{number}">\n')
        if member is not None:
            parts.append(
                f'<span class="cal-member"><span class="cal-member__bar" aria-hidden="true"></span>'
                f"{esc(member)}</span>\n"
            )
        else:
            parts.append(
                f'<a class="cal-col__date" href="{esc(column.day_url)}"><time datetime="{day.isoformat()}">'
                f"{day.month}/{day.day} "
                f'<span class="cal-col__weekday">({esc(k.weekdays[day.weekday()])})</span></time></a>\n'
            )
            if column.is_today:
                parts.append(f'<span class="cal-today">{today}</span>\n')
            if column.holiday:
                parts.append(f'<span class="cal-holiday">{esc(column.holiday)}</span>\n')
        parts.append('</h2>\n<div class="cal-strip">')
        if column.all_day:
            cards = "".join(calendar_cell(entry, k, show_owner=show_owner) for entry in column.all_day)
            parts.append(f'<ul class="cal-items" aria-label="{all_day}">{cards}</ul>')
        parts.append('</div>\n<ol class="cal-slots">\n')
        parts.append(calendar_slots(column, k, show_owner=show_owner))
        if column.is_today:
            where = " hidden" if column.now_top is None else f' style="--top: {column.now_top}"'
            parts.append(
                f'\n<li class="cal-now" aria-hidden="true" data-now-minute="{now_minute}"{where}></li>'
            )
        parts.append('\n</ol>\n<p class="cal-col__phone">\n')
        if not count:
            parts.append(f'<span class="empty">{none}</span>\n')
        whose = f" ({esc(member)})" if member is not None else ""
        parts.append(
            f'<a class="button button--small" href="{esc(column.plan_url)}">'
            f'<span aria-hidden="true">＋</span> {plan}<span class="visually-hidden"> {short}{whose}</span>'
            "</a>\n</p>\n</section>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped or made here


def month_days(weeks: Any, k: Kit, *, show_owner: bool) -> SafeString:
    """The days of the month view: each ``<li class="cal-day …">`` a drop target with its date (a link to
    the day), "Today", the holiday, "＋" to plan on it, its cards and "+N more". Written here, not in the
    template: a month's 35–42 days of ~25 template nodes each were a fifth of a rep's month (ADR 0013)."""
    today, plan_on = esc(_("Today")), _("Plan on %(day)s")
    parts: list[str] = []
    for week in weeks:
        for cell in week:
            day = cell.day
            classes = "cal-day"
            if not cell.in_month:
                classes += " is-other-month"
            if cell.is_today:
                classes += " is-today"
            if cell.is_off:
                classes += " is-off"
            if not cell.entries and not cell.hidden_count:
                classes += " is-empty"
            weekday, iso = k.weekdays[day.weekday()], day.isoformat()
            label = esc(plan_on % {"day": f"{day.month}/{day.day} ({weekday})"})
            parts.append(
                f'<li class="{classes}" data-drop-date="{iso}">\n<div class="cal-day__head">\n'
                f'<a class="cal-day__date" href="{esc(cell.day_url)}"><time datetime="{iso}">'
                f'<span class="cal-day__number" aria-hidden="true">{day.day}</span>'
                f'<span class="cal-day__full">{day.month}/{day.day} ({esc(weekday)})</span></time></a>\n'
            )
            if cell.is_today:
                parts.append(f'<span class="cal-today">{today}</span>\n')
            if cell.holiday:
                parts.append(f'<span class="cal-holiday">{esc(cell.holiday)}</span>\n')
            parts.append(
                f'<a class="cal-day__plan" href="{esc(cell.plan_url)}"><span aria-hidden="true">＋</span>'
                f'<span class="visually-hidden">{label}</span></a>\n</div>\n'
            )
            if cell.entries:
                cards = "".join(calendar_cell(entry, k, show_owner=show_owner) for entry in cell.entries)
                parts.append(f'<ul class="cal-items">{cards}</ul>\n')
                if cell.hidden_count:
                    parts.append(_more(cell) + "\n")
            parts.append("</li>\n")
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped or made here


def highlight(text: str, ranges: Sequence[tuple[int, int]]) -> str:
    """``text`` escaped, with ``ranges`` marked (escaped first, then marked: nothing in the text can
    become markup)."""
    parts: list[str] = []
    position = 0
    for start, end in ranges or ():
        if start < position or end <= start:
            continue
        parts.append(conditional_escape(text[position:start]))
        parts.append(f"<mark>{conditional_escape(text[start:end])}</mark>")
        position = end
    parts.append(conditional_escape(text[position:]))
    return "".join(parts)


def search_hit(hit: Any, activity: Any, k: Kit) -> SafeString:
    """An activity found by search: its subject with the matches marked (or, without a subject, its type
    and customer), then the card's line — status, ★, customer, type, owner — and what its date means,
    then the snippet."""
    if hit.title:
        heading = highlight(hit.title, hit.title_highlights)
    else:
        heading = f"{esc(activity.type.name)} · {customer(activity, k)}"
    state = status_key(activity, k.now)
    start = activity.starts_at.astimezone(k.zone)
    label = esc(k.dates[state] % {"date": f"{start.year}/{_day(start, k)} {_clock(start)}"})
    line = f"{status(activity, k)} "
    if activity.is_key_customer:
        line += f"{k.key} "
    if hit.title:  # without a subject, the heading already names the type and customer
        line += (
            f'<span class="search-card__customer">{customer(activity, k)}</span> '
            f"{type_name(activity, 'search-card')} "
        )
    line += (
        f"{owner(activity, 'search-card')} "
        f'<time class="search-card__when" datetime="{start.isoformat()}">{label}</time>'
    )
    snippet = ""
    if hit.snippet:
        snippet = f'<p class="search-hit__snippet">{highlight(hit.snippet, hit.highlights)}</p>'
    return mark_safe(  # noqa: S308 — every value is escaped or made here
        f'<li class="search-hit" data-id="{hit.object_id}"><div {attrs(activity, k, base="search-card")}>'
        f'<a class="search-hit__title" href="{esc(hit.path)}">{heading}</a>'
        f'<p class="search-card__line">{line}</p>{snippet}</div></li>'
    )
