"""REST API for the insights, under ``/api/v1/insights/``. Read-only: everyone signed in reads them.

Thin: the FilterSchemas parse and validate the query (422 with field messages), a selector computes,
and the functions here only shape the selector's result into the response schema.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from totonou.core.api import PageQuery, api_user, paginate
from totonou.core.links import web_url
from totonou.insights.csv import csv_response
from totonou.insights.filters import (
    AttainmentFilter,
    CoverageFilter,
    PlanVsActualFilter,
    StrategyAlignmentFilter,
    UncontactedFilter,
)
from totonou.insights.schemas import (
    AttainmentOut,
    CoverageOut,
    PlanVsActualOut,
    StrategyAlignmentOut,
    UncontactedOut,
)
from totonou.insights.selectors.attainment import attainment
from totonou.insights.selectors.coverage import CoverageMonth, key_customer_coverage
from totonou.insights.selectors.periods import Period
from totonou.insights.selectors.plan_vs_actual import PlanNumbers, PlanPeriod, plan_vs_actual
from totonou.insights.selectors.strategy_alignment import AlignmentWeek, strategy_alignment
from totonou.insights.selectors.uncontacted import UncontactedGroup, UncontactedRow, uncontacted_customers
from totonou.users.models import User

router = Router(tags=["insights"])


def _period(period: Period) -> dict[str, Any]:
    return {
        "key": period.key,
        "first_day": period.first_day,
        "last_day": period.last_day,
        "start": period.start,
        "end": period.end,
    }


def _member(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": str(user)}


# --- Uncontacted ------------------------------------------------------------------------------------


def _counts(group: UncontactedGroup) -> dict[str, int]:
    return {
        "uncontacted": group.uncontacted,
        "never_contacted": group.never_contacted,
        "planned": group.planned,
        "unplanned": group.unplanned,
        "key": group.key,
    }


def _uncontacted_row(row: UncontactedRow) -> dict[str, Any]:
    customer = row.customer
    return {
        "customer": customer.pk,
        "name": customer.name,
        "name_kana": customer.name_kana,
        "segment": customer.segment_id,
        "owner": customer.owner_id,
        "is_key": customer.is_key,
        "threshold_days": row.threshold_days,
        "days_since_contact": row.days_since_contact,
        "last_contact_at": customer.last_contact_at,
        "last_contact_by": customer.last_contact_by_id,
        "is_planned": row.is_planned,
        "next_planned_at": row.next_planned_at,
        "next_planned_activity": row.next_planned_activity_id,
        "web_url": web_url(customer),
    }


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
        "groups": [
            {
                "segment": group.segment_id,
                "name": group.name,
                "color": group.color,
                "cadence_days": group.cadence_days,
                "key_cadence_days": group.key_cadence_days,
                **_counts(group),
            }
            for group in result.groups
        ],
        "totals": _counts(result.totals),
        **page,
        "results": [_uncontacted_row(row) for row in page["results"]],
    }


@router.get("/insights/uncontacted.csv", url_name="insights_uncontacted_csv")
def uncontacted_csv(request: HttpRequest, filters: Query[UncontactedFilter]) -> StreamingHttpResponse:
    """The whole uncontacted list (same filters, no paging) as CSV, UTF-8 with BOM for Excel."""
    result = uncontacted_customers(user=api_user(request), filters=filters)
    header = [
        _("Customer id"),
        _("Customer"),
        _("Name (kana)"),
        _("Segment"),
        _("Owner"),
        _("Key customer"),
        _("Threshold (days)"),
        _("Days since contact"),
        _("Last contact"),
        _("Last contact by"),
        _("Planned"),
        _("Next planned"),
    ]

    def local(value: Any) -> str | None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value is not None else None

    def lines() -> Any:
        yes, no = _("yes"), _("no")
        for row in result.rows:
            customer = row.customer
            yield [
                customer.pk,
                customer.name,
                customer.name_kana,
                customer.segment.name if customer.segment else "",
                str(customer.owner),
                yes if customer.is_key else no,
                row.threshold_days,
                row.days_since_contact,
                local(customer.last_contact_at),
                str(customer.last_contact_by) if customer.last_contact_by else "",
                yes if row.is_planned else no,
                local(row.next_planned_at),
            ]

    return csv_response(f"uncontacted-{result.today.isoformat()}.csv", header, lines())


# --- Coverage ---------------------------------------------------------------------------------------


def _coverage_month(month: CoverageMonth) -> dict[str, Any]:
    return {
        "period": month.period.key,
        "key_customers": month.key_customers,
        "touches": month.touches,
        "touches_per_key_customer": month.touches_per_key_customer,
        "key_days": month.key_days,
        "covered": month.covered,
        "coverage_rate": month.coverage_rate,
    }


@router.get("/insights/coverage", response=CoverageOut, url_name="insights_coverage")
def coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> dict[str, Any]:
    """Key-customer coverage per member and month, for the last ``months`` months."""
    result = key_customer_coverage(user=api_user(request), filters=filters)
    return {
        "as_of": result.as_of,
        "periods": [_period(period) for period in result.periods],
        "members": [
            {
                "user": _member(member.user),
                "key_customers": member.key_customers,
                "months": [_coverage_month(month) for month in member.months],
            }
            for member in result.members
        ],
        "totals": [_coverage_month(month) for month in result.totals],
    }


# --- Plan vs actual ---------------------------------------------------------------------------------


def _numbers(numbers: PlanNumbers) -> dict[str, Any]:
    return {
        "planned": numbers.planned,
        "done_as_planned": numbers.done_as_planned,
        "done_moved": numbers.done_moved,
        "cancelled": numbers.cancelled,
        "overdue": numbers.overdue,
        "upcoming": numbers.upcoming,
        "moved": numbers.moved,
        "unplanned": numbers.unplanned,
        "done": numbers.done,
        "adherence_rate": numbers.adherence_rate,
    }


def _plan_period(cell: PlanPeriod, slugs: list[str]) -> dict[str, Any]:
    return {
        "period": cell.period.key,
        **_numbers(cell.numbers),
        "by_type": [{"type": slug, **_numbers(cell.by_type[slug])} for slug in slugs if slug in cell.by_type],
    }


@router.get("/insights/plan-vs-actual", response=PlanVsActualOut, url_name="insights_plan_vs_actual")
def plan_vs_actual_view(request: HttpRequest, filters: Query[PlanVsActualFilter]) -> dict[str, Any]:
    """Plans and results per member and week or month, in total and per activity type."""
    result = plan_vs_actual(user=api_user(request), filters=filters)
    slugs = [activity_type.slug for activity_type in result.types]
    return {
        "as_of": result.as_of,
        "granularity": result.granularity,
        "periods": [_period(period) for period in result.periods],
        "types": [{"slug": item.slug, "name": item.name} for item in result.types],
        "members": [
            {"user": _member(member.user), "periods": [_plan_period(cell, slugs) for cell in member.periods]}
            for member in result.members
        ],
        "totals": [_plan_period(cell, slugs) for cell in result.totals],
    }


# --- Strategy alignment -----------------------------------------------------------------------------


def _week(week: AlignmentWeek) -> dict[str, Any]:
    return {
        "period": week.period.key,
        "first_day": week.period.first_day,
        "last_day": week.period.last_day,
        "activities": week.activities,
        "matching": week.matching,
        "other": week.other,
        "share": week.share,
        "hours": week.hours,
        "matching_hours": week.matching_hours,
        "other_hours": week.other_hours,
        "hours_share": week.hours_share,
        "on_track": week.on_track,
        "deals_created_matching": week.deals_created_matching,
        "deals_created_other": week.deals_created_other,
        "won_amount_matching": week.won_amount_matching,
        "won_amount_other": week.won_amount_other,
    }


@router.get(
    "/insights/strategy-alignment", response=StrategyAlignmentOut, url_name="insights_strategy_alignment"
)
def strategy_alignment_view(request: HttpRequest, filters: Query[StrategyAlignmentFilter]) -> dict[str, Any]:
    """Per member and week: the share of customer-facing activities that follow the strategy, on or off
    track against its target share, and the deals from matching and other customers."""
    result = strategy_alignment(user=api_user(request), filters=filters)
    return {
        "as_of": result.as_of,
        "strategy": result.strategy,
        "target_share": result.strategy.target_share,
        "periods": [_period(period) for period in result.periods],
        "members": [
            {"user": _member(member.user), "weeks": [_week(week) for week in member.weeks]}
            for member in result.members
        ],
        "totals": [_week(week) for week in result.totals],
    }


# --- Targets: attainment ------------------------------------------------------------------------------


@router.get("/insights/attainment", response=AttainmentOut, url_name="insights_attainment")
def attainment_view(request: HttpRequest, filters: Query[AttainmentFilter]) -> dict[str, Any]:
    """Targets against actuals for a fiscal period: per member (those the caller may see) and the team
    total, or for one user: target, actual, attainment, gap, pace, forecast and status per metric."""
    result = attainment(user=api_user(request), filters=filters)
    period, table = result.period, result.table
    start, end = period.bounds()
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
                "user": _member(row.user) if row.user is not None else None,
                "team": {"id": row.team.pk, "name": row.team.name} if row.team is not None else None,
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
