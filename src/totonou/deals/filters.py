"""Filters for deal lists, shared by the UI and the API."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Q
from ninja import FilterLookup, FilterSchema


class DealFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup("title__icontains")] = None
    customer: Annotated[int | None, FilterLookup("customer_id")] = None
    owner: Annotated[int | None, FilterLookup("owner_id")] = None
    team: Annotated[int | None, FilterLookup("owner__team_id")] = None
    stage: Annotated[int | None, FilterLookup("stage_id")] = None
    kind: Annotated[Literal["open", "won", "lost"] | None, FilterLookup("stage__kind")] = None

    def filter_q(self, value: str | None) -> Q:
        return Q(title__icontains=value) if value else Q()
