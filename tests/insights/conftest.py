"""Hand-built data for the insights: activities made consistent with the model's check constraints, at
exact local times, and the JSON client of the API tests."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import Any

from tests.api.conftest import anonymous, api, people  # noqa: F401  (fixtures)
from tests.factories import ActivityFactory, activity_type
from totonou.activities.models import Activity
from totonou.activities.services import customers_refresh_last_contact

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
UTC = datetime.UTC


def jst(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JST)


def make_activity(
    *,
    owner: Any,
    customer: Any = None,
    starts_at: datetime.datetime,
    slug: str = "visit",
    status: str = "done",
    planned: bool = True,
    moved_from: datetime.datetime | None = None,
    hours: float = 1,
    contacts: Iterable[Any] = (),
) -> Activity:
    """One activity as the services would have left it: a plan keeps its first start in
    ``original_starts_at`` (``moved_from`` when it was moved), a result has its timestamps, and an
    activity logged after the fact (``planned=False``) has neither ``planned_at`` nor an original start."""
    original = (moved_from or starts_at) if planned else None
    activity = ActivityFactory(
        owner=owner,
        customer=customer,
        type=activity_type(slug),
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        planned_at=(original - datetime.timedelta(days=7)) if original else None,
        original_starts_at=original,
        completed_at=starts_at + datetime.timedelta(hours=hours) if status == "done" else None,
        cancelled_at=starts_at - datetime.timedelta(days=1) if status == "cancelled" else None,
        cancel_reason="先方都合" if status == "cancelled" else "",
    )
    if contacts:
        activity.contacts.set(list(contacts))
    if customer is not None and status == "done":
        customers_refresh_last_contact(customer_ids=[customer.pk])
    return activity
