"""Scheduled events: the daily digest and the uncontacted alert, once per channel and local day.

Each worker runs ``scheduled_events_create`` every few seconds. A channel's event is due from its
``digest_time`` (in its time zone) until ``CATCH_UP`` later, so a worker restarted within that window
still sends it, and a channel created in the evening starts the next morning. Exactly once: the
``ScheduledRun`` row (unique per channel, event and day) is inserted in the same transaction as the
event and its delivery, and the delivery's de-duplication key names the day too; a second worker (or a
second pass) hits the unique constraint and sends nothing.

What a digest says is domain knowledge: the builder named by ``TOTONOU_SCHEDULED_EVENT_BUILDER`` (the
insights layer) makes its payload and context; this module only decides when.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from totonou.notifications.models import SCHEDULED_EVENTS, Channel, Delivery, Event, ScheduledRun

logger = logging.getLogger("totonou.notifications")

CATCH_UP = datetime.timedelta(hours=6)

#: ``builder(name, *, filters, day, zone) -> (payload, context) | None`` (None: nothing to say).
Builder = Callable[..., tuple[dict[str, Any], dict[str, Any]] | None]


def scheduled_builder() -> Builder:
    return import_string(settings.TOTONOU_SCHEDULED_EVENT_BUILDER)


def due_day(channel: Channel, now: datetime.datetime) -> datetime.date | None:
    """The local day whose scheduled events are due for ``channel`` at ``now``, if any."""
    zone = zoneinfo.ZoneInfo(channel.time_zone)
    local = now.astimezone(zone)
    scheduled = datetime.datetime.combine(local.date(), channel.digest_time, tzinfo=zone)
    if scheduled <= local < scheduled + CATCH_UP:
        return local.date()
    return None


def channel_filters(channel: Channel) -> dict[str, Any]:
    return {**channel.filter_ids(), "key_only": channel.key_only}


def scheduled_event_create(*, channel: Channel, name: str, day: datetime.date, builder: Builder) -> bool:
    """Make event ``name`` of ``day`` for ``channel`` unless it was made already. True when made now."""
    if ScheduledRun.objects.filter(channel=channel, event_name=name, local_date=day).exists():
        return False
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(channel=channel, event_name=name, local_date=day)
            built = builder(
                name,
                filters=channel_filters(channel),
                day=day,
                zone=zoneinfo.ZoneInfo(channel.time_zone),
                language=channel.language,
            )
            if built is None:
                return True  # nothing to report today; the run row still marks the day as done
            payload, context = built
            event = Event.objects.create(name=name, payload=payload, context=context)
            Delivery.objects.create(
                event=event,
                channel=channel,
                event_name=name,
                dedupe_key=f"{name}:{channel.pk}:{day.isoformat()}",
                next_attempt_at=timezone.now(),
                attempt_limit=settings.TOTONOU_DELIVERY_MAX_ATTEMPTS,
            )
    except IntegrityError:
        return False  # another worker made it first
    return True


def scheduled_events_create(*, now: datetime.datetime | None = None) -> int:
    """Make every scheduled event that is due; how many were made."""
    now = now or timezone.now()
    builder = scheduled_builder()
    made = 0
    for channel in Channel.objects.filter(enabled=True).order_by("pk"):
        wanted = [name for name in SCHEDULED_EVENTS if name in (channel.events or [])]
        if not wanted:
            continue
        day = due_day(channel, now)
        if day is None:
            continue
        for name in wanted:
            try:
                made += scheduled_event_create(channel=channel, name=name, day=day, builder=builder)
            except Exception:
                logger.exception("Scheduled event %s for channel %s failed", name, channel.pk)
    return made
