"""Filters for the weekly report list, shared by the pages and the API."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from totonou.core.api import Id
from totonou.reports.models import WeeklyReport
from totonou.reports.weeks import parse_week


class WeeklyReportFilter(FilterSchema):
    user: Annotated[Id | None, FilterLookup("author_id")] = None
    team: Annotated[Id | None, FilterLookup("author__team_id")] = None
    week: str | None = None
    status: WeeklyReport.Status | None = None

    def filter_week(self, value: str | None) -> Q:
        if not value:
            return Q()
        parse_week(value)
        return Q(week=value)
