"""Filters for the target list, shared by the UI and the API."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from totonou.core.api import Id
from totonou.core.bounds import Year
from totonou.targets.models import Metric
from totonou.targets.periods import year_keys


class TargetFilter(FilterSchema):
    user: Annotated[Id | None, FilterLookup("user_id")] = None
    team: Annotated[Id | None, FilterLookup("team_id")] = None
    in_team: Id | None = None  # the team's own targets and its members' (the targets page's rows)
    metric: Metric | None = None
    period: str | None = None
    fiscal_year: Year | None = None

    def filter_in_team(self, value: int | None) -> Q:
        return Q(team_id=value) | Q(user__team_id=value) if value is not None else Q()

    def filter_period(self, value: str | None) -> Q:
        return Q(period=value) if value else Q()

    def filter_fiscal_year(self, value: int | None) -> Q:
        """Every target of the fiscal year: its months, quarters, halves and the year."""
        return Q(period__in=year_keys(value)) if value is not None else Q()
