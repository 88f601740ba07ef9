"""Slack incoming webhook: Block Kit (a section per part, a context line with the link), with
``text`` as the notification fallback. Mentions are ``<@U…>``.

Slack reads ``<…>`` as a mention (``<!channel>``, ``<@U…>``) or a link (``<url|label>``) in the
blocks and in ``text`` alike, so every text a person wrote is escaped (``&``, ``<``, ``>``) in both,
and a mention is written only for an id that looks like one."""

from __future__ import annotations

import re
from typing import Any

from totonou.notifications.formats import OutboundRequest
from totonou.notifications.formats._json import JSON_HEADERS, json_body
from totonou.notifications.formats.message import Message, message_for
from totonou.notifications.models import Channel, Delivery

MAX_SECTION_TEXT = 3000


#: A Slack member id (``U…`` or ``W…``): anything else is never written inside ``<@…>``.
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_TEXT]}}


def blocks(message: Message) -> list[dict[str, Any]]:
    """The blocks of ``message`` (its texts as people wrote them: escaped here)."""
    safe = message.escaped(escape)
    result = [_section(f"*{safe.title}*" + (f"\n{safe.text}" if safe.text else ""))]
    for heading, lines in safe.sections:
        body = "\n".join(f"• {line}" for line in lines)
        text = "\n".join(part for part in (f"*{heading}*" if heading else "", body) if part)
        if text:
            result.append(_section(text))
    context: list[dict[str, Any]] = []
    mentions = " ".join(
        f"<@{m.slack_user_id}>" for m in safe.mentions if SLACK_USER_ID.fullmatch(m.slack_user_id)
    )
    if mentions:
        context.append({"type": "mrkdwn", "text": mentions})
    if safe.link:
        context.append({"type": "mrkdwn", "text": f"<{safe.link}|{safe.link_label}>"})
    if context:
        result.append({"type": "context", "elements": context})
    return result


def payload(message: Message) -> dict[str, Any]:
    """``text`` (the notification's fallback, which Slack reads as mrkdwn too) and the blocks."""
    return {"text": message.escaped(escape).plain[:MAX_SECTION_TEXT], "blocks": blocks(message)}


def render(channel: Channel, delivery: Delivery, timestamp: int) -> OutboundRequest:
    message = message_for(delivery.event_name, delivery.event.context, language=channel.language)
    return OutboundRequest(url=channel.url, body=json_body(payload(message)), headers=dict(JSON_HEADERS))
