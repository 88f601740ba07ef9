"""The pipeline: the board's columns, stalled deals, win rate, the stage funnel and the forecast.

Exact definitions (``docs/pipeline.md`` repeats them for users):

- **Open deal**: a deal in a stage of kind ``open``, not archived. Archived deals are left out of every
  figure here.
- **Weighted amount** of a set of deals: ``Σ amount × stage probability / 100``, rounded down once, at
  the end (as the deal list's totals).
- **Stalled** (the one rule; the board, the stalled list, My day, the API and the daily alert read it
  through ``stalled_q``/``stalled_deals``): an open deal is stalled when

  1. it has been in its stage longer than the stage's "stalled after" days
     (``stage_entered_at < now − Stage.stagnation_days``), reason ``"in_stage"``; or
  2. no activity was done on it in the last ``TOTONOU_STALLED_NO_ACTIVITY_DAYS`` days (its
     ``last_activity_at``, or its creation when it never had one, is older) **and** nothing is planned
     ahead on it (no planned contact starting now or later on the deal — the one planned-ahead rule of
     ``activities.selectors.planned_contacts_ahead``), reason ``"no_activity"``.

  A deal meeting both has the reason ``"in_stage"``.
- **Closed in a period** (win rate; ``deals.history.closed_q``): a deal counts as won or lost by its
  closing stage change, the change into the won or lost stage it is in now (a reopened and still open
  deal counts nowhere), in the period containing its close date (``closed_at``: that change's time, or
  the earlier day an administrator or an import gave) in the team's time zone (``users.zones``: the
  filtered team's, the filtered owner's team's, else the site's: ``pipeline_zone``).
  ``win_rate = won ÷ (won + lost)`` (None when nothing closed).
  The sales cycle of a closed deal is the days (fractional, 1 decimal) from its first stage change (its
  creation) to its close date, 0 for a close dated before it; ``median_cycle_days`` is the median over
  won **and** lost deals.
- **Funnel** (per open stage, for a period): the deals that *entered* the stage inside the period, each
  once, by its last entry into the stage in the period (``deals.history.stage_entries``). That entry's
  *outcome* is the deal's next stage change (at any time up to now): into a later open stage or a won
  stage is **moved forward** (skipping stages counts as forward from the stage it left), into a lost
  stage is **lost**, into an earlier open stage is **moved back**, none yet is **still there**.
  ``conversion = moved forward ÷ entered``; ``median_days`` is the median of the days spent (1
  decimal) over the counted entries that have left the stage.
- **Forecast** for a fiscal month or quarter: ``won`` = the amount of deals closed won in the period (as
  above); ``weighted_pipeline`` = the weighted amount of open deals whose expected close date lies in
  the period; ``commit`` = the amount (unweighted) of those open deals whose stage probability is at
  least ``TOTONOU_COMMIT_PROBABILITY``; ``forecast = won + weighted_pipeline``.

All figures come from the database in a constant number of queries; period boundaries are computed in
Python (local midnights), so the SQL only compares timestamps with constants.
"""

from __future__ import annotations

import datetime
import heapq
import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.selectors import (
    planned_contact_ahead,
    planned_contact_deals,
    planned_contacts_ahead,
)
from totonou.core.bounds import clamp_days
from totonou.core.functions import Seconds
from totonou.core.rows import raw_rows
from totonou.deals import history
from totonou.deals.models import Deal, LossReason, Stage
from totonou.targets.periods import FiscalPeriod, month_period, parse_period, period_containing, period_zone
from totonou.users.models import User
from totonou.users.zones import query_zone

#: Reasons a deal is stalled (``stalled_reason``).
IN_STAGE = "in_stage"
NO_ACTIVITY = "no_activity"

#: Deal-size bands for the win rate (``group_by=size``): upper bounds (exclusive) in the team currency.
SIZE_BANDS = history.SIZE_BANDS


def stalled_no_activity_days() -> int:
    return int(getattr(settings, "TOTONOU_STALLED_NO_ACTIVITY_DAYS", 14))


