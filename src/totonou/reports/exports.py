"""The meeting pack as .xlsx (openpyxl) and as Markdown: a row per member, help requests, stalled deals.
Every .xlsx cell goes through ``core.csv.xlsx_cell`` (formula-like text neutralised); Markdown is not read by
a spreadsheet, its cells only keep the table whole (``|`` escaped, line breaks as spaces).

And the weekly report list as rows for the CSV / .xlsx downloads (``weekly_report_rows``): the reports the
user may read (``report_list``), with the list's filters, streamed."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from totonou.core.csv import xlsx_cell
from totonou.core.money import format_money
from totonou.insights.selectors.attainment import Cell
from totonou.reports.filters import WeeklyReportFilter
from totonou.reports.models import WeeklyReport
from totonou.reports.pack import TeamWeek
from totonou.reports.selectors import report_list


def revenue_headers() -> list[str]:
    """The pack's columns of a member's revenue against target, month to date."""
    return [_("Revenue target"), _("Revenue to date"), _("Attainment")]


def revenue_cells(cell: Cell | None) -> list[str]:
    """``revenue_headers``' cells: the target and the revenue in yen, the attainment in percent ("—"
    without a target)."""
    if cell is None:
        return ["—", "—", "—"]
    return [
        format_money(cell.target) if cell.target is not None else "—",
        format_money(cell.actual),
        f"{cell.attainment_percent}%" if cell.attainment_percent is not None else "—",
    ]


def _rows(
    data: TeamWeek, labels: dict[str, str], figures: Sequence[str], states: dict[str, str]
) -> list[list]:
    header = [
        _("Member"),
        _("Status"),
        *(labels[name] for name in figures),
        *revenue_headers(),
        _("Help needed"),
    ]
    rows: list[list] = [header]
    for row in data.rows:
        rows.append(
            [
                str(row.member),
                states[row.state],
                *(row.figures.get(name, 0) for name in figures),
                *revenue_cells(row.revenue),
                row.help_needed,
            ]
        )
    return rows


def pack_xlsx(
    data: TeamWeek, labels: dict[str, str], figures: Sequence[str], states: dict[str, str]
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = data.week
    sheet.append([xlsx_cell(f"{data.team.name} {data.week}")])
    for row in _rows(data, labels, figures, states):
        sheet.append([xlsx_cell(value) for value in row])
    if data.stalled_deals:
        sheet.append([])
        sheet.append([xlsx_cell(_("Stalled deals"))])
        for deal in data.stalled_deals:
            sheet.append(
                [
                    xlsx_cell(value)
                    for value in (
                        deal.title,
                        deal.customer_name,
                        str(deal.owner),
                        deal.stage.name,
                        deal.amount,
                    )
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def pack_markdown(
    data: TeamWeek, labels: dict[str, str], figures: Sequence[str], states: dict[str, str]
) -> str:
    rows = _rows(data, labels, figures, states)
    lines = [f"# {_md(data.team.name)} {data.week}", ""]
    lines.append("| " + " | ".join(_md(cell) for cell in rows[0]) + " |")
    lines.append("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        lines.append("| " + " | ".join(_md(cell) for cell in row) + " |")
    if data.stalled_deals:
        lines += ["", f"## {_('Stalled deals')}", ""]
        lines += [
            f"- {_md(deal.title)} ({_md(deal.customer_name)}, {_md(deal.owner)}, {_md(deal.stage.name)})"
            for deal in data.stalled_deals
        ]
    return "\n".join(lines) + "\n"


def weekly_report_header() -> list[str]:
    return [
        _("Week"),
        _("Author"),
        _("User name"),
        _("Team"),
        _("Status"),
        _("Submitted at"),
        _("Reviewed by"),
        _("Reviewed at"),
        str(WeeklyReport._meta.get_field("went_well").verbose_name),
        str(WeeklyReport._meta.get_field("problems").verbose_name),
        str(WeeklyReport._meta.get_field("help_needed").verbose_name),
        str(WeeklyReport._meta.get_field("next_focus").verbose_name),
    ]


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def weekly_report_rows(*, user: Any, filters: WeeklyReportFilter | None) -> Iterator[list[Any]]:
    """One row per report ``user`` may read (their own drafts, the submitted reports of their teams;
    never another rep's draft), newest week first."""
    states = dict(WeeklyReport.Status.choices)
    reports = (
        report_list(user=user, filters=filters)
        .select_related("author__team")
        .only(
            "week",
            "status",
            "submitted_at",
            "reviewed_at",
            "went_well",
            "problems",
            "help_needed",
            "next_focus",
            "author__username",
            "author__display_name",
            "author__first_name",
            "author__last_name",
            "author__team__name",
            "reviewed_by__username",
            "reviewed_by__display_name",
            "reviewed_by__first_name",
            "reviewed_by__last_name",
        )
    )
    for report in reports.iterator(chunk_size=500):
        author = report.author
        yield [
            report.week,
            str(author),
            author.username,
            author.team.name if author.team else "",
            str(states.get(report.status, report.status)),
            _local(report.submitted_at),
            str(report.reviewed_by) if report.reviewed_by else "",
            _local(report.reviewed_at),
            report.went_well,
            report.problems,
            report.help_needed,
            report.next_focus,
        ]
