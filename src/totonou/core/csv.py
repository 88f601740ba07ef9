"""Spreadsheet-safe exports: cells that Excel would read as a formula are neutralised, CSV is UTF-8 with a
byte order mark (Japanese Excel opens it), and both CSV and .xlsx are written row by row so a long list is
never held in memory.

The one writer of every download a spreadsheet may open: the list exports, the uncontacted list, an
import's row report (``csv_stream`` / ``csv_response``), the .xlsx exports and the meeting pack
(``xlsx_write`` / ``xlsx_cell``). A new export uses these, never ``csv.writer`` or openpyxl directly."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

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


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed download of ``rows`` as ``filename`` (an ASCII name; the content is UTF-8 with a BOM)."""
    response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_write(path_or_file: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]], title: str) -> None:
    """An .xlsx workbook written in openpyxl's write-only mode (rows go straight to disk)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append([neutralise_cell(str(cell)) for cell in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    workbook.save(path_or_file)


def xlsx_cell(value: Any) -> Any:
    """A cell for openpyxl: text neutralised, aware datetimes made naive (Excel has no time zones)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise_cell(value)
    return value