def commit_probability() -> int:
    return int(getattr(settings, "TOTONOU_COMMIT_PROBABILITY", 70))


def open_stages() -> list[Stage]:
    return list(Stage.objects.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("order", "id"))


def open_deals(queryset: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    base = Deal.objects.all() if queryset is None else queryset
    return base.filter(stage__kind=Stage.Kind.OPEN, archived_at__isnull=True)


# --- The stalled rule --------------------------------------------------------------------------------


def _in_stage_q(now: datetime.datetime, stages: Iterable[Stage]) -> Q:
    """Open deals longer in their stage than the stage's stalled-after days (index on stage, entry)."""
    rule = Q(pk__in=[])
    for stage in stages:
        limit = now - datetime.timedelta(days=clamp_days(stage.stagnation_days))  # an old row may hold more
        rule |= Q(stage_id=stage.pk, stage_entered_at__lt=limit)
    return rule


def nothing_planned_ahead(now: datetime.datetime, *, hashed: bool | None = None) -> Q:
    """No planned contact ahead on the deal, in the form each database runs fastest (both read the small
    index of the plans on deals, ``activity_deal_planned_idx``; ``test_stalled_rule`` holds the two
    equal). PostgreSQL: not among the deals with one (``planned_contact_deals``), read once and hashed;
    a seek per deal cost a team's board ~2,900 index descents (11 ms of 21). SQLite: a seek per deal
    (``planned_contact_ahead``), which it runs in-process cheaply, while it plans the ``NOT IN`` through
    the status index, every plan ahead (29 ms against 12). ``hashed`` picks a form (the test)."""
    if hashed is None:
        hashed = connection.vendor == "postgresql"
    if hashed:
        return ~Q(pk__in=planned_contact_deals(now))
    return Q(IsNull(planned_contact_ahead(now, deal=OuterRef("pk")), True))


def _no_activity_q(now: datetime.datetime, *, hashed: bool | None = None) -> Q:
    limit = now - datetime.timedelta(days=stalled_no_activity_days())
    return (
        Q(last_activity_at__lt=limit) | Q(last_activity_at__isnull=True, created_at__lt=limit)
    ) & nothing_planned_ahead(now, hashed=hashed)


def stalled_q(
    now: datetime.datetime, stages: Iterable[Stage] | None = None, *, hashed: bool | None = None
) -> Q:
    """The stalled rule as a filter on open deals (see the module docstring); ``hashed`` picks the form
    of "nothing planned ahead" (``nothing_planned_ahead``: None, by the database)."""
    stages = open_stages() if stages is None else stages
    return _in_stage_q(now, stages) | _no_activity_q(now, hashed=hashed)


def stalled_reason(now: datetime.datetime, stages: Iterable[Stage] | None = None) -> Case:
    """``"in_stage"``, ``"no_activity"`` or NULL (not stalled), as an annotation."""
    stages = open_stages() if stages is None else list(stages)
    return Case(
        When(_in_stage_q(now, stages), then=Value(IN_STAGE)),
        When(_no_activity_q(now), then=Value(NO_ACTIVITY)),
        default=None,
        output_field=CharField(),
    )


def stalled_reason_of(
    deal: Deal | BoardCard, *, stage: Stage, planned_ahead: bool, now: datetime.datetime
) -> str | None:
    """``stalled_reason`` in Python for a deal already read (the board's cards, which read its next plan
    ahead anyway): ``stage`` is the deal's open stage, ``planned_ahead`` whether a planned contact lies
    ahead on the deal. A test holds it equal to the SQL form."""
    if deal.stage_entered_at < now - datetime.timedelta(days=clamp_days(stage.stagnation_days)):
        return IN_STAGE
    limit = now - datetime.timedelta(days=stalled_no_activity_days())
    idle = deal.last_activity_at < limit if deal.last_activity_at is not None else deal.created_at < limit
    return NO_ACTIVITY if idle and not planned_ahead else None


def stalled_deals(
    queryset: QuerySet[Deal], *, now: datetime.datetime | None = None, stages: list[Stage] | None = None
) -> QuerySet[Deal]:
    """The stalled deals of ``queryset`` with ``stalled_reason`` annotated, by stage order, owner and
    longest in stage first."""
    now = now or timezone.now()
    stages = open_stages() if stages is None else stages
    return (
        open_deals(queryset)
        .filter(stalled_q(now, stages))
        .annotate(stalled_reason=stalled_reason(now, stages))
        .order_by("stage__order", "stage_id", "owner_id", "stage_entered_at", "id")
    )


def stalled_count(
    queryset: QuerySet[Deal], *, now: datetime.datetime | None = None, one_owner: bool = False
) -> int:
    """How many deals of ``queryset`` are stalled. ``one_owner``: ``queryset`` holds one member's deals
    (My day), fewer than the plans ahead on every deal, so each candidate deal seeks its plan
    (``nothing_planned_ahead(hashed=False)``) on either database: PostgreSQL hashed all ~5,700 plans
    ahead for a rep's 538 open deals (4–6 ms; seeks 1–2 ms on the large data set)."""
    now = now or timezone.now()
    return open_deals(queryset).filter(stalled_q(now, hashed=False if one_owner else None)).count()


# --- The board and the per-stage pipeline ---------------------------------------------------------------


#: What a board card shows (``web.pipeline_card``): the columns a card's query reads, in ``BoardCard``'s
#: order (its owner's columns come last, ``OWNER_FIELDS``).
CARD_FIELDS = (
    "pk",
    "version",
    "title",
    "amount",
    "stage_id",
    "stage_entered_at",
    "last_activity_at",
    "created_at",
    "customer__name",
    "customer__is_key",
)
OWNER_FIELDS = (
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "owner__display_name",
    "owner__calendar_color",
)


@dataclass(slots=True)
class BoardCard:
    """One card of the board, read as a row (a board is up to 30 cards per open stage: as model
    instances with their customer and owner, building them was a fifth of the page)."""

    pk: int
    version: int
    title: str
    amount: int
    stage_id: int
    stage_entered_at: datetime.datetime
    last_activity_at: datetime.datetime | None
    created_at: datetime.datetime
    customer_name: str
    customer_is_key: bool
    owner: Any  # the deal's owner (a ``User`` with the card's columns; one per owner, shared)
    next_planned_at: datetime.datetime | None
    next_planned_subject: str | None
    stalled_reason: str | None = None


@dataclass
class StageColumn:
    stage: Stage
    count: int
    amount: int
    weighted_amount: int
    stalled: int
    deals: list[BoardCard] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.deals), 0)


