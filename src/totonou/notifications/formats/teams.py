"""Microsoft Teams through a Workflows webhook: an Adaptive Card 1.4 in the message-attachment envelope
(the Office 365 connectors' MessageCard is retired).

A TextBlock reads a little Markdown; the part that can mislead is a link, ``[label](url)``, so in
every text a person wrote the square brackets become their full-width forms (［ ］): a comment cannot
put its own label on a link. (A card does not mention anyone from its text.)"""

from __future__ import annotations

from typing import Any

from totonou.notifications.formats import OutboundRequest
from totonou.notifications.formats._json import JSON_HEADERS, json_body
from totonou.notifications.formats.message import Message, message_for
from totonou.notifications.models import Channel, Delivery

CARD_VERSION = "1.4"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def escape(text: str) -> str:
    """Square brackets, which open a Markdown link in a TextBlock, as ［ ］."""
    return text.replace("[", "\uff3b").replace("]", "\uff3d")


def card(message: Message) -> dict[str, Any]:
    """The Adaptive Card of the message (its texts as people wrote them: escaped here)."""
    message = message.escaped(escape)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if message.text:
        body.append({"type": "TextBlock", "text": message.text, "wrap": True})
    for heading, lines in message.sections:
        if heading:
            body.append(
                {"type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": True, "spacing": "Medium"}
            )
        if lines:
            body.append({"type": "TextBlock", "text": "\n".join(f"- {line}" for line in lines), "wrap": True})
    names = ", ".join(f"@{mention.name}" for mention in message.mentions)
    if names:
        body.append({"type": "TextBlock", "text": names, "isSubtle": True, "wrap": True})
    result: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    if message.link:
        result["actions"] = [{"type": "Action.OpenUrl", "title": message.link_label, "url": message.link}]
    return result


def payload(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card(message)}],
    }


def render(channel: Channel, delivery: Delivery, timestamp: int) -> OutboundRequest:
    message = message_for(delivery.event_name, delivery.event.context, language=channel.language)
    return OutboundRequest(url=channel.url, body=json_body(payload(message)), headers=dict(JSON_HEADERS))
