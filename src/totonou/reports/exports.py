"""The meeting pack as .xlsx (openpyxl) and as Markdown: a row per member, help requests, stalled deals.
Every .xlsx cell goes through ``core.csv.xlsx_cell`` (formula-like text neutralised); Markdown is not read by
a spreadsheet, its cells only keep the table whole (``|`` escaped, line breaks as spaces)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook

from totonou.core.csv import xlsx_cell
from totonou.reports.pack import TeamWeek


def _rows(
    data: TeamWeek, labels: dict[str, str], figures: Sequence[str], states: dict[str, str]
) -> list[list]:
    header = [_("Member"), _("Status"), *(labels[name] for name in figures), _("Help needed")]
    rows: list[list] = [header]
    for row in data.rows:
        rows.append(
            [
                str(row.member),
                states[row.state],
                *(row.figures.get(name, 0) for name in figures),
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
                        deal.customer.name,
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
            f"- {_md(deal.title)} ({_md(deal.customer.name)}, {_md(deal.owner)}, {_md(deal.stage.name)})"
            for deal in data.stalled_deals
        ]
    return "\n".join(lines) + "\n"
