"""Reads of the stage history (``StageChange``, the only source of the pipeline analytics) that both the
analytics (``insights.selectors.pipeline``) and the deal list's filters (``deals.filters.DealFilter``)
use, so a figure and the list of the deals behind it are one query rule:

- **Closed in a period**: a deal whose closing stage change — the change into a won or lost stage that
  made it what it is now — lies inside the period (``closed_q``). The deal's current stage and close date
  (``closed_at``) point at that change: the services write them with it, at its time. So the rule starts
  from the team's closed deals in the period (``deal_owner_stage_idx``) and checks that change in the
  history (``stagechange_deal_stage_idx``), instead of scanning the period's changes for each deal's
  last one; a deal without it in its history counts nowhere (ADR 0038). A reopened deal that is open
  again is closed nowhere; one won, reopened and won again is closed once, at its last close; a close an
  administrator or an import dated back counts at that date. A test holds the rule equal to "the deal's
  last stage change went into won or lost inside the period" on histories made through the services.
- **Won in a period** (``won_q``): closed so into a won stage, and not archived (an archived deal was
  deleted by a person: it counts in no figure). The one rule of every "won" figure: the targets'
  revenue and won deals, the weekly report's deals won and won amount, the meeting pack, the strategy
  alignment and the pipeline's win rate and forecast; a test holds them equal on one history.
- **Entered a stage in a period**: per deal and stage, the deal's *last* entry into the stage inside the
  period (``stage_entries``; a deal entering twice counts once). The entry's outcome is the deal's next
  stage change at any time up to now (``outcome_q``): into a later open stage or a won stage is
  ``forward`` (skipping stages is forward), into a lost stage ``lost``, into an earlier open stage
  ``back``, none yet ``still``; ``left`` is any of the first three. The deal list filters with it in
  SQL (``stage_entries``, ``outcome_q``); the funnel counts the same entries in one pass over the deals'
  changes (``stage_entry_outcomes``, ``outcome_of``): tests hold the two equal.
- **Periods** are local days (both included) in the team's time zone (``users.zones``: the team's
  ``time_zone``, an owner's team's, else the site's ``TIME_ZONE``): ``day_bounds`` gives ``[start, end)``.
- **Deal-size bands** (``SIZE_BANDS``): upper bounds, exclusive, in the team currency.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from typing import Any, Literal

from django.db import connection
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from totonou.core.functions import Seconds
from totonou.core.rows import raw_rows
from totonou.deals.models import Deal, Stage, StageChange
from totonou.users.zones import period_zone

#: Deal-size bands: (key, upper bound exclusive or None for the open end), smallest first.
SIZE_BANDS: list[tuple[str, int | None]] = [
    ("lt_1m", 1_000_000),
    ("1m_5m", 5_000_000),
    ("5m_10m", 10_000_000),
    ("gte_10m", None),
]
SizeBand = Literal["lt_1m", "1m_5m", "5m_10m", "gte_10m"]
Outcome = Literal["forward", "lost", "back", "still", "left"]


def size_band_q(key: str) -> Q:
    """Deals whose amount lies in band ``key``."""
    lower = 0
    for band, upper in SIZE_BANDS:
        if band == key:
            return Q(amount__gte=lower) & (Q(amount__lt=upper) if upper is not None else Q())
        lower = upper or 0
    raise ValueError(key)


def size_band_key(amount: int) -> str:
    for band, upper in SIZE_BANDS:
        if upper is None or amount < upper:
            return band
    raise AssertionError("unreachable")


def day_bounds(
    first_day: datetime.date | None,
    last_day: datetime.date | None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """``[start, end)``: local midnight of ``first_day`` to the midnight after ``last_day`` in the team's
    time zone (``zone``, from ``users.zones``; the site's without one); a missing day leaves that end
    open (None)."""
    zone = zone or period_zone()
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=zone) if first_day else None
    end = (
        datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        if last_day
        else None
    )
    return start, end


def _inside(start: datetime.datetime | None, end: datetime.datetime | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(changed_at__gte=start)
    if end is not None:
        q &= Q(changed_at__lt=end)
    return q


def _deals(queryset: QuerySet[Deal]) -> QuerySet[Any]:
    return queryset.filter(archived_at__isnull=True).order_by().values("pk")


def _of_deals(queryset: QuerySet[Deal] | None) -> Q:
    if queryset is None:
        return Q()
    return Q(deal__in=_deals(queryset))


def of_each_deal(changes: QuerySet[Any]) -> Exists:
    """Deals that have one of ``changes``, as a filter on deals: a correlated ``EXISTS``, so that each deal
    the rest of the query selects (a team's, an owner's) is looked up in the index of its changes, rather
    than every deal's changes of the period being read first (``pk IN (…)``)."""
    return Exists(changes.filter(deal_id=OuterRef("pk")))


def closed_q(start: datetime.datetime | None, end: datetime.datetime | None) -> Q:
    """Deals closed inside ``[start, end)`` (a missing end leaves that side open): in a won or lost stage
    with their close date in the period, and the stage change into that stage at that time in their
    history (see the module docstring)."""
    q = Q(stage__kind__in=[Stage.Kind.WON, Stage.Kind.LOST])
    if start is not None:
        q &= Q(closed_at__gte=start)
    if end is not None:
        q &= Q(closed_at__lt=end)
    closing = StageChange.objects.filter(
        deal_id=OuterRef("pk"), changed_at=OuterRef("closed_at"), to_stage_id=OuterRef("stage_id")
    )
    return q & Q(Exists(closing))


def counted_closed_q(start: datetime.datetime | None, end: datetime.datetime | None) -> Q:
    """``closed_q`` of the deals that count in figures: archived deals count nowhere."""
    return closed_q(start, end) & Q(archived_at__isnull=True)


def won_q(start: datetime.datetime | None, end: datetime.datetime | None) -> Q:
    """Deals won inside ``[start, end)`` that count in figures (see the module docstring)."""
    return counted_closed_q(start, end) & Q(stage__kind=Stage.Kind.WON)


def first_change_at() -> Subquery:
    """The time of the deal's first stage change (its creation), as an annotation on deals. Only the time
    is read, so changes at the same moment need no tie-break: ordered by time alone, the first entry of
    the deal's index (``stagechange_deal_stage_idx``) is the answer; with the id as well, PostgreSQL
    sorted each deal's changes to find it (2,223 closed deals of a team's year: 8,921 index pages)."""
    changes = StageChange.objects.filter(deal_id=OuterRef("pk")).order_by("changed_at")
    return Subquery(changes.values("changed_at")[:1])


def stage_entries(
    queryset: QuerySet[Deal] | None,
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    stage_ids: list[int],
) -> QuerySet[Any]:
    """Per deal and stage of ``stage_ids``: the deal's last stage change into the stage inside
    ``[start, end)``, with the deal's next change after it annotated (``next_stage``, ``next_at``,
    ``next_kind``, ``next_order``; NULL while the deal is still there)."""
    following = (
        StageChange.objects.filter(deal_id=OuterRef("deal_id"))
        .filter(
            Q(changed_at__gt=OuterRef("changed_at"))
            | Q(changed_at=OuterRef("changed_at"), id__gt=OuterRef("id"))
        )
        .order_by("changed_at", "id")
    )
    again = StageChange.objects.filter(
        _inside(start, end),
        deal_id=OuterRef("deal_id"),
        to_stage_id=OuterRef("to_stage_id"),
    ).filter(
        Q(changed_at__gt=OuterRef("changed_at")) | Q(changed_at=OuterRef("changed_at"), id__gt=OuterRef("id"))
    )
    return (
        StageChange.objects.filter(_inside(start, end), _of_deals(queryset), to_stage_id__in=stage_ids)
        .filter(~Exists(again))
        .annotate(
            next_stage=Subquery(following.values("to_stage_id")[:1]),
            next_at=Subquery(following.values("changed_at")[:1]),
            next_kind=Subquery(following.values("to_stage__kind")[:1]),
            next_order=Subquery(following.values("to_stage__order")[:1]),
        )
    )


def stage_entry_outcomes(
    queryset: QuerySet[Deal] | None,
    start: datetime.datetime,
    end: datetime.datetime,
    stage_ids: list[int],
    *,
    owners: list[int] | None = None,
    by_owner: bool | None = None,
) -> Iterator[tuple[int, int | None, float | None]]:
    """The entries of ``stage_entries`` as ``(stage id, next stage id, seconds until the next change)``
    (None, None while the deal is still there), in one pass over the deals' changes since ``start``,
    newest first: a deal's first change into a stage inside the period met going back is its last entry
    there, and the change met just before it is the next one. The same rule without a correlated
    subquery per entry: a team's year is ~16,000 entries, and the three index lookups per entry were
    most of the funnel's time.

    ``owners``, when the deals are known to be owned by some of them (a team's members, one rep), narrows
    the read to their changes through ``StageChange.deal_owner_id`` and its index: a team's year is
    18,000 of the 124,000 changes since the start, which PostgreSQL otherwise read and joined to the
    team's deals (41 → 15 ms). The deals of ``queryset`` still decide; ``owners`` only must hold theirs.
    On PostgreSQL only (``by_owner``, None: by the database): SQLite reads a team's deals' changes from
    ``stagechange_deal_stage_idx`` alone, and the owner column would cost it a table lookup per change
    (17 → 33 ms). ``test_stage_change_owner`` holds both forms equal."""
    wanted = set(stage_ids)
    if by_owner is None:
        by_owner = connection.vendor == "postgresql"
    narrowed = by_owner and owners is not None
    changes = (
        StageChange.objects.filter(Q(changed_at__gte=start), _of_deals(queryset))
        .filter(Q(deal_owner_id__in=owners) if narrowed else Q())
        .annotate(
            at=Seconds("changed_at", Value(start, output_field=DateTimeField())),
            # compared by the database: seconds from SQLite's julianday are exact to tens of µs only
            inside=ExpressionWrapper(Q(changed_at__lt=end), output_field=BooleanField()),
        )
        .order_by("-deal_id", "-changed_at", "-id")
        .values_list("deal_id", "to_stage_id", "at", "inside")
    )
    fetched = raw_rows(changes)  # Django's per-row converters (float, bool) were a fifth of the walk
    deal: int | None = None
    entered: set[int] = set()  # the stages of this deal whose last entry was met
    next_stage: int | None = None
    next_at = 0.0
    for deal_id, stage_id, at, inside in fetched:
        if deal_id != deal:
            deal, entered, next_stage = deal_id, set(), None
        if inside and stage_id in wanted and stage_id not in entered:
            entered.add(stage_id)
            yield stage_id, next_stage, None if next_stage is None else next_at - at
        next_stage, next_at = stage_id, at


def outcome_q(outcome: str) -> Q:
    """The entries (of ``stage_entries``) with ``outcome``: forward, lost, back, still or left."""
    forward = (
        Q(next_kind=Stage.Kind.WON)
        | Q(next_kind=Stage.Kind.OPEN, next_order__gt=F("to_stage__order"))
        | Q(next_kind=Stage.Kind.OPEN, next_order=F("to_stage__order"), next_stage__gt=F("to_stage_id"))
    )
    lost = Q(next_kind=Stage.Kind.LOST)
    if outcome == "forward":
        return forward
    if outcome == "lost":
        return lost
    if outcome == "still":
        return Q(next_stage__isnull=True)
    if outcome == "left":
        return Q(next_stage__isnull=False)
    if outcome == "back":
        return Q(next_stage__isnull=False) & ~forward & ~lost
    raise ValueError(outcome)


def outcome_of(stage: Stage, next_stage: Stage | None) -> str:
    """The same classification in Python, for rows already read: forward, lost, back or still."""
    if next_stage is None:
        return "still"
    if next_stage.kind == Stage.Kind.LOST:
        return "lost"
    if next_stage.kind == Stage.Kind.WON or (next_stage.order, next_stage.pk) > (stage.order, stage.pk):
        return "forward"
    return "back"


# --- One deal's history (the deal page) ------------------------------------------------------------------


def deal_stays(changes: list[StageChange], now: datetime.datetime) -> list[dict[str, Any]]:
    """``changes`` (one deal's, oldest first) as stays: each change with the days spent in its stage
    until the next change (``days``), and for the last one the days so far (``days_so_far``, only
    while the stage is open). Days are whole days, rounded down, as "days in stage" elsewhere."""
    stays = []
    for index, change in enumerate(changes):
        following = changes[index + 1] if index + 1 < len(changes) else None
        stays.append(
            {
                "change": change,
                "days": (following.changed_at - change.changed_at).days if following else None,
                "left_at": following.changed_at if following else None,
                "days_so_far": (now - change.changed_at).days
                if following is None and change.to_stage.kind == Stage.Kind.OPEN
                else None,
            }
        )
    return stays
