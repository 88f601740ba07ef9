"""Filters for the insights, shared by the API and (later) the Insights page: each is a FilterSchema
whose simple fields filter a queryset and whose other fields (periods, thresholds) the selectors read."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.db.models import Q
from ninja import Field, FilterConfigDict, FilterLookup, FilterSchema

from totonou.core.api import Id
from totonou.core.bounds import MAX_DAYS, BoundedDate

#: How many weeks or months a trend may span.
MAX_PERIODS = 26


class UncontactedFilter(FilterSchema):
    """Customers without a real contact: by default each one's own threshold; ``days`` overrides them."""

    days: Annotated[int | None, Field(ge=1, le=MAX_DAYS)] = None
    segment: Annotated[Id | None, FilterLookup("segment_id")] = None
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    key_only: bool | None = None
    planned: Annotated[
        bool | None,
        Field(description="true: only customers with a planned contact ahead; false: only those without."),
    ] = None

    def filter_days(self, value: int | None) -> Q:
        return Q()  # the threshold is applied by the selector

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(is_key=True) if value else Q()

    def filter_planned(self, value: bool | None) -> Q:
        return Q()  # applied by the selector (it needs "now")


class MemberFilter(FilterSchema):
    """Whose numbers: one user (``owner``), a team's members (``team``), or every active rep and manager."""

    owner: Annotated[Id | None, FilterLookup("pk")] = None
    team: Annotated[Id | None, FilterLookup("team_id")] = None


class CoverageFilter(MemberFilter):
    month: Annotated[
        BoundedDate | None, Field(description="A day in the last month of the trend (default: today).")
    ] = None
    months: Annotated[int, Field(ge=1, le=MAX_PERIODS)] = 6

    def filter_month(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_months(self, value: int) -> Q:
        return Q()


class PlanVsActualFilter(MemberFilter):
    period: Literal["week", "month"] = "week"
    date: Annotated[BoundedDate | None, Field(description="A day in the last period (default: today).")] = (
        None
    )
    periods: Annotated[int, Field(ge=1, le=MAX_PERIODS)] = 1
    type: Annotated[str | None, Field(description="Only activities of this type (its slug).")] = None

    def filter_period(self, value: str) -> Q:
        return Q()

    def filter_date(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_periods(self, value: int) -> Q:
        return Q()

    def filter_type(self, value: str | None) -> Q:
        return Q()


class StrategyAlignmentFilter(MemberFilter):
    strategy: Id
    date: Annotated[BoundedDate | None, Field(description="A day in the last week (default: today).")] = None
    weeks: Annotated[int, Field(ge=1, le=MAX_PERIODS)] = 4

    def filter_strategy(self, value: int) -> Q:
        return Q()

    def filter_date(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_weeks(self, value: int) -> Q:
        return Q()


class AttainmentFilter(FilterSchema):
    """Attainment of targets for a fiscal period: one user's, or a team's members' and the team total
    (default: the viewer's team); ``metric`` narrows to one metric (default: all five)."""

    period: Annotated[
        str | None,
        Field(
            description="2026-04, 2026-Q1, 2026-H1 or FY2026 (fiscal quarters, halves); default: this month."
        ),
    ] = None
    team: Id | None = None
    user: Id | None = None
    metric: Literal["revenue", "won_deals", "new_deals", "activities", "key_customer_visits"] | None = None

    def filter_period(self, value: str | None) -> Q:
        return Q()

    def filter_team(self, value: int | None) -> Q:
        return Q()

    def filter_user(self, value: int | None) -> Q:
        return Q()

    def filter_metric(self, value: str | None) -> Q:
        return Q()


# --- Pipeline -----------------------------------------------------------------------------------------


class PipelineFilter(FilterSchema):
    """Which deals the pipeline figures cover (a queryset of deals): one owner, a team's members, a
    segment, key customers only and an expected close date range (inclusive)."""

    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    key_only: bool | None = None
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

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(customer__is_key=True) if value else Q()


class PipelinePeriodFilter(FilterSchema):
    """Deals of an owner, team or segment, for the analytics of a period of local days (inclusive, the
    team's time zone; default the last twelve months: the first of the month eleven months back to
    today)."""

    model_config = FilterConfigDict(populate_by_name=True)  # the page passes ``from_``

    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    from_: Annotated[BoundedDate | None, Field(alias="from", description="The first day.")] = None
    to: Annotated[BoundedDate | None, Field(description="The last day.")] = None

    def filter_from_(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_to(self, value: datetime.date | None) -> Q:
        return Q()


class WinRateFilter(PipelinePeriodFilter):
    group_by: Literal["owner", "team", "segment", "month", "size", "loss_reason"] = "owner"

    def filter_group_by(self, value: str) -> Q:
        return Q()


class ForecastFilter(FilterSchema):
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    period: Annotated[
        str | None,
        Field(
            description="A fiscal month (2026-04) or quarter (2026-Q1), or month / quarter (the current one)."
        ),
    ] = None

    def filter_period(self, value: str | None) -> Q:
        return Q()
