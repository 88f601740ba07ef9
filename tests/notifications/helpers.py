"""Shared set-up for the notification tests: channels straight through the service, a planned activity."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.factories import CustomerFactory, activity_type
from totonou.activities.services import activity_create
from totonou.integrations.services import channel_create
from totonou.notifications.delivery import deliveries_pump
from totonou.notifications.models import Channel

HOUR = datetime.timedelta(hours=1)


def make_channel(actor, url: str, *, kind: str = "slack", **fields) -> Channel:
    fields.setdefault("events", ["activity.planned", "activity.completed", "comment.created"])
    if kind == "webhook":
        fields.setdefault("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    return channel_create(actor=actor, name=f"{kind} channel", kind=kind, url=url, **fields)


def plan_visit(owner, *, customer=None, subject="定例訪問"):
    start = timezone.now() + datetime.timedelta(days=1)
    return activity_create(
        actor=owner,
        type=activity_type("visit"),
        customer=customer or CustomerFactory(owner=owner, name="株式会社サンプル", is_key=True),
        starts_at=start,
        ends_at=start + HOUR,
        subject=subject,
    )


def pump_all(worker_id: str = "test-worker", rounds: int = 20) -> int:
    """Pump until nothing is due (waiting out short backoffs); the number of attempts made."""
    import time

    total = 0
    idle = 0
    for _ in range(rounds * 10):
        made = deliveries_pump(worker_id=worker_id)
        total += made
        if made:
            idle = 0
            continue
        idle += 1
        if idle > rounds:
            break
        time.sleep(0.02)
    return total
