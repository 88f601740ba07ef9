"""REST API for weekly reports (週報): the author writes and submits, the team reads, the author's
managers review. Comments on a report go through ``/comments`` with ``weekly_report``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from totonou.core.api import Id, Page, PageQuery, api_user, body_data, get_visible, paginate
from totonou.reports import services
from totonou.reports.filters import WeeklyReportFilter
from totonou.reports.models import WeeklyReport
from totonou.reports.schemas import WeeklyReportOut, WeeklyReportPatch, WeeklyReportStart
from totonou.reports.selectors import report_detail, report_list

router = Router(tags=["weekly reports"])


def _report(user: Any, pk: int) -> WeeklyReport:
    return get_visible(report_list(user=user), user, pk)


@router.get("/weekly-reports", response=Page[WeeklyReportOut], url_name="weekly_report_list")
def list_reports(
    request: HttpRequest, filters: Query[WeeklyReportFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, report_list(user=api_user(request), filters=filters), pagination)


@router.get("/weekly-reports/{report_id}", response=WeeklyReportOut, url_name="weekly_report_detail")
def get_report(request: HttpRequest, report_id: Id) -> WeeklyReport:
    return report_detail(_report(api_user(request), report_id))


@router.post(
    "/weekly-reports", response={200: WeeklyReportOut, 201: WeeklyReportOut}, url_name="weekly_report_start"
)
def start_report(request: HttpRequest, payload: WeeklyReportStart) -> Status[WeeklyReport]:
    user = api_user(request)
    report, created = services.weekly_report_start(actor=user, week=payload.week)
    return Status(201 if created else 200, report_detail(_report(user, report.pk)))


@router.patch("/weekly-reports/{report_id}", response=WeeklyReportOut, url_name="weekly_report_update")
def update_report(request: HttpRequest, report_id: Id, payload: WeeklyReportPatch) -> WeeklyReport:
    user = api_user(request)
    data, version = body_data(payload)
    services.weekly_report_update(actor=user, report=_report(user, report_id), version=version, **data)
    return report_detail(_report(user, report_id))


@router.post("/weekly-reports/{report_id}/submit", response=WeeklyReportOut, url_name="weekly_report_submit")
def submit_report(request: HttpRequest, report_id: Id) -> WeeklyReport:
    user = api_user(request)
    services.weekly_report_submit(actor=user, report=_report(user, report_id))
    return report_detail(_report(user, report_id))


@router.post("/weekly-reports/{report_id}/review", response=WeeklyReportOut, url_name="weekly_report_review")
def review_report(request: HttpRequest, report_id: Id) -> WeeklyReport:
    user = api_user(request)
    services.weekly_report_review(actor=user, report=_report(user, report_id))
    return report_detail(_report(user, report_id))
