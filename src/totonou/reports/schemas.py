"""API shapes for weekly reports."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from totonou.core.api import ApiDateTime, InputSchema, WebObjectOut
from totonou.core.bounds import LongText
from totonou.reports.models import WeeklyReport


class WeeklyReportSummary(Schema):
    """The week's figures (defined in ``totonou.reports.selectors``): frozen at submission for a submitted
    report, live for a draft."""

    activities_done: int
    planned: int
    done_as_planned: int
    moved: int
    cancelled: int
    unplanned: int
    still_open: int
    key_customer_touches: int
    key_customer_days: int
    customers_past_threshold: int
    deals_created: int
    deals_moved: int
    deals_won: int
    won_amount: int
    deals_lost: int
    next_week_planned: int


class WeeklyReportOut(WebObjectOut):
    id: int
    author: int
    week: str
    status: str
    went_well: LongText
    problems: LongText
    help_needed: LongText
    next_focus: LongText
    submitted_at: ApiDateTime | None
    reviewed_by: int | None
    reviewed_at: ApiDateTime | None
    summary: WeeklyReportSummary | None
    #: figure -> (at submission, now) for the figures that changed since submission
    changed_since_submitted: dict[str, list[int]]
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_author(obj: WeeklyReport) -> int:
        return obj.author_id

    @staticmethod
    def resolve_reviewed_by(obj: WeeklyReport) -> int | None:
        return obj.reviewed_by_id

    @staticmethod
    def resolve_summary(obj: Any) -> dict[str, int] | None:
        """The detail's live or frozen figures; in a list, the frozen ones (null for a draft)."""
        figures = getattr(obj, "summary_figures", None)
        if figures is None and obj.snapshot:
            figures = obj.snapshot.get("figures")
        return figures

    @staticmethod
    def resolve_changed_since_submitted(obj: Any) -> dict[str, list[int]]:
        return {name: list(values) for name, values in getattr(obj, "changes", {}).items()}


class WeeklyReportStart(InputSchema):
    week: str


class WeeklyReportPatch(InputSchema):
    went_well: LongText | None = None
    problems: LongText | None = None
    help_needed: LongText | None = None
    next_focus: LongText | None = None
    version: int | None = None
