"""Filters for the strategy list, shared by the UI and the API."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from totonou.core.api import Id
from totonou.core.bounds import BoundedDate


class StrategyFilter(FilterSchema):
    q: str | None = None
    team: Annotated[Id | None, FilterLookup("team_id")] = None
    segment: Annotated[Id | None, FilterLookup("segments__id")] = None
    active_on: BoundedDate | None = None

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__icontains=value) | Q(hypothesis__icontains=value)

    def filter_active_on(self, value: datetime.date | None) -> Q:
        """Strategies whose period contains the day."""
        return Q(starts_on__lte=value, ends_on__gte=value) if value is not None else Q()