@dataclass
class Pipeline:
    as_of: datetime.datetime
    stages: list[StageColumn]
    count: int
    amount: int
    weighted_amount: int
    stalled: int


def pipeline(queryset: QuerySet[Deal], *, now: datetime.datetime | None = None, cards: int = 0) -> Pipeline:
    """Per open stage (in stage order): how many open deals of ``queryset``, their amount, weighted
    amount (``amount × probability / 100``, rounded down per stage) and how many are stalled. With
    ``cards``, each column also holds its first ``cards`` deals (longest in the stage first) with
    ``stalled_reason`` and ``next_planned_at`` annotated: one query per column, capped in SQL."""
    now = now or timezone.now()
    stages = open_stages()
    # (The open stages by a join on their kind: as a list of stage ids beside the team's owner ids,
    # SQLite read every open deal through the stage index, 25 → 67 ms; PostgreSQL is the same either way.)
    deals = open_deals(queryset).order_by()
    rows = {
        row["stage_id"]: row
        for row in deals.values("stage_id").annotate(
            n=Count("id"),
            total=Sum("amount"),
            stalled=Count("id", filter=stalled_q(now, stages)),
        )
    }
    columns = []
    for stage in stages:
        row = rows.get(stage.pk, {})
        amount = int(row.get("total") or 0)
        columns.append(
            StageColumn(
                stage=stage,
                count=int(row.get("n") or 0),
                amount=amount,
                weighted_amount=amount * stage.probability // 100,
                stalled=int(row.get("stalled") or 0),
            )
        )
    if cards:
        next_plan = planned_contacts_ahead(now).filter(deal_id=OuterRef("pk")).order_by("starts_at", "id")
        # Annotated once; each column only adds its stage (resolving the expressions per column was a
        # fifth of the board's time).
        cards_of = (
            deals.annotate(
                next_planned_at=Subquery(next_plan.values("starts_at")[:1]),
                next_planned_subject=Subquery(next_plan.values("subject")[:1]),
            )
            .values_list(*CARD_FIELDS, *OWNER_FIELDS, "next_planned_at", "next_planned_subject")
            .order_by("stage_entered_at", "id")
        )
        owners: dict[int, User] = {}
        for column in columns:
            if column.count:
                for row in cards_of.filter(stage_id=column.stage.pk)[:cards]:
                    (pk, version, title, amount, stage_id, entered, last_activity, created) = row[:8]
                    (customer_name, customer_is_key, owner_id, *owner_fields, next_at, next_subject) = row[8:]
                    owner = owners.get(owner_id)
                    if owner is None:
                        names = (name.removeprefix("owner__") for name in OWNER_FIELDS[1:])
                        owner = owners[owner_id] = User(
                            pk=owner_id, **dict(zip(names, owner_fields, strict=True))
                        )
                    card = BoardCard(
                        pk,
                        version,
                        title,
                        amount,
                        stage_id,
                        entered,
                        last_activity,
                        created,
                        customer_name,
                        customer_is_key,
                        owner,
                        next_at,
                        next_subject,
                    )
                    # the stalled rule from what the card read (its next plan ahead): no second lookup of
                    # the plans per card
                    card.stalled_reason = stalled_reason_of(
                        card, stage=column.stage, planned_ahead=card.next_planned_at is not None, now=now
                    )
                    column.deals.append(card)
    return Pipeline(
        as_of=now,
        stages=columns,
        count=sum(c.count for c in columns),
        amount=sum(c.amount for c in columns),
        weighted_amount=sum(c.weighted_amount for c in columns),
        stalled=sum(c.stalled for c in columns),
    )


