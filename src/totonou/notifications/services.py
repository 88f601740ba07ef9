"""Writes for the notifications outbox: record events and their deliveries.

``event_record`` is called by the domain services inside their transactions: the event and one delivery
per matching channel are written with the change, so a rolled-back change sends nothing and a committed
one is delivered by the worker even if the web process dies right after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from totonou.notifications.models import Channel, Delivery, Event

#: What an event builder returns: the payload (API representation) and the chat context.
Built = tuple[Mapping[str, Any], Mapping[str, Any]]


def dedupe_key(event: Event, channel: Channel) -> str:
    return f"{event.uid}:{channel.pk}"


def deliveries_create(event: Event, channels: Iterable[Channel]) -> list[Delivery]:
    now = timezone.now()
    return Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                channel=channel,
                event_name=event.name,
                dedupe_key=dedupe_key(event, channel),
                next_attempt_at=now,
                attempt_limit=settings.TOTONOU_DELIVERY_MAX_ATTEMPTS,
            )
            for channel in channels
        ]
    )


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint per event
def event_record(
    *,
    name: str,
    filters: Mapping[str, Any],
    build: Callable[[], Built],
    channels: Iterable[Channel] | None = None,
) -> Event | None:
    """Record event ``name`` for the enabled channels that want it (by event and by ``filters``: team,
    segment, owner, is_key). ``build`` makes the payload and context; it is called only when some channel
    wants the event, so a site without channels pays one query per change. Returns the event, or None
    when no channel wants it."""
    candidates = list(channels) if channels is not None else list(Channel.objects.filter(enabled=True))
    wanted = [channel for channel in candidates if channel.wants(name, filters=dict(filters))]
    if not wanted:
        return None
    payload, context = build()
    event = Event.objects.create(name=name, payload=dict(payload), context=dict(context))
    deliveries_create(event, wanted)
    return event
