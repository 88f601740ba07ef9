"""Filters for deal lists, shared by the UI and the API."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema

from totonou.core.api import Id

DealSort = Literal["recent", "amount", "expected_close", "days_in_stage", "last_activity"]


class DealFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup("title__icontains")] = None
    customer: Annotated[Id | None, FilterLookup("customer_id")] = None
    contact: Annotated[Id | None, FilterLookup("contact_id")] = None
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    stage: Annotated[Id | None, FilterLookup("stage_id")] = None
    kind: Annotated[Literal["open", "won", "lost"] | None, FilterLookup("stage__kind")] = None
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

    def filter_q(self, value: str | None) -> Q:
        return Q(title__icontains=value) if value else Q()

    def filter_external_id(self, value: str | None) -> Q:
        return Q(external_id=value) if value else Q()

    def filter_archived(self, value: bool | None) -> Q:
        """True: only archived deals. Leaving archived ones out otherwise is the selector's default."""
        return Q(archived_at__isnull=False) if value else Q()

    def filter_sort(self, value: str | None) -> Q:
        return Q()  # an order, applied by the selector