# --- Periods ------------------------------------------------------------------------------------------


def day_bounds(
    first_day: datetime.date, last_day: datetime.date, zone: zoneinfo.ZoneInfo | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """``[start, end)``: local midnight of ``first_day`` to the midnight after ``last_day``, in the
    team's time zone (``zone``, from ``pipeline_zone``; ``deals.history.day_bounds``)."""
    start, end = history.day_bounds(first_day, last_day, zone)
    assert start is not None and end is not None
    return start, end


def default_range(
    today: datetime.date | None = None, zone: zoneinfo.ZoneInfo | None = None
) -> tuple[datetime.date, datetime.date]:
    """The last twelve months: the first day of the month eleven months back to today."""
    today = today or timezone.now().astimezone(zone or period_zone()).date()
    index = today.year * 12 + today.month - 1 - 11
    return datetime.date(index // 12, index % 12 + 1, 1), today


def _days(seconds: float) -> float:
    """Days with one decimal from seconds the database computed (``core.functions.Seconds``), first
    rounded to the millisecond: SQLite's ``julianday`` is exact to tens of microseconds only."""
    return round(round(seconds, 3) / 86400, 1)


def median_days_of(seconds: list[float]) -> float | None:
    """``_median`` of the values' ``_days``, rounding only the middle one or two: ``_days`` never
    decreases as the seconds grow, so the middle of the rounded values is the rounded middle (a team's
    year is ~14,000 stays; rounding each was a tenth of the funnel)."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    middle = len(ordered) // 2
    return _median([_days(value) for value in ordered[middle - 1 + len(ordered) % 2 : middle + 1]])


def _median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- Win rate -----------------------------------------------------------------------------------------


@dataclass
class WinRateRow:
    key: str
    label: str
    won: int = 0
    lost: int = 0
    won_amount: int = 0
    lost_amount: int = 0
    cycles: list[float] = field(default_factory=list, repr=False)

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return _rate(self.won, self.won + self.lost)

    @property
    def median_cycle_days(self) -> float | None:
        return _median(self.cycles)


@dataclass
class WinRate:
    first_day: datetime.date
    last_day: datetime.date
    group_by: str
    rows: list[WinRateRow]
    total: WinRateRow


@dataclass(slots=True)  # not frozen: a frozen init costs 8× (2,000 per year of a team)
class ClosedDeal:
    deal_id: int
    won: bool
    closed_at: datetime.datetime
    amount: int
    owner_id: int
    owner_name: str
    team_id: int | None
    team_name: str
    segment_id: int | None
    segment_name: str
    loss_reason_id: int | None
    cycle_days: float


def closed_in(queryset: QuerySet[Deal], start: datetime.datetime, end: datetime.datetime) -> QuerySet[Deal]:
    """The (not archived) deals of ``queryset`` closed inside ``[start, end)``: the one rule of
    ``deals.history``, which the deal list's ``closed_from``/``closed_to`` filters read too."""
    return queryset.filter(history.counted_closed_q(start, end))


#: What a closed deal's row reads only for the grouping that shows it: the customer's segment was a
#: join to 2,000 customers of a team's year (a third of the query on PostgreSQL) for one grouping of six.
GROUP_COLUMNS = {
    "owner": ("owner__display_name", "owner__username"),
    "team": ("owner__team_id", "owner__team__name"),
    "segment": ("customer__segment_id", "customer__segment__name"),
}


def closed_deals(
    queryset: QuerySet[Deal],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    group_by: str | None = None,
) -> list[ClosedDeal]:
    """The deals closed inside ``[start, end)`` (``closed_in``) as rows; the owner's name, the team and
    the segment only for ``group_by`` (all of them when None), else None."""
    # Seconds from the period's start rather than the timestamp: reading and converting 2,000 timestamps
    # was a tenth of the win rate (rounded to the millisecond: SQLite's julianday is exact to tens of µs).
    grouped = [
        column
        for key, columns in GROUP_COLUMNS.items()
        if group_by is None or group_by == key
        for column in columns
    ]
    rows = (
        closed_in(queryset, start, end)
        .annotate(
            since=Seconds("closed_at", Value(start, output_field=DateTimeField())),
            cycle=Seconds("closed_at", history.first_change_at()),
        )
        .order_by("pk")
        .values_list("pk", "stage__kind", "since", "amount", "owner_id", "loss_reason_id", "cycle", *grouped)
    )
    fetched = raw_rows(rows)  # as the funnel's changes: Django's per-row converters were a tenth of it
    at = {column: index for index, column in enumerate(grouped, start=7)}
    display, username, team, team_name, segment, segment_name = (
        at.get(column)
        for column in (*GROUP_COLUMNS["owner"], *GROUP_COLUMNS["team"], *GROUP_COLUMNS["segment"])
    )
    return [
        ClosedDeal(
            deal_id=row[0],
            won=row[1] == Stage.Kind.WON,
            closed_at=start + datetime.timedelta(seconds=round(row[2], 3)),
            amount=int(row[3]),
            owner_id=row[4],
            owner_name=(row[display] or row[username])
            if display is not None and username is not None
            else "",
            team_id=row[team] if team is not None else None,
            team_name=(row[team_name] or "") if team_name is not None else "",
            segment_id=row[segment] if segment is not None else None,
            segment_name=(row[segment_name] or "") if segment_name is not None else "",
            loss_reason_id=row[5],
            cycle_days=max(0.0, _days(row[6])) if row[6] is not None else 0.0,
        )
        for row in fetched
        if row[2] is not None  # always: the rule compares the close date with the period
    ]


def size_band(amount: int) -> tuple[str, str]:
    lower = 0
    for key, upper in SIZE_BANDS:
        if upper is None or amount < upper:
            if upper is None:
                return key, _("%(low)s or more") % {"low": f"¥{lower:,}"}
            return key, f"¥{lower:,} – ¥{upper - 1:,}"
        lower = upper
    raise AssertionError("unreachable")


GROUPS = ("owner", "team", "segment", "month", "size", "loss_reason")


def win_rate(
    queryset: QuerySet[Deal],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    group_by: str = "owner",
    zone: zoneinfo.ZoneInfo | None = None,
    closed: list[ClosedDeal] | None = None,
) -> WinRate:
    """Won and lost deals closed in ``first_day`` … ``last_day`` (local days, team time zone), in rows
    of ``group_by`` (owner, team, segment, month of the close, deal-size band, loss reason; rows in
    that order: by label, month or band) and in total. With ``loss_reason`` only lost deals have a key."""
    zone = zone or period_zone()
    start, end = day_bounds(first_day, last_day, zone)
    deals = closed_deals(queryset, start, end, group_by=group_by) if closed is None else closed
    reasons = (
        {reason.pk: reason.name for reason in LossReason.objects.all()} if group_by == "loss_reason" else {}
    )
    rows: dict[str, WinRateRow] = {}
    order: dict[str, Any] = {}
    total = WinRateRow(key="total", label=_("Total"))
    sort: Any
    for deal in deals:
        if group_by == "owner":
            key, label, sort = str(deal.owner_id), deal.owner_name, (deal.owner_name, deal.owner_id)
        elif group_by == "team":
            key, label = (str(deal.team_id) if deal.team_id else "none"), (deal.team_name or _("No team"))
            sort = (deal.team_id is None, label)
        elif group_by == "segment":
            key = str(deal.segment_id) if deal.segment_id else "none"
            label = deal.segment_name or _("No segment")
            sort = (deal.segment_id is None, label)
        elif group_by == "month":
            local = deal.closed_at.astimezone(zone).date()
            key = label = f"{local.year:04d}-{local.month:02d}"
            sort = key
        elif group_by == "size":
            key, label = size_band(deal.amount)
            sort = [band for band, _upper in SIZE_BANDS].index(key)
        else:  # loss_reason
            if deal.won:
                key, label, sort = "won", _("Won"), (0, 0)
            elif deal.loss_reason_id is None:
                key, label, sort = "none", _("No reason given"), (2, 0)
            else:
                key, label = str(deal.loss_reason_id), reasons.get(deal.loss_reason_id, "")
                sort = (1, deal.loss_reason_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = WinRateRow(key=key, label=label)
            order[key] = sort
        for target in (row, total):
            if deal.won:
                target.won += 1
                target.won_amount += deal.amount
            else:
                target.lost += 1
                target.lost_amount += deal.amount
            target.cycles.append(deal.cycle_days)
    ordered = sorted(rows.values(), key=lambda r: order[r.key])
    return WinRate(first_day=first_day, last_day=last_day, group_by=group_by, rows=ordered, total=total)


# --- Loss reasons -------------------------------------------------------------------------------------


@dataclass
class LossReasonRow:
    reason: LossReason
    count: int
    amount: int


def loss_reasons(
    queryset: QuerySet[Deal],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    zone: zoneinfo.ZoneInfo | None = None,
    closed: list[ClosedDeal] | None = None,
) -> list[LossReasonRow]:
    """Deals lost in the period (as the win rate counts them) per loss reason: count and amount, most
    frequent first."""
    start, end = day_bounds(first_day, last_day, zone)
    counts: dict[int, LossReasonRow] = {}
    reasons = {reason.pk: reason for reason in LossReason.objects.all()}
    for deal in closed_deals(queryset, start, end, group_by="loss_reason") if closed is None else closed:
        if deal.won or deal.loss_reason_id is None:
            continue
        row = counts.setdefault(
            deal.loss_reason_id, LossReasonRow(reason=reasons[deal.loss_reason_id], count=0, amount=0)
        )
        row.count += 1
        row.amount += deal.amount
    return sorted(counts.values(), key=lambda r: (-r.count, r.reason.order, r.reason.pk))


def lost_deals(
    queryset: QuerySet[Deal],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    zone: zoneinfo.ZoneInfo | None = None,
) -> QuerySet[Deal]:
    """The deals lost in the period with their notes (the know-how list), most recent close first."""
    start, end = day_bounds(first_day, last_day, zone)
    return (
        closed_in(queryset, start, end)
        .filter(stage__kind=Stage.Kind.LOST)
        .select_related("customer", "owner", "loss_reason", "stage")
        .order_by("-closed_at", "-id")
    )


def latest_lost(closed: Iterable[ClosedDeal], limit: int) -> QuerySet[Deal]:
    """The first ``limit`` deals of ``lost_deals``, picked from the period's closed deals already read
    (``closed_deals``) instead of running the rule again: the lost ones, most recent close first (then
    the higher id), read with what the know-how list shows."""
    lost = (deal for deal in closed if not deal.won)
    latest = heapq.nlargest(limit, lost, key=lambda deal: (deal.closed_at, deal.deal_id))
    ids = [deal.deal_id for deal in latest]
    return (
        Deal.objects.filter(pk__in=ids)
        .select_related("customer", "loss_reason")
        .only(*LOSS_NOTE_FIELDS)
        .order_by("-closed_at", "-id")
    )


#: What a loss note shows of its deal (``web.pipeline_card.loss_notes``): whole rows of a hundred deals
#: with their customer, owner and stage were a thousand timestamps parsed for the page.
LOSS_NOTE_FIELDS = (
    "pk",
    "title",
    "amount",
    "loss_note",
    "closed_at",
    "customer__name",
    "customer__is_key",
    "loss_reason__name_ja",
    "loss_reason__name_en",
)


# --- Funnel -------------------------------------------------------------------------------------------


@dataclass
class FunnelStage:
    stage: Stage
    entered: int = 0
    moved_forward: int = 0
    lost: int = 0
    moved_back: int = 0
    still_there: int = 0
    seconds: list[float] = field(default_factory=list, repr=False)  # spent, per entry that left the stage

    @property
    def conversion(self) -> float | None:
        return _rate(self.moved_forward, self.entered)

    @property
    def median_days(self) -> float | None:
        return median_days_of(self.seconds)


@dataclass
class Funnel:
    first_day: datetime.date
    last_day: datetime.date
    stages: list[FunnelStage]


def funnel(
    queryset: QuerySet[Deal],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    zone: zoneinfo.ZoneInfo | None = None,
    owners: list[int] | None = None,
) -> Funnel:
    """Per open stage, the deals that entered it in the period and what they did next (see the module
    docstring; ``deals.history.stage_entry_outcomes``, the rule the deal list's ``entered_stage`` filter
    reads as ``stage_entries``). ``owners``: owners holding every deal of ``queryset`` when the filter
    knows them (``TeamScope.owner_ids``): the period's changes are then read through their owner's index."""
    start, end = day_bounds(first_day, last_day, zone)
    stages = open_stages()
    by_id = {stage.pk: FunnelStage(stage=stage) for stage in stages}
    all_stages = {stage.pk: stage for stage in Stage.objects.all()}
    # counted per (stage, next stage), classified once per pair: ~16,000 entries, a few dozen pairs
    pairs: dict[tuple[int, int | None], int] = defaultdict(int)
    entries = history.stage_entry_outcomes(queryset, start, end, list(by_id), owners=owners)
    for stage_id, next_stage_id, spent in entries:
        pairs[stage_id, next_stage_id] += 1
        if spent is not None:
            by_id[stage_id].seconds.append(spent)
    for (stage_id, next_stage_id), count in pairs.items():
        row = by_id[stage_id]
        row.entered += count
        following = all_stages.get(next_stage_id) if next_stage_id is not None else None
        outcome = history.outcome_of(row.stage, following)
        if outcome == "still":
            row.still_there += count
        elif outcome == "lost":
            row.lost += count
        elif outcome == "forward":
            row.moved_forward += count
        else:
            row.moved_back += count
    return Funnel(first_day=first_day, last_day=last_day, stages=[by_id[stage.pk] for stage in stages])


# --- Forecast -----------------------------------------------------------------------------------------


@dataclass
class Forecast:
    period: FiscalPeriod
    won: int
    won_count: int
    weighted_pipeline: int
    pipeline_amount: int
    pipeline_count: int
    commit: int
    commit_count: int
    commit_probability: int

    @property
    def forecast(self) -> int:
        return self.won + self.weighted_pipeline


def forecast_period(
    key: str | None, today: datetime.date | None = None, zone: zoneinfo.ZoneInfo | None = None
) -> FiscalPeriod:
    """A fiscal month (``2026-04``) or quarter (``2026-Q1``), or this month (in ``zone``, the team's);
    other keys are refused."""
    if not key:
        return month_period(today or timezone.now().astimezone(zone or period_zone()).date())
    if key in {"month", "quarter"}:
        day = today or timezone.now().astimezone(zone or period_zone()).date()
        return period_containing(day, "month" if key == "month" else "quarter")
    period = parse_period(key)
    if period.kind not in {"month", "quarter"}:
        raise ValueError(key)
    return period


def forecast(
    queryset: QuerySet[Deal], *, period: FiscalPeriod, zone: zoneinfo.ZoneInfo | None = None
) -> Forecast:
    """Won so far and the open pipeline expected to close in ``period`` (see the module docstring)."""
    start, end = period.bounds(zone or period_zone())
    won_row = (
        queryset.filter(history.won_q(start, end)).order_by().aggregate(n=Count("id"), total=Sum("amount"))
    )
    threshold = commit_probability()
    expected = open_deals(queryset).filter(
        expected_close_date__gte=period.first_day, expected_close_date__lte=period.last_day
    )
    row = expected.order_by().aggregate(
        n=Count("id"),
        total=Sum("amount"),
        weighted=Sum(F("amount") * F("stage__probability"), output_field=BigIntegerField()),
        commit_n=Count("id", filter=Q(stage__probability__gte=threshold)),
        commit=Coalesce(
            Sum("amount", filter=Q(stage__probability__gte=threshold)),
            Value(0),
            output_field=BigIntegerField(),
        ),
    )
    return Forecast(
        period=period,
        won=int(won_row["total"] or 0),
        won_count=int(won_row["n"] or 0),
        weighted_pipeline=int(row["weighted"] or 0) // 100,
        pipeline_amount=int(row["total"] or 0),
        pipeline_count=int(row["n"] or 0),
        commit=int(row["commit"] or 0),
        commit_count=int(row["commit_n"] or 0),
        commit_probability=threshold,
    )


# --- Entry points with a user and the filters (the pages and the API share them) -------------------------


def visible_deals(*, user: Any) -> QuerySet[Deal]:
    return Deal.objects.visible_to(user)


def pipeline_deals(*, user: Any, filters: Any) -> QuerySet[Deal]:
    """The deals a ``PipelineFilter`` selects (open or not; the figures narrow to open ones)."""
    return filters.filter(visible_deals(user=user))


def pipeline_zone(*, user: Any, filters: Any) -> zoneinfo.ZoneInfo:
    """The time zone of a pipeline query's periods (``users.zones.query_zone``): the filtered team's,
    else the filtered owner's team's, else the site's; the deal list's period filters read the same."""
    return query_zone(team_id=getattr(filters, "team", None), owner_id=getattr(filters, "owner", None))


def period_deals(
    *, user: Any, filters: Any, zone: zoneinfo.ZoneInfo | None = None
) -> tuple[QuerySet[Deal], datetime.date, datetime.date]:
    """The deals a ``PipelinePeriodFilter`` selects and its period (default: the last twelve months);
    a reversed range is swapped."""
    first_default, last_default = default_range(zone=zone)
    first_day = filters.from_ or first_default
    last_day = filters.to or (last_default if filters.from_ is None else max(last_default, first_day))
    if first_day > last_day:
        first_day, last_day = last_day, first_day
    return filters.filter(visible_deals(user=user)), first_day, last_day
