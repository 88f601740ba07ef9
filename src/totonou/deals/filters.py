"""Filters for deal lists, shared by the UI and the API.

Besides the plain fields, the list selects exactly the deals behind each pipeline figure (every number
of Insights → Pipeline links to such a list): closed in a period (``closed_from``/``closed_to``), the
deals that entered a stage in a period and what happened next (``entered_stage``, ``entered_from``,
``entered_to``, ``outcome``), a loss reason, a deal-size band, an expected close range and a lowest
stage probability. The rules are those of ``deals.history`` (one place for the figures and the list),
the periods' days in the time zone of the filtered team or owner (``users.zones.query_zone``), as in the
analytics.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q, Subquery
from django.db.models.lookups import In, IsNull
from ninja import Field, FilterLookup, FilterSchema

from totonou.core.api import Id
from totonou.core.bounds import BoundedDate
from totonou.core.filters import NotAnIndex
from totonou.deals import history
from totonou.users.zones import query_zone

DealSort = Literal["recent", "amount", "expected_close", "days_in_stage", "last_activity"]


class DealFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup("title__icontains")] = None
    customer: Annotated[Id | None, FilterLookup("customer_id")] = None
    contact: Annotated[Id | None, FilterLookup("contact_id")] = None
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[
        Id | Literal["none"] | None, Field(description="A team's id, or none: owners without a team.")
    ] = None
    segment: Annotated[
        Id | Literal["none"] | None, Field(description="The customer's segment id, or none: no segment.")
    ] = None
    stage: Annotated[Id | None, FilterLookup("stage_id")] = None
    kind: Literal["open", "won", "lost"] | None = None
    external_id: Annotated[str | None, FilterLookup("external_id")] = None
    loss_reason: Annotated[
        Id | Literal["none"] | None,
        Field(description="Lost deals with this loss reason (its id), or none: lost without one."),
    ] = None
    size: Annotated[
        history.SizeBand | None,
        Field(description="Amount band: lt_1m (< 1,000,000), 1m_5m, 5m_10m, gte_10m (≥ 10,000,000)."),
    ] = None
    close_from: Annotated[
        BoundedDate | None,
        FilterLookup("expected_close_date__gte"),
        Field(description="Expected close on or after this day."),
    ] = None
    close_to: Annotated[
        BoundedDate | None,
        FilterLookup("expected_close_date__lte"),
        Field(description="Expected close on or before this day."),
    ] = None
    min_probability: Annotated[
        int | None,
        FilterLookup("stage__probability__gte"),
        Field(ge=0, le=100, description="Stage probability at least this (percent)."),
    ] = None
    closed_from: Annotated[
        BoundedDate | None,
        Field(description="Closed (in a won or lost stage) with its close date on or after this local day."),
    ] = None
    closed_to: Annotated[
        BoundedDate | None,
        Field(description="Closed (in a won or lost stage) with its close date on or before this local day."),
    ] = None
    entered_stage: Annotated[
        Id | None,
        Field(description="Deals that entered this stage (between entered_from and entered_to)."),
    ] = None
    entered_from: Annotated[BoundedDate | None, Field(description="With entered_stage: the first day.")] = (
        None
    )
    entered_to: Annotated[BoundedDate | None, Field(description="With entered_stage: the last day.")] = None
    outcome: Annotated[
        history.Outcome | None,
        Field(
            description="With entered_stage: what the deal did next after its last entry in the period "
            "(forward, lost, back, still there, or left: any of the first three)."
        ),
    ] = None
    archived: Annotated[
        bool | None,
        Field(description="Archived deals are left out unless true (then only they are listed)."),
    ] = None
    sort: Annotated[
        DealSort | None,
        Field(
            description="recent (the default): most recently changed first; amount: largest first; "
            "expected_close: soonest first (none last); days_in_stage: longest in its stage first; "
            "last_activity: longest without a done activity first (none first)."
        ),
    ] = None

    def filter_kind(self, value: str | None) -> Q:
        """Deals in a stage of this kind. Open: the deals without a close (``closed_at``, ADR 0043), which
        the partial indexes of the list's sorts hold in order whatever the statistics say. Won or lost:
        the stages are few; their ids are compared as ``+stage_id`` so that the list is read through the
        index of its sort (and of its owner), never through the stage index with every deal of the kind
        sorted (``core.filters.NotAnIndex``)."""
        if not value:
            return Q()
        from totonou.deals.models import Stage

        if value == Stage.Kind.OPEN:
            # ``+closed_at`` on SQLite: with statistics it read the open deals through the close date of
            # ``deal_owner_stage_idx`` (a skip scan) and sorted them; PostgreSQL gets the bare column.
            return Q(IsNull(NotAnIndex("closed_at"), True))

        stages = Stage.objects.filter(kind=value).order_by().values("pk")
        return Q(In(NotAnIndex("stage_id"), Subquery(stages)))

    def filter_team(self, value: int | str | None) -> Q:
        if value is None:
            return Q()
        return Q(owner__team__isnull=True) if value == "none" else Q(owner__team_id=value)

    def filter_segment(self, value: int | str | None) -> Q:
        if value is None:
            return Q()
        return Q(customer__segment__isnull=True) if value == "none" else Q(customer__segment_id=value)

    def filter_loss_reason(self, value: int | str | None) -> Q:
        if value is None:
            return Q()
        if value == "none":
            return Q(stage__kind="lost", loss_reason__isnull=True)
        return Q(stage__kind="lost", loss_reason_id=value)

    def filter_size(self, value: str | None) -> Q:
        return history.size_band_q(value) if value else Q()

    def _zone(self) -> Any:
        return query_zone(team_id=self.team, owner_id=self.owner)

    def _closed_q(self) -> Q:
        start, end = history.day_bounds(self.closed_from, self.closed_to, self._zone())
        return history.closed_q(start, end)

    def filter_closed_from(self, value: datetime.date | None) -> Q:
        return self._closed_q() if value is not None else Q()

    def filter_closed_to(self, value: datetime.date | None) -> Q:
        # with closed_from, read there (once)
        return self._closed_q() if value is not None and self.closed_from is None else Q()

    def filter_entered_stage(self, value: int | None) -> Q:
        if value is None:
            return Q()
        start, end = history.day_bounds(self.entered_from, self.entered_to, self._zone())
        entries = history.stage_entries(None, start, end, [value])
        if self.outcome:
            entries = entries.filter(history.outcome_q(self.outcome))
        return Q(history.of_each_deal(entries))

    def filter_entered_from(self, value: datetime.date | None) -> Q:
        return Q()  # read with entered_stage

    def filter_entered_to(self, value: datetime.date | None) -> Q:
        return Q()  # read with entered_stage

    def filter_outcome(self, value: str | None) -> Q:
        return Q()  # read with entered_stage

    def filter_q(self, value: str | None) -> Q:
        return Q(title__icontains=value) if value else Q()

    def filter_external_id(self, value: str | None) -> Q:
        return Q(external_id=value) if value else Q()

    def filter_archived(self, value: bool | None) -> Q:
        """True: only archived deals. Leaving archived ones out otherwise is the selector's default."""
        return Q(archived_at__isnull=False) if value else Q()

    def filter_sort(self, value: str | None) -> Q:
        return Q()  # an order, applied by the selector
