"""REST API for the insights, under ``/api/v1/insights/``. Read-only: everyone signed in reads them.

Thin: the FilterSchemas parse and validate the query (422 with field messages), a selector computes,
and the response schemas (``insights.schemas``) read the selector's dataclasses as they are.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from totonou.core.api import PageQuery, api_user, paginate
from totonou.core.csv import csv_response
from totonou.insights.exports import uncontacted_header, uncontacted_rows
from totonou.insights.filters import (
    AttainmentFilter,
    CoverageFilter,
    ForecastFilter,
    PipelineFilter,
    PipelinePeriodFilter,
    PlanVsActualFilter,
    StrategyAlignmentFilter,
    UncontactedFilter,
    WinRateFilter,
)
from totonou.insights.schemas import (
    AttainmentOut,
    CoverageOut,
    ForecastOut,
    FunnelOut,
    PipelineOut,
    PlanVsActualOut,
    StagnationOut,
    StrategyAlignmentOut,
    UncontactedOut,
    WinRateOut,
)
from totonou.insights.selectors import pipeline as pipeline_selectors
from totonou.insights.selectors.attainment import attainment
from totonou.insights.selectors.coverage import Coverage, key_customer_coverage
from totonou.insights.selectors.periods import local_today, user_zone
from totonou.insights.selectors.plan_vs_actual import PlanVsActual, plan_vs_actual
from totonou.insights.selectors.strategy_alignment import StrategyAlignment, strategy_alignment
from totonou.insights.selectors.uncontacted import uncontacted_customers

router = Router(tags=["insights"])


# --- Uncontacted ------------------------------------------------------------------------------------


@router.get("/insights/uncontacted", response=UncontactedOut, url_name="insights_uncontacted")
def uncontacted(
    request: HttpRequest, filters: Query[UncontactedFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """Customers with no real contact for their threshold (or ``days``), grouped by segment, longest
    without contact first; those with a planned contact ahead are flagged and counted apart."""
    result = uncontacted_customers(user=api_user(request), filters=filters)
    page = paginate(request, cast(Any, result.rows), pagination)
    return {
        "as_of": result.as_of,
        "today": result.today,
        "days": result.days,
        "groups": result.groups,
        "totals": result.totals,
        **page,
    }


@router.get("/insights/uncontacted.csv", url_name="insights_uncontacted_csv")
def uncontacted_csv(request: HttpRequest, filters: Query[UncontactedFilter]) -> StreamingHttpResponse:
    """The whole uncontacted list (same filters, no paging) as CSV, UTF-8 with BOM for Excel."""
    user = api_user(request)
    today = local_today(user_zone(user))
    rows = uncontacted_rows(user=user, filters=filters)
    return csv_response(f"uncontacted-{today.isoformat()}.csv", uncontacted_header(), rows)


# --- Coverage ---------------------------------------------------------------------------------------


@router.get("/insights/coverage", response=CoverageOut, url_name="insights_coverage")
def coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> Coverage:
    """Key-customer coverage per member and month, for the last ``months`` months."""
    return key_customer_coverage(user=api_user(request), filters=filters)


# --- Plan vs actual ---------------------------------------------------------------------------------


@router.get("/insights/plan-vs-actual", response=PlanVsActualOut, url_name="insights_plan_vs_actual")
def plan_vs_actual_view(request: HttpRequest, filters: Query[PlanVsActualFilter]) -> PlanVsActual:
    """Plans and results per member and week or month, in total and per activity type."""
    return plan_vs_actual(user=api_user(request), filters=filters)


# --- Strategy alignment -----------------------------------------------------------------------------


@router.get(
    "/insights/strategy-alignment", response=StrategyAlignmentOut, url_name="insights_strategy_alignment"
)
def strategy_alignment_view(
    request: HttpRequest, filters: Query[StrategyAlignmentFilter]
) -> StrategyAlignment:
    """Per member and week: the share of customer-facing activities that follow the strategy, on or off
    track against its target share, and the deals from matching and other customers."""
    return strategy_alignment(user=api_user(request), filters=filters)


# --- Targets: attainment ------------------------------------------------------------------------------


@router.get("/insights/attainment", response=AttainmentOut, url_name="insights_attainment")
def attainment_view(request: HttpRequest, filters: Query[AttainmentFilter]) -> dict[str, Any]:
    """Targets against actuals for a fiscal period: per member (those the caller may see) and the team
    total, or for one user: target, actual, attainment, gap, pace, forecast and status per metric."""
    result = attainment(user=api_user(request), filters=filters)
    period, table = result.period, result.table
    start, end = period.bounds(table.zone)
    first = table.rows[0].cells[0] if table.rows else None
    return {
        "as_of": table.as_of,
        "today": table.today,
        "period": {
            "key": period.key,
            "kind": period.kind,
            "label": period.label,
            "fiscal_year": period.fiscal_year,
            "first_day": period.first_day,
            "last_day": period.last_day,
            "start": start,
            "end": end,
            "working_days": first.working_days if first else 0,
            "elapsed_working_days": first.elapsed_working_days if first else 0,
        },
        "rows": [
            {
                "metric": row.metric,
                "user": row.user,  # MemberOut reads the User
                "team": row.team,  # MemberOut reads the Team (its name)
                "target": row.total.target,
                "target_source": row.total.target_source,
                "actual": row.total.actual,
                "attainment": row.total.attainment,
                "gap": row.total.gap,
                "pace": row.total.pace,
                "forecast": row.total.forecast,
                "status": row.total.status,
            }
            for row in table.rows
        ],
    }


# --- Pipeline -----------------------------------------------------------------------------------------


@router.get("/insights/pipeline", response=PipelineOut, url_name="insights_pipeline")
def pipeline_view(request: HttpRequest, filters: Query[PipelineFilter]) -> pipeline_selectors.Pipeline:
    """Per open stage: how many open deals, their amount, weighted amount (amount × stage probability,
    rounded down) and how many are stalled."""
    deals = pipeline_selectors.pipeline_deals(user=api_user(request), filters=filters)
    return pipeline_selectors.pipeline(deals)


@router.get("/insights/stagnation", response=StagnationOut, url_name="insights_stagnation")
def stagnation_view(
    request: HttpRequest, filters: Query[PipelineFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """The stalled deals (by stage order, owner, longest in stage first), each with its ``reason``:
    ``in_stage`` (longer in the stage than its stalled-after days) or ``no_activity``."""
    now = timezone.now()
    deals = pipeline_selectors.pipeline_deals(user=api_user(request), filters=filters)
    stalled = pipeline_selectors.stalled_deals(deals, now=now).select_related("customer")
    page = paginate(request, stalled, pagination)
    for deal in page["results"]:
        deal.as_of = now
    return {"as_of": now, "count": pipeline_selectors.stalled_count(deals, now=now), **page}


@router.get("/insights/win-rate", response=WinRateOut, url_name="insights_win_rate")
def win_rate_view(request: HttpRequest, filters: Query[WinRateFilter]) -> pipeline_selectors.WinRate:
    """Won ÷ (won + lost) of the deals closed in ``from`` … ``to`` (their close date in the team's time
    zone), in rows of ``group_by`` and in ``total``, with the won amount and the median sales cycle."""
    user = api_user(request)
    zone = pipeline_selectors.pipeline_zone(user=user, filters=filters)
    deals, first_day, last_day = pipeline_selectors.period_deals(user=user, filters=filters, zone=zone)
    return pipeline_selectors.win_rate(
        deals, first_day=first_day, last_day=last_day, group_by=filters.group_by, zone=zone
    )


@router.get("/insights/funnel", response=FunnelOut, url_name="insights_funnel")
def funnel_view(request: HttpRequest, filters: Query[PipelinePeriodFilter]) -> pipeline_selectors.Funnel:
    """Per open stage: the entries in ``from`` … ``to`` and what became of them (moved forward, lost,
    moved back, still there), the conversion to a later stage and the median days spent."""
    user = api_user(request)
    zone = pipeline_selectors.pipeline_zone(user=user, filters=filters)
    deals, first_day, last_day = pipeline_selectors.period_deals(user=user, filters=filters, zone=zone)
    return pipeline_selectors.funnel(
        deals, first_day=first_day, last_day=last_day, zone=zone, owners=filters.owner_ids()
    )


@router.get("/insights/forecast", response=ForecastOut, url_name="insights_forecast")
def forecast_view(request: HttpRequest, filters: Query[ForecastFilter]) -> pipeline_selectors.Forecast:
    """For a fiscal month or quarter: won so far, the weighted open pipeline expected to close in it,
    the commit part and the forecast (won + weighted pipeline)."""
    user = api_user(request)
    zone = pipeline_selectors.pipeline_zone(user=user, filters=filters)
    try:
        period = pipeline_selectors.forecast_period(filters.period, zone=zone)
    except (ValueError, ValidationError):
        raise ValidationError(
            {"period": [_("Give a fiscal month (2026-04) or quarter (2026-Q1).")]}
        ) from None
    deals = filters.filter(pipeline_selectors.visible_deals(user=user))
    return pipeline_selectors.forecast(deals, period=period, zone=zone)
