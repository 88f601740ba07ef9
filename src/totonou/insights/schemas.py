"""API shapes for the insights. Rates are shares from 0 to 1 (None when there is nothing to divide);
periods are named by ``key`` ("2026-04" for a month, the first day "2026-03-30" for a week)."""

from __future__ import annotations

import datetime

from ninja import Schema

from totonou.core.api import ApiDateTime
from totonou.strategy.schemas import StrategyOut


class PeriodOut(Schema):
    key: str
    first_day: datetime.date
    last_day: datetime.date
    start: ApiDateTime
    end: ApiDateTime


class MemberOut(Schema):
    id: int
    name: str


# --- Uncontacted ------------------------------------------------------------------------------------


class UncontactedCountsOut(Schema):
    uncontacted: int
    never_contacted: int
    planned: int
    unplanned: int
    key: int


class UncontactedGroupOut(UncontactedCountsOut):
    segment: int | None
    name: str
    color: str
    cadence_days: int | None
    key_cadence_days: int | None


class UncontactedRowOut(Schema):
    customer: int
    name: str
    name_kana: str
    segment: int | None
    owner: int
    is_key: bool
    threshold_days: int
    days_since_contact: int | None
    last_contact_at: ApiDateTime | None
    last_contact_by: int | None
    is_planned: bool
    next_planned_at: ApiDateTime | None
    next_planned_activity: int | None
    web_url: str


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
    period: str
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


class PlanNumbersOut(Schema):
    planned: int
    done_as_planned: int
    done_moved: int
    cancelled: int
    overdue: int
    upcoming: int
    moved: int
    unplanned: int
    done: int
    adherence_rate: float | None


class PlanTypeOut(PlanNumbersOut):
    type: str


class PlanPeriodOut(PlanNumbersOut):
    period: str
    by_type: list[PlanTypeOut]


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
    period: str
    first_day: datetime.date
    last_day: datetime.date
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
    target_share: int
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
