"""Slack incoming webhook: Block Kit (a section per part, a context line with the link), with
``text`` as the notification fallback. Mentions are ``<@U…>``."""

from __future__ import annotations

from typing import Any

from totonou.notifications.formats import OutboundRequest
from totonou.notifications.formats._json import JSON_HEADERS, json_body
from totonou.notifications.formats.message import Message, message_for
from totonou.notifications.models import Channel, Delivery

MAX_SECTION_TEXT = 3000


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_TEXT]}}


def blocks(message: Message) -> list[dict[str, Any]]:
    result = [_section(f"*{escape(message.title)}*" + (f"\n{escape(message.text)}" if message.text else ""))]
    for heading, lines in message.sections:
        body = "\n".join(f"• {escape(line)}" for line in lines)
        text = "\n".join(part for part in (f"*{escape(heading)}*" if heading else "", body) if part)
        if text:
            result.append(_section(text))
    context: list[dict[str, Any]] = []
    mentions = " ".join(f"<@{m.slack_user_id}>" for m in message.mentions if m.slack_user_id)
    if mentions:
        context.append({"type": "mrkdwn", "text": mentions})
    if message.link:
        context.append({"type": "mrkdwn", "text": f"<{message.link}|{escape(message.link_label)}>"})
    if context:
        result.append({"type": "context", "elements": context})
    return result


def payload(message: Message) -> dict[str, Any]:
    return {"text": message.plain[:MAX_SECTION_TEXT], "blocks": blocks(message)}


def render(channel: Channel, delivery: Delivery, timestamp: int) -> OutboundRequest:
    message = message_for(delivery.event_name, delivery.event.context, language=channel.language)
    return OutboundRequest(url=channel.url, body=json_body(payload(message)), headers=dict(JSON_HEADERS))
