"""Contact thresholds: how many days without a real contact make a customer uncontacted.

The rule "due for contact" lives here, once, in its two forms: ``uncontacted_q`` (SQL, for lists and
counts over many customers) and ``contact_status`` (Python, for customers already read: a customer
page, My day's key customers, the rows of a page of the uncontacted list).
``tests/insights/test_contact_rule.py`` runs both over a grid of cases and requires the same answers.

A customer's threshold is its own ``cadence_days`` override, else its segment's key cadence (key
customers) or normal cadence, else ``TOTONOU_DEFAULT_CADENCE_DAYS``.

A customer is uncontacted on day D (in the user's time zone) when it was never contacted, or when its
last real contact was on day D − threshold or earlier: ``days since contact >= threshold``. A real
contact is a done activity of a type that counts as contact (``Customer.last_contact_at``, kept by the
activity services); plans, internal work and cancellations never count. The cutoff
for a threshold T is therefore the local midnight that starts day D − T + 1, computed here in Python for
each distinct threshold; the SQL picks the customer's cutoff with a CASE over its override, key flag and
segment and compares ``last_contact_at`` with it (no date arithmetic in the database).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db.models import DateTimeField, Expression, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.functional import cached_property

from totonou.core.bounds import clamp_days
from totonou.customers.models import Customer, Segment
from totonou.insights.selectors.periods import local_date, midnight


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force: per segment (normal, key), the overrides in use, and the default."""

    default: int
    segments: dict[int, tuple[int, int]]  # segment id -> (cadence_days, key_cadence_days)
    overrides: frozenset[int] = field(default_factory=frozenset)

    def for_customer(self, *, cadence_days: int | None, segment_id: int | None, is_key: bool) -> int:
        """The customer's threshold, within 1 … ``MAX_DAYS`` whatever an old row holds (the SQL form
        clamps the same way in ``contact_cutoff``)."""
        if cadence_days:
            return clamp_days(cadence_days)
        if segment_id is not None and segment_id in self.segments:
            normal, key = self.segments[segment_id]
            return clamp_days(key if is_key else normal)
        return clamp_days(self.default)

    @classmethod
    def of_segments(cls, segments: dict[int, tuple[int, int]]) -> Thresholds:
        """The thresholds of these segments' cadences and the default (no overrides known: enough for
        ``contact_status``, which reads a customer's own override)."""
        return cls(default=settings.TOTONOU_DEFAULT_CADENCE_DAYS, segments=segments)

    @property
    def longest(self) -> int:
        longest = max([self.default, *self.overrides, *(max(pair) for pair in self.segments.values())])
        return clamp_days(longest)

    def ranges(self, day: datetime.date, zone: zoneinfo.ZoneInfo) -> list[CutoffRange]:
        """The rule of ``cutoff`` for the customers without an override, as ranges: per key flag and
        cutoff, the segments whose customers have it (``segment_ids`` None: the customers without a
        segment, on the default). A customer without an override is uncontacted on ``day`` when it was
        never contacted or its last contact is before the cutoff of its range. An index on (segment,
        key flag, …, last contact) reads each range as a range, where ``cutoff`` is a CASE computed for
        every customer (``uncontacted._counts_in_ranges``)."""
        ranges: list[CutoffRange] = []
        for is_key, index in ((False, 0), (True, 1)):
            by_days: dict[int, list[int]] = defaultdict(list)
            for segment_id, pair in self.segments.items():
                by_days[clamp_days(pair[index])].append(segment_id)
            for days, ids in sorted(by_days.items()):
                ranges.append(CutoffRange(tuple(sorted(ids)), is_key, contact_cutoff(day, days, zone)))
            ranges.append(CutoffRange(None, is_key, contact_cutoff(day, self.default, zone)))
        return ranges

    def cutoff(self, day: datetime.date, zone: zoneinfo.ZoneInfo, prefix: str = "") -> ThresholdCutoff:
        """Per customer, the instant before which its last contact makes it uncontacted on ``day``.
        ``prefix`` is the path to the customer from another model (``"customer__"`` for activities)."""
        return ThresholdCutoff(self, day, zone, prefix)


@dataclass(frozen=True)
class CutoffRange:
    """Customers without an override, with this key flag, in these segments (None: without a segment),
    and the instant before which their last contact makes them uncontacted (``Thresholds.ranges``)."""

    segment_ids: tuple[int, ...] | None
    is_key: bool
    cutoff: datetime.datetime


