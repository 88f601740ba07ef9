"""Filters for deal lists, shared by the UI and the API."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Q, Subquery
from django.db.models.lookups import In
from ninja import Field, FilterLookup, FilterSchema

from totonou.core.filters import NotAnIndex

DealSort = Literal["recent", "amount", "expected_close", "days_in_stage", "last_activity"]


class DealFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup("title__icontains")] = None
    customer: Annotated[int | None, FilterLookup("customer_id")] = None
    contact: Annotated[int | None, FilterLookup("contact_id")] = None
    owner: Annotated[int | None, FilterLookup("owner_id")] = None
    team: Annotated[int | None, FilterLookup("owner__team_id")] = None
    stage: Annotated[int | None, FilterLookup("stage_id")] = None
    kind: Literal["open", "won", "lost"] | None = None
    external_id: Annotated[str | None, FilterLookup("external_id")] = None
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
        """Deals in a stage of this kind. The stages are few: their ids are compared as ``+stage_id``
        so that the list is read through the index of its sort (and of its owner), never through the
        stage index with every deal of the kind sorted (``core.filters.NotAnIndex``)."""
        if not value:
            return Q()
        from totonou.deals.models import Stage

        stages = Stage.objects.filter(kind=value).order_by().values("pk")
        return Q(In(NotAnIndex("stage_id"), Subquery(stages)))

    def filter_q(self, value: str | None) -> Q:
        return Q(title__icontains=value) if value else Q()

    def filter_external_id(self, value: str | None) -> Q:
        return Q(external_id=value) if value else Q()

    def filter_archived(self, value: bool | None) -> Q:
        """True: only archived deals. Leaving archived ones out otherwise is the selector's default."""
        return Q(archived_at__isnull=False) if value else Q()

    def filter_sort(self, value: str | None) -> Q:
        return Q()  # an order, applied by the selector
