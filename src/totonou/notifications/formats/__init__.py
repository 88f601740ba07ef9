"""Render an event for a channel: one module per kind, each returning the HTTP request to send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from totonou.notifications.models import Channel, Delivery


@dataclass
class OutboundRequest:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def render(delivery: Delivery, *, timestamp: int) -> OutboundRequest:
    """The request that delivers ``delivery`` (its event to its channel) now (``timestamp``: Unix)."""
    from totonou.notifications.formats import chatwork, google_chat, slack, teams, webhook

    renderers: dict[str, Callable[[Channel, Delivery, int], OutboundRequest]] = {
        "slack": slack.render,
        "teams": teams.render,
        "chatwork": chatwork.render,
        "google_chat": google_chat.render,
        "webhook": webhook.render,
    }
    return renderers[delivery.channel.kind](delivery.channel, delivery, timestamp)
