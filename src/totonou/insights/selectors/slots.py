"""The next free work slot of a member: where a one-click "plan a visit" puts the visit.

A slot is one hour on a working day (Monday to Friday, not a Japanese public holiday) starting at one of
``SLOT_HOURS`` in the member's time zone, strictly after now, that overlaps none of the member's
planned or done activities. One query: the member's activities over the days looked at.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import jpholiday
from django.db.models import Q
from django.utils import timezone

from totonou.activities.models import Activity
from totonou.insights.selectors.periods import midnight

#: Starts of the slots offered, in local hours (a morning and an afternoon visit come first).
SLOT_HOURS = (10, 14, 11, 15, 13, 16)
SLOT_LENGTH = datetime.timedelta(hours=1)
#: How many working days ahead to look before giving up and taking the first slot anyway.
DAYS_AHEAD = 10


def working_days(after: datetime.date, count: int) -> list[datetime.date]:
    """The ``count`` working days after ``after`` (excluded): weekdays that are not public holidays."""
    days: list[datetime.date] = []
    day = after
    while len(days) < count:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and not jpholiday.is_holiday(day):
            days.append(day)
    return days


def next_free_slot(
    *, owner: Any, zone: zoneinfo.ZoneInfo, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """``(starts_at, ends_at)`` of the owner's first free slot from the next working day on."""
    now = now or timezone.now()
    days = working_days(now.astimezone(zone).date(), DAYS_AHEAD)
    candidates = [
        datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)
        for day in days
        for hour in SLOT_HOURS
    ]
    busy = list(
        Activity.objects.filter(
            owner=owner,
            starts_at__lt=midnight(days[-1] + datetime.timedelta(days=1), zone),
            ends_at__gt=midnight(days[0], zone),
        )
        .filter(~Q(status=Activity.Status.CANCELLED))
        .order_by()
        .values_list("starts_at", "ends_at")
    )
    for start in candidates:
        end = start + SLOT_LENGTH
        if not any(busy_start < end and start < busy_end for busy_start, busy_end in busy):
            return start, end
    return candidates[0], candidates[0] + SLOT_LENGTH
