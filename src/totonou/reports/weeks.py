"""Report weeks: ``2026-W49`` names an ISO week; a rep's report week is Monday–Sunday of it in the rep's
time zone (or Sunday–Saturday, starting the Sunday before, for a rep whose week starts on Sunday)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.bounds import EARLIEST_DATE, LATEST_DATE, out_of_bounds_message
from totonou.core.exceptions import ValidationError
from totonou.insights.selectors.periods import Period, local_today, user_zone, week_period, week_start

WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(key: str, field: str = "week") -> datetime.date:
    """The Monday of ISO week ``key`` (``2026-W49``); a 422-style error for a week that does not exist
    (``2026-W54``, ``2026-W00``, ``2026W49``) or lies outside the input bounds (``core.bounds``: the
    week of ``9999-W52`` would end in year 10000 in some time zones)."""
    match = WEEK_KEY.match(key or "")
    if match:
        try:
            monday = datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
        else:
            # a Sunday-first week starts the day before; both ends stay inside (no arithmetic on ``monday``)
            if (
                EARLIEST_DATE + datetime.timedelta(days=1)
                <= monday
                <= LATEST_DATE - datetime.timedelta(days=7)
            ):
                return monday
            raise ValidationError({field: [out_of_bounds_message()]})
    raise ValidationError(
        {field: [_("There is no week “%(week)s”: give a week like 2026-W49.") % {"week": key}]}
    )


def week_key(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def report_period(user: Any, key: str) -> Period:
    """The author's week ``key`` as local midnights in the author's time zone."""
    monday = parse_week(key)
    starts_on = getattr(user, "week_starts_on", 0) or 0
    return week_period(monday, user_zone(user), starts_on)


def current_week_key(user: Any, now: datetime.datetime | None = None) -> str:
    """The ISO week ``user`` is in now (a Sunday-start week is named after the ISO week of its Monday)."""
    today = local_today(user_zone(user), now or timezone.now())
    starts_on = getattr(user, "week_starts_on", 0) or 0
    first = week_start(today, starts_on)
    return week_key(first if starts_on == 0 else first + datetime.timedelta(days=1))


def shift_week(key: str, weeks: int) -> str:
    return week_key(parse_week(key) + datetime.timedelta(weeks=weeks))
