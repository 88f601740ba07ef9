"""The text of a chat message, from an event's context, in the channel's language.

The formatters (slack, teams, chatwork, google_chat) render this one ``Message``; only the generic
webhook sends the event's payload instead. The texts here are as people wrote them: each formatter
escapes them for its platform's markup (``Message.escaped``) before it writes any markup of its own, so
a comment cannot mention everyone, forge a block or dress up a link. Messages are short: a title (with
★ for a key customer), a line or two, for digests a few sections, and the link back to the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from totonou.core.money import format_money
from totonou.notifications.models import TEST_EVENT

KEY = "★"
MAX_TEXT = 300
MAX_LINES = 10


@dataclass
class Mention:
    name: str
    slack_user_id: str = ""
    chatwork_account_id: str = ""


@dataclass
class Message:
    title: str
    text: str = ""
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    link: str = ""
    link_label: str = ""
    mentions: list[Mention] = field(default_factory=list)

    def escaped(self, escape: Callable[[str], str]) -> Message:
        """A copy with every text a person wrote or named (title, text, sections, mention names, the
        link's label) passed through ``escape``, the markup escaping of one chat platform. The link and
        the mention ids are left as they are: the formatter checks and writes them."""
        return replace(
            self,
            title=escape(self.title),
            text=escape(self.text),
            sections=[
                (escape(heading), [escape(line) for line in lines]) for heading, lines in self.sections
            ],
            link_label=escape(self.link_label),
            mentions=[replace(mention, name=escape(mention.name)) for mention in self.mentions],
        )

    @property
    def plain(self) -> str:
        """The whole message as plain text (fallback text, Google Chat, Chatwork)."""
        parts = [self.title]
        if self.text:
            parts.append(self.text)
        for heading, lines in self.sections:
            parts.append("\n".join([heading, *[f"・{line}" for line in lines]]))
        if self.link:
            parts.append(self.link)
        return "\n".join(parts)


def _short(text: Any, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _localized(value: Any, language: str) -> str:
    """A ``{"ja": ..., "en": ...}`` name in the language (or a plain text as it is)."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("en") or value.get("ja") or "")
    return str(value or "")


def _customer(context: dict[str, Any]) -> str:
    name = context.get("customer") or ""
    if not name:
        return ""
    return f"{KEY} {name}" if context.get("is_key") else str(name)


def _subject(context: dict[str, Any], language: str) -> str:
    """「訪問 ★ 株式会社サンプル」: the activity's type and customer (or subject for internal work)."""
    parts = [_localized(context.get("type"), language), _customer(context) or context.get("subject", "")]
    return " ".join(part for part in parts if part)


def _activity(name: str, context: dict[str, Any], language: str) -> Message:
    who = context.get("owner", "")
    what = _subject(context, language)
    when = context.get("when", "")
    if name == "activity.planned":
        title = _("%(who)s planned %(what)s") % {"who": who, "what": what}
        text = " · ".join(part for part in (when, context.get("purpose", "")) if part)
    elif name == "activity.completed":
        title = _("%(who)s completed %(what)s") % {"who": who, "what": what}
        text = context.get("notes", "")
        if context.get("next_step"):
            text = f"{text}\n" + _("Next: %(step)s") % {"step": context["next_step"]}
    elif name == "activity.moved":
        title = _("%(who)s moved %(what)s") % {"who": who, "what": what}
        text = f"{context.get('moved_from', '')} → {context.get('when', '')}"
    else:
        title = _("%(who)s cancelled %(what)s") % {"who": who, "what": what}
        text = _("Reason: %(reason)s") % {"reason": context.get("reason", "")}
    return Message(title=title, text=_short(text.strip()))


def _comment(context: dict[str, Any], language: str) -> Message:
    target = context.get("target", "")
    if context.get("is_key") and target:
        target = f"{KEY} {target}"
    mentions = [Mention(**mention) for mention in context.get("mentions", [])]
    return Message(
        title=_("%(who)s commented on %(target)s") % {"who": context.get("author", ""), "target": target},
        text=_short(context.get("body", "")),
        mentions=mentions,
    )


def _deal(name: str, context: dict[str, Any], language: str) -> Message:
    deal = context.get("title", "")
    customer = _customer(context)
    amount = context.get("amount")
    amount_text = format_money(amount) if isinstance(amount, int) else ""
    what = f"{deal} ({customer})" if customer else deal
    if name == "deal.won":
        title = _("Deal won: %(deal)s") % {"deal": what}
        text = " · ".join(part for part in (amount_text, context.get("owner", "")) if part)
    elif name == "deal.stalled":
        title = _("Deal stalled: %(deal)s") % {"deal": what}
        stage = _localized(context.get("to_stage"), language)
        if context.get("reason") == "in_stage":
            why = _("%(days)s days in %(stage)s") % {"days": context.get("days", ""), "stage": stage}
        else:
            why = _("No recent activity and nothing planned (%(stage)s)") % {"stage": stage}
        text = " · ".join(part for part in (why, amount_text, context.get("owner", "")) if part)
    elif name == "deal.lost":
        title = _("Deal lost: %(deal)s") % {"deal": what}
        reason = _localized(context.get("loss_reason"), language)
        why = ": ".join(part for part in (reason, context.get("loss_note", "")) if part)
        text = " · ".join(part for part in (amount_text, context.get("owner", ""), why) if part)
    else:
        title = _("%(who)s moved the deal %(deal)s") % {"who": context.get("actor", ""), "deal": what}
        stages = (_localized(context.get(key), language) for key in ("from_stage", "to_stage"))
        text = " → ".join(stages)
    return Message(title=title, text=_short(text))


def _weekly_report(name: str, context: dict[str, Any]) -> Message:
    if name == "weekly_report.late":
        mentions = [Mention(**mention) for mention in context.get("mentions", [])]
        names = ", ".join(mention.name for mention in mentions)
        return Message(
            title=_("Weekly reports for %(week)s not submitted by the deadline")
            % {"week": context.get("week", "")},
            text=_short(names),
            mentions=mentions,
        )
    who = {"author": context.get("author", ""), "week": context.get("week", "")}
    if name == "weekly_report.reviewed":
        title = _("%(reviewer)s reviewed the weekly report of %(author)s (%(week)s)") % {
            **who,
            "reviewer": context.get("actor", ""),
        }
        return Message(title=title, text="")
    title = _("%(author)s submitted the weekly report for %(week)s") % who
    help_needed = context.get("help_needed", "")
    text = _("Help needed: %(text)s") % {"text": help_needed} if help_needed else ""
    return Message(title=title, text=_short(text))


def _digest(context: dict[str, Any], language: str) -> Message:
    sections: list[tuple[str, list[str]]] = []
    yesterday = context.get("yesterday", {})
    sections.append(
        (
            _("Yesterday: %(done)s done of %(planned)s planned, %(unplanned)s unplanned")
            % {
                "done": yesterday.get("done_as_planned", 0),
                "planned": yesterday.get("planned", 0),
                "unplanned": yesterday.get("unplanned", 0),
            },
            [_short(line, 120) for line in yesterday.get("members", [])][:MAX_LINES],
        )
    )
    today = context.get("today", [])
    sections.append(
        (
            _("Today's plans (%(count)s)") % {"count": context.get("today_count", len(today))},
            [_short(line, 120) for line in today][:MAX_LINES],
        )
    )
    cold = context.get("uncontacted", [])
    sections.append(
        (
            _("Key customers past their threshold (%(count)s)")
            % {"count": context.get("uncontacted_count", len(cold))},
            [f"{KEY} {_short(line, 120)}" for line in cold][:MAX_LINES],
        )
    )
    attainment = context.get("attainment", [])
    if attainment:
        sections.append(
            (
                _("Targets, month to date (%(month)s)") % {"month": context.get("attainment_month", "")},
                [_short(line, 120) for line in attainment][:MAX_LINES],
            )
        )
    title = _("Daily digest %(team)s %(date)s") % {
        "team": context.get("team", ""),
        "date": context.get("date", ""),
    }
    return Message(title=" ".join(title.split()), sections=sections)


def _uncontacted(context: dict[str, Any], language: str) -> Message:
    cold = context.get("uncontacted", [])
    return Message(
        title=_("%(count)s key customers have not been contacted for too long")
        % {"count": context.get("uncontacted_count", len(cold))},
        sections=[("", [f"{KEY} {_short(line, 120)}" for line in cold][:MAX_LINES])],
    )


def message_for(name: str, context: dict[str, Any], *, language: str) -> Message:
    """The message for event ``name`` in ``language`` (ja or en)."""
    with translation.override(language):
        if name.startswith("activity."):
            message = _activity(name, context, language)
        elif name == "comment.created":
            message = _comment(context, language)
        elif name.startswith("deal."):
            message = _deal(name, context, language)
        elif name.startswith("weekly_report."):
            message = _weekly_report(name, context)
        elif name == "digest.daily":
            message = _digest(context, language)
        elif name == "alert.uncontacted":
            message = _uncontacted(context, language)
        elif name == TEST_EVENT:
            message = Message(
                title=_("Totonou test message"),
                text=_("This channel (%(name)s) is set up: messages will arrive here.")
                % {"name": context.get("channel", "")},
            )
        else:
            message = Message(title=name)
        message.link = str(context.get("web_url", ""))
        message.link_label = _("Open in Totonou")
    return message
