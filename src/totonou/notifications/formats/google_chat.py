"""Google Chat incoming webhook: a text message (Google Chat's own markup: *bold*, <url|label>).

Google Chat reads ``<users/all>`` (everyone in the space), ``<users/…>`` and ``<url|label>`` in a text
message and has no escape for them, so in every text a person wrote the angle brackets become their
full-width forms (＜ ＞): the words stay readable and nothing is mentioned or linked."""

from __future__ import annotations

from totonou.notifications.formats import OutboundRequest
from totonou.notifications.formats._json import JSON_HEADERS, json_body
from totonou.notifications.formats.message import Message, message_for
from totonou.notifications.models import Channel, Delivery

MAX_TEXT = 4000


def escape(text: str) -> str:
    """Angle brackets, which open a mention or a link in Google Chat, as ＜ ＞."""
    return text.replace("<", "\uff1c").replace(">", "\uff1e")


def text(message: Message) -> str:
    """The message in Google Chat's markup (its texts as people wrote them: escaped here)."""
    message = message.escaped(escape)
    lines = [f"*{message.title}*"]
    if message.text:
        lines.append(message.text)
    for heading, items in message.sections:
        if heading:
            lines.append(f"*{heading}*")
        lines.extend(f"• {item}" for item in items)
    names = " ".join(f"@{mention.name}" for mention in message.mentions)
    if names:
        lines.append(names)
    if message.link:
        lines.append(f"<{message.link}|{message.link_label}>")
    return "\n".join(lines)[:MAX_TEXT]


def render(channel: Channel, delivery: Delivery, timestamp: int) -> OutboundRequest:
    message = message_for(delivery.event_name, delivery.event.context, language=channel.language)
    return OutboundRequest(
        url=channel.url, body=json_body({"text": text(message)}), headers=dict(JSON_HEADERS)
    )
