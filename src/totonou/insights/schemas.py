"""API shapes for the insights. Rates are shares from 0 to 1 (None when there is nothing to divide);
periods are named by ``key`` ("2026-04" for a month, the first day "2026-03-30" for a week).

The schemas read the selectors' dataclasses directly (ninja validates from attributes): a field
whose value sits deeper names its path (``validation_alias=AliasPath("period", "key")``), and the few
computed ones have a ``resolve_`` method. The endpoints return the selector's result as it is."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import AliasPath

from totonou.core.api import ApiDateTime
from totonou.core.links import web_url
from totonou.strategy.schemas import StrategyOut


def _path(*names: str) -> Any:
    """A field read from an attribute of an attribute: ``period: str = _path("period", "key")``."""
    return Field(validation_alias=AliasPath(*names))


class PeriodOut(Schema):
    key: str
    first_day: datetime.date
    last_day: datetime.date
    start: ApiDateTime
    end: ApiDateTime


class MemberOut(Schema):  # read from a User
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


# --- Uncontacted ------------------------------------------------------------------------------------


class UncontactedCountsOut(Schema):
    uncontacted: int
    never_contacted: int
    planned: int
    unplanned: int
    key: int


class UncontactedGroupOut(UncontactedCountsOut):
    segment: int | None = Field(validation_alias="segment_id")
    name: str
    color: str
    cadence_days: int | None
    key_cadence_days: int | None


class UncontactedRowOut(Schema):
    customer: int = _path("customer", "pk")
    name: str = _path("customer", "name")
    name_kana: str = _path("customer", "name_kana")
    segment: int | None = _path("customer", "segment_id")
    owner: int = _path("customer", "owner_id")
    is_key: bool = _path("customer", "is_key")
    threshold_days: int
    days_since_contact: int | None
    last_contact_at: ApiDateTime | None
    last_contact_by: int | None = _path("customer", "last_contact_by_id")
    is_planned: bool
    next_planned_at: ApiDateTime | None
    next_planned_activity: int | None = Field(validation_alias="next_planned_activity_id")
    web_url: str

    @staticmethod
    def resolve_web_url(obj: Any) -> str:
        return web_url(obj.customer)


class UncontactedOut(Schema):
    as_of: ApiDateTime
    today: datetime.date
    days: int | None
    groups: list[UncontactedGroupOut]
    totals: UncontactedCountsOut
    results: list[UncontactedRowOut]
    page: int
    page_size: int
    has_next: bool
    next: str | None


# --- Coverage ---------------------------------------------------------------------------------------


class CoverageMonthOut(Schema):
    period: str = _path("period", "key")
    key_customers: int
    touches: int
    touches_per_key_customer: float | None
    key_days: int
    covered: int
    coverage_rate: float | None


class MemberCoverageOut(Schema):
    user: MemberOut
    key_customers: int
    months: list[CoverageMonthOut]


class CoverageOut(Schema):
    as_of: ApiDateTime
    periods: list[PeriodOut]
    members: list[MemberCoverageOut]
    totals: list[CoverageMonthOut]


# --- Plan vs actual ---------------------------------------------------------------------------------


class PlanNumbersOut(Schema):  # the numbers of a PlanPeriod (or of one type in it)
    planned: int = _path("numbers", "planned")
    done_as_planned: int = _path("numbers", "done_as_planned")
    done_moved: int = _path("numbers", "done_moved")
    cancelled: int = _path("numbers", "cancelled")
    overdue: int = _path("numbers", "overdue")
    upcoming: int = _path("numbers", "upcoming")
    moved: int = _path("numbers", "moved")
    unplanned: int = _path("numbers", "unplanned")
    done: int = _path("numbers", "done")
    adherence_rate: float | None = _path("numbers", "adherence_rate")


class PlanTypeOut(PlanNumbersOut):
    type: str


class PlanPeriodOut(PlanNumbersOut):
    period: str = _path("period", "key")
    by_type: list[PlanTypeOut]

    @staticmethod
    def resolve_by_type(obj: Any) -> list[dict[str, Any]]:
        """Per type, in the order of the types (``PlanPeriod.by_type`` keeps it)."""
        return [{"type": slug, "numbers": numbers} for slug, numbers in obj.by_type.items()]


class MemberPlanOut(Schema):
    user: MemberOut
    periods: list[PlanPeriodOut]


class ActivityTypeRefOut(Schema):
    slug: str
    name: str


class PlanVsActualOut(Schema):
    as_of: ApiDateTime
    granularity: str
    periods: list[PeriodOut]
    types: list[ActivityTypeRefOut]
    members: list[MemberPlanOut]
    totals: list[PlanPeriodOut]


# --- Strategy alignment -----------------------------------------------------------------------------


class AlignmentWeekOut(Schema):
    period: str = _path("period", "key")
    first_day: datetime.date = _path("period", "first_day")
    last_day: datetime.date = _path("period", "last_day")
    activities: int
    matching: int
    other: int
    share: float | None
    hours: float
    matching_hours: float
    other_hours: float
    hours_share: float | None
    on_track: bool | None
    deals_created_matching: int
    deals_created_other: int
    won_amount_matching: int
    won_amount_other: int


class MemberAlignmentOut(Schema):
    user: MemberOut
    weeks: list[AlignmentWeekOut]


class StrategyAlignmentOut(Schema):
    as_of: ApiDateTime
    strategy: StrategyOut
    target_share: int = _path("strategy", "target_share")
    periods: list[PeriodOut]
    members: list[MemberAlignmentOut]
    totals: list[AlignmentWeekOut]


# --- Targets: attainment ------------------------------------------------------------------------------


class FiscalPeriodOut(PeriodOut):
    kind: str  # month, quarter, half, year
    label: str
    fiscal_year: int
    working_days: int
    elapsed_working_days: int


class AttainmentRowOut(Schema):
    metric: str
    user: MemberOut | None  # a member's row
    team: MemberOut | None  # the team total
    target: int | None
    target_source: str | None  # period, parts (its months/quarters), members (a team's), or null
    actual: int
    attainment: float | None  # actual / target, a share
    gap: int | None  # target − actual
    pace: float | None  # where the actual should be by today
    forecast: float
    status: str | None  # achieved, on_pace, behind


class AttainmentOut(Schema):
    as_of: ApiDateTime
    today: datetime.date
    period: FiscalPeriodOut
    rows: list[AttainmentRowOut]


# --- Pipeline -----------------------------------------------------------------------------------------


class StageRefOut(Schema):  # read from a Stage
    id: int
    slug: str
    name: str
    probability: int
    stalled_after_days: int = Field(validation_alias="stagnation_days")


class PipelineStageOut(Schema):  # read from a StageColumn
    stage: StageRefOut
    count: int
    amount: int
    weighted_amount: int
    stalled: int
    web_url: str

    @staticmethod
    def resolve_web_url(obj: Any) -> str:
        return web_url(obj.stage)


class PipelineOut(Schema):
    as_of: ApiDateTime
    stages: list[PipelineStageOut]
    count: int
    amount: int
    weighted_amount: int
    stalled: int


class StalledDealOut(Schema):  # read from a Deal annotated with ``stalled_reason``
    id: int
    title: str
    customer: int = Field(validation_alias="customer_id")
    customer_name: str = _path("customer", "name")
    is_key: bool = _path("customer", "is_key")
    owner: int = Field(validation_alias="owner_id")
    stage: int = Field(validation_alias="stage_id")
    amount: int
    stage_entered_at: ApiDateTime
    days_in_stage: int
    last_activity_at: ApiDateTime | None
    reason: str = Field(validation_alias="stalled_reason")
    web_url: str

    @staticmethod
    def resolve_days_in_stage(obj: Any) -> int:
        return (obj.as_of - obj.stage_entered_at).days

    @staticmethod
    def resolve_web_url(obj: Any) -> str:
        return web_url(obj)


class StagnationOut(Schema):
    as_of: ApiDateTime
    count: int
    results: list[StalledDealOut]
    page: int
    page_size: int
    has_next: bool
    next: str | None


class WinRateRowOut(Schema):  # read from a WinRateRow
    key: str
    label: str
    won: int
    lost: int
    win_rate: float | None
    won_amount: int
    lost_amount: int
    median_cycle_days: float | None


class WinRateOut(Schema):
    first_day: datetime.date
    last_day: datetime.date
    group_by: str
    rows: list[WinRateRowOut]
    total: WinRateRowOut


class FunnelStageOut(Schema):  # read from a FunnelStage
    stage: StageRefOut
    entered: int
    moved_forward: int
    lost: int
    moved_back: int
    still_there: int
    conversion: float | None
    median_days: float | None


class FunnelOut(Schema):
    first_day: datetime.date
    last_day: datetime.date
    stages: list[FunnelStageOut]


class ForecastOut(Schema):  # read from a Forecast
    period: str = _path("period", "key")
    first_day: datetime.date = _path("period", "first_day")
    last_day: datetime.date = _path("period", "last_day")
    won: int
    won_count: int
    weighted_pipeline: int
    pipeline_amount: int
    pipeline_count: int
    commit: int
    commit_count: int
    commit_probability: int
    forecast: int
