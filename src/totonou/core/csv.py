"""Spreadsheet-safe exports: cells that Excel would read as a formula are neutralised, CSV is UTF-8 with a
byte order mark (Japanese Excel opens it), and both CSV and .xlsx are written row by row so a long list is
never held in memory."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A text cell that starts like a formula gets a leading apostrophe, so a spreadsheet shows it as
    text instead of running it. Numbers, dates and ``None`` pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return neutralise_cell(value if isinstance(value, int | float) else str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The BOM and header, then one CRLF-ended CSV line per row, encoded as UTF-8."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield (BOM + writer.writerow([_cell(str(cell)) for cell in header])).encode("utf-8")
    for row in rows:
        yield writer.writerow([_cell(cell) for cell in row]).encode("utf-8")


def xlsx_write(path_or_file: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]], title: str) -> None:
    """An .xlsx workbook written in openpyxl's write-only mode (rows go straight to disk)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append([str(cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    workbook.save(path_or_file)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise_cell(value)
    return value
