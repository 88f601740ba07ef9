"""Contact thresholds: how many days without a real contact make a customer uncontacted.

A customer's threshold is its own ``cadence_days`` override, else its segment's key cadence (key
customers) or normal cadence, else ``TOTONOU_DEFAULT_CADENCE_DAYS``. Customers are grouped by threshold
so the SQL compares ``last_contact_at`` with one constant cutoff per distinct threshold.

A customer is uncontacted on day D (in the user's time zone) when it was never contacted, or when its
last real contact was on day D − threshold or earlier: ``days since contact >= threshold``. The cutoff
for a threshold T is therefore the local midnight that starts day D − T + 1.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q

from totonou.customers.models import Customer, Segment
from totonou.insights.selectors.periods import midnight


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force: per segment (normal, key), the overrides in use, and the default."""

    default: int
    segments: dict[int, tuple[int, int]]  # segment id -> (cadence_days, key_cadence_days)
    overrides: frozenset[int] = field(default_factory=frozenset)

    def for_customer(self, *, cadence_days: int | None, segment_id: int | None, is_key: bool) -> int:
        if cadence_days:
            return cadence_days
        if segment_id is not None and segment_id in self.segments:
            normal, key = self.segments[segment_id]
            return key if is_key else normal
        return self.default

    def groups(self, prefix: str = "") -> dict[int, Q]:
        """Threshold -> the customers that have it (a partition of all customers). ``prefix`` is the
        path to the customer from another model (``"customer__"`` for activities)."""
        parts: dict[int, Q] = {}

        def add(days: int, **lookups: Any) -> None:
            condition = Q(**{f"{prefix}{name}": value for name, value in lookups.items()})
            parts[days] = parts[days] | condition if days in parts else condition

        by_normal: dict[int, list[int]] = defaultdict(list)
        by_key: dict[int, list[int]] = defaultdict(list)
        for segment_id, (normal, key) in self.segments.items():
            by_normal[normal].append(segment_id)
            by_key[key].append(segment_id)
        for days, ids in by_normal.items():
            add(days, cadence_days__isnull=True, is_key=False, segment_id__in=sorted(ids))
        for days, ids in by_key.items():
            add(days, cadence_days__isnull=True, is_key=True, segment_id__in=sorted(ids))
        add(self.default, cadence_days__isnull=True, segment_id__isnull=True)
        for days in sorted(self.overrides):
            add(days, cadence_days=days)
        return parts


def thresholds_in_force(*, segments: Iterable[Segment] | None = None) -> Thresholds:
    """The segments' cadences (one query unless ``segments`` are given) and the distinct overrides the
    customers use (one query)."""
    if segments is None:
        segments = Segment.objects.all()
    cadences = {segment.pk: (segment.cadence_days, segment.key_cadence_days) for segment in segments}
    overrides = frozenset(
        Customer.objects.filter(cadence_days__isnull=False)
        .order_by()
        .values_list("cadence_days", flat=True)
        .distinct()
    )
    return Thresholds(default=settings.TOTONOU_DEFAULT_CADENCE_DAYS, segments=cadences, overrides=overrides)


def contact_cutoff(today: datetime.date, days: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """Contacts before this instant are ``days`` or more days ago on ``today``."""
    return midnight(today - datetime.timedelta(days=days - 1), zone)


def uncontacted_q(
    *, thresholds: Thresholds | None, days: int | None, today: datetime.date, zone: zoneinfo.ZoneInfo
) -> Q:
    """Customers with no real contact for their threshold (or for ``days`` when given) on ``today``."""
    never = Q(last_contact_at__isnull=True)
    if days is not None:
        return never | Q(last_contact_at__lt=contact_cutoff(today, days, zone))
    if thresholds is None:
        raise ValueError("Give the thresholds in force or a number of days.")
    condition = never
    for threshold, customers in sorted(thresholds.groups().items()):
        condition |= customers & Q(last_contact_at__lt=contact_cutoff(today, threshold, zone))
    return condition