class ThresholdCutoff(Expression):
    """SQL: the customer's cutoff, a CASE over its override, its key flag and its segment that picks one
    of the cutoffs computed in Python. (Written as SQL here: the same thing as nested ``Case`` objects
    costs Django more to compile than the database to run.)"""

    def __init__(
        self, thresholds: Thresholds, day: datetime.date, zone: zoneinfo.ZoneInfo, prefix: str
    ) -> None:
        super().__init__(output_field=DateTimeField())
        self.thresholds, self.day, self.zone = thresholds, day, zone
        self.columns: list[Any] = [F(f"{prefix}cadence_days"), F(f"{prefix}is_key"), F(f"{prefix}segment_id")]

    @cached_property
    def identity(self) -> tuple[Any, ...]:
        thresholds = self.thresholds
        return (
            type(self),
            self.day,
            str(self.zone),
            tuple(str(column) for column in self.columns),
            thresholds.default,
            tuple(sorted(thresholds.segments.items())),
            tuple(sorted(thresholds.overrides)),
        )

    def get_source_expressions(self) -> list[Any]:
        return self.columns

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.columns = list(exprs)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        (cadence, cadence_params), (is_key, key_params), (segment, segment_params) = (
            compiler.compile(column) for column in self.columns
        )
        thresholds = self.thresholds
        sql: list[str] = []
        params: list[Any] = []

        def cutoff(days: int) -> Any:
            return connection.ops.adapt_datetimefield_value(contact_cutoff(self.day, days, self.zone))

        def by_segment(index: int) -> None:
            segments: dict[int, list[int]] = defaultdict(list)
            for segment_id, pair in thresholds.segments.items():
                segments[pair[index]].append(segment_id)
            if not segments:
                sql.append("%s")
                params.append(cutoff(thresholds.default))
                return
            sql.append("CASE")
            for days, ids in sorted(segments.items()):
                sql.append(f"WHEN {segment} IN ({', '.join(str(int(pk)) for pk in sorted(ids))}) THEN %s")
                params.extend([*segment_params, cutoff(days)])
            sql.append("ELSE %s END")
            params.append(cutoff(thresholds.default))

        sql.append(f"CASE WHEN {cadence} IS NOT NULL THEN")
        params.extend(cadence_params)
        if thresholds.overrides:
            sql.append("CASE")
            for days in sorted(thresholds.overrides):
                sql.append(f"WHEN {cadence} = {int(days)} THEN %s")
                params.extend([*cadence_params, cutoff(days)])
            sql.append("END")
        else:
            sql.append("NULL")
        sql.append(f"WHEN {is_key} THEN")
        params.extend(key_params)
        by_segment(1)
        sql.append("ELSE")
        by_segment(0)
        sql.append("END")
        return f"({' '.join(sql)})", params


def thresholds_in_force(
    *, segments: Iterable[Segment] | None = None, customers: QuerySet[Customer] | None = None
) -> Thresholds:
    """The segments' cadences (one query unless ``segments`` are given) and the distinct overrides of
    ``customers`` (default: all; one query). Only the customers a selector looks at need their override
    known: a narrower set (one owner's, a team's, the key customers) is found through its index, where
    all customers cost a full scan (there is no index on the override)."""
    if segments is None:
        segments = Segment.objects.all()
    cadences = {segment.pk: (segment.cadence_days, segment.key_cadence_days) for segment in segments}
    customers = Customer.objects.all() if customers is None else customers
    overrides = frozenset(
        customers.filter(cadence_days__isnull=False)
        .order_by()
        .values_list("cadence_days", flat=True)
        .distinct()
    )
    return Thresholds(default=settings.TOTONOU_DEFAULT_CADENCE_DAYS, segments=cadences, overrides=overrides)


def contact_cutoff(today: datetime.date, days: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """Contacts before this instant are ``days`` or more days ago on ``today``. ``days`` is clamped to
    1 … ``MAX_DAYS`` (a stored cadence of a million days would overflow the date arithmetic), as
    ``Thresholds.for_customer`` clamps it for ``contact_status``."""
    return midnight(today - datetime.timedelta(days=clamp_days(days) - 1), zone)


#: Stands in for "never contacted": earlier than any cutoff.
NEVER = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def uncontacted_q(
    *, thresholds: Thresholds | None, days: int | None, today: datetime.date, zone: zoneinfo.ZoneInfo
) -> Q:
    """Customers with no real contact for their threshold (or for ``days`` when given) on ``today``:
    ``COALESCE(last_contact_at, 1900-01-01) < cutoff``. One comparison with an expression, which no index
    can serve: a range on ``last_contact_at`` matches most customers, and SQLite would otherwise walk the
    index with a table lookup per customer instead of scanning the table once."""
    if days is not None:
        cutoff: Any = Value(contact_cutoff(today, days, zone), output_field=DateTimeField())
    elif thresholds is not None:
        cutoff = thresholds.cutoff(today, zone)
    else:
        raise ValueError("Give the thresholds in force or a number of days.")
    last_contact = Coalesce("last_contact_at", Value(NEVER, output_field=DateTimeField()))
    return Q(LessThan(last_contact, cutoff))


# --- The same rule in Python ------------------------------------------------------------------------


class ContactFacts(Protocol):
    """What the rule reads of a customer (a ``Customer``, or any row with these attributes)."""

    @property
    def cadence_days(self) -> int | None: ...
    @property
    def segment_id(self) -> int | None: ...
    @property
    def is_key(self) -> bool: ...
    @property
    def last_contact_at(self) -> datetime.datetime | None: ...


@dataclass(frozen=True)
class ContactStatus:
    """A customer's contact clock on one day."""

    threshold_days: int
    days_since_contact: int | None  # None: never contacted

    @property
    def is_due(self) -> bool:
        """Due for contact (uncontacted): never contacted, or ``days since contact >= threshold``."""
        return self.days_since_contact is None or self.days_since_contact >= self.threshold_days


def contact_status(
    customer: ContactFacts,
    *,
    thresholds: Thresholds,
    today: datetime.date | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
    days: int | None = None,
) -> ContactStatus:
    """``uncontacted_q`` for one customer already read: its threshold (``days`` when given, as the
    uncontacted list's ``days`` filter), the whole days since its last real contact counted in ``zone``
    (default: the active, the viewer's, time zone) up to ``today`` (default: today there), and so whether
    it is due. No query."""
    zone = zone or _active_zone()
    today = today or timezone.now().astimezone(zone).date()
    threshold = (
        clamp_days(days)
        if days
        else thresholds.for_customer(
            cadence_days=customer.cadence_days, segment_id=customer.segment_id, is_key=customer.is_key
        )
    )
    last = customer.last_contact_at
    return ContactStatus(
        threshold_days=threshold,
        days_since_contact=None if last is None else (today - local_date(last, zone)).days,
    )


def _active_zone() -> zoneinfo.ZoneInfo:
    current = timezone.get_current_timezone()
    return current if isinstance(current, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(str(current))
