"""Chatwork API v2: ``POST {base}/rooms/{room_id}/messages`` with the ``x-chatworktoken`` header and a
form field ``body`` in Chatwork's notation (``[info][title]…[/title]…[/info]``, ``[To:id]`` mentions).
The API base URL is the ``TOTONOU_CHATWORK_API_BASE`` setting.

Chatwork reads any ``[tag]`` in a message (``[toall]`` notifies the room, ``[info]``, ``[title]``,
``[To:…]``, ``[code]`` …) and has no escape for it, so in every text a person wrote the square brackets
become their full-width forms (［ ］), and a ``[To:…]`` is written only for a numeric account id."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.conf import settings

from totonou.notifications.formats import OutboundRequest
from totonou.notifications.formats.message import Message, message_for
from totonou.notifications.models import Channel, Delivery


def escape(text: str) -> str:
    """Square brackets, which open every Chatwork tag, as ［ ］."""
    return text.replace("[", "\uff3b").replace("]", "\uff3d")


def body(message: Message) -> str:
    """The message in Chatwork's notation (its texts as people wrote them: escaped here)."""
    message = message.escaped(escape)
    mentions = "".join(
        f"[To:{mention.chatwork_account_id}]{mention.name}\n"
        for mention in message.mentions
        if mention.chatwork_account_id.isascii() and mention.chatwork_account_id.isdigit()
    )
    lines = []
    if message.text:
        lines.append(message.text)
    for heading, items in message.sections:
        if heading:
            lines.append(heading)
        lines.extend(f"・{item}" for item in items)
    if message.link:
        lines.append(message.link)
    return f"{mentions}[info][title]{message.title}[/title]" + "\n".join(lines) + "[/info]"


def messages_url(room_id: str) -> str:
    return f"{settings.TOTONOU_CHATWORK_API_BASE}/rooms/{quote(room_id, safe='')}/messages"


def render(channel: Channel, delivery: Delivery, timestamp: int) -> OutboundRequest:
    message = message_for(delivery.event_name, delivery.event.context, language=channel.language)
    return OutboundRequest(
        url=messages_url(channel.room_id),
        body=urlencode({"body": body(message), "self_unread": "0"}).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "x-chatworktoken": channel.token,
        },
    )
