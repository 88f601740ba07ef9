"""The generic webhook: JSON ``{"type", "timestamp", "data"}`` whose ``data`` is the API representation,
signed per the Standard Webhooks scheme (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``:
``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``). A ``whsec_`` secret is base64; any other
secret is used as its UTF-8 bytes. ``webhook-id`` is the delivery's de-duplication key, the same on
every retry, so a receiver can drop a repeat."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from typing import Any

from totonou.notifications.formats import OutboundRequest
from totonou.notifications.formats._json import JSON_HEADERS, json_body
from totonou.notifications.models import Channel, Delivery

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of the format, not a secret)


def secret_key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except ValueError:
            pass
    return secret.encode()


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def document(delivery: Delivery) -> dict[str, Any]:
    event = delivery.event
    return {
        "type": delivery.event_name,
        "timestamp": event.created_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }


def render(channel: Channel, delivery: Delivery, timestamp: int) -> OutboundRequest:
    body = json_body(document(delivery))
    message_id = delivery.dedupe_key
    return OutboundRequest(
        url=channel.url,
        body=body,
        headers={
            **JSON_HEADERS,
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                secret=channel.secret, message_id=message_id, timestamp=timestamp, body=body
            ),
        },
    )
