"""Reading the files people have: CSV/TSV in UTF-8 (with or without a BOM) or Shift_JIS/cp932 (detected),
and Excel .xlsx. Rows are read one at a time, so memory stays flat as the file grows."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK = 1 << 16
XLSX_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The file cannot be used at all (exit status 2): the message says why."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[list[Any]]  # the data rows, after the header
    encoding: str  # "utf-8", "utf-8-sig", "cp932" or "xlsx"


def max_bytes() -> int:
    return int(getattr(settings, "TOTONOU_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def too_large(size: int) -> str:
    """The one message for a file over the limit (the pages, the API, the command line)."""
    return _("The file is %(size)s; the largest file that can be imported is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(max_bytes()),
    }


def detect_encoding(stream: IO[bytes]) -> str:
    """UTF-8 with a BOM, UTF-8, or else Shift_JIS as Excel writes it (cp932); reads the stream once,
    in chunks, and rewinds it."""
    stream.seek(0)
    head = stream.read(3)
    if head == codecs.BOM_UTF8:
        stream.seek(0)
        return "utf-8-sig"
    stream.seek(0)
    if b"\x00" in stream.read(CHUNK):
        stream.seek(0)
        raise FileRefused(
            _("The file is not a CSV or an .xlsx file (an older .xls? save it as .xlsx or CSV).")
        )
    stream.seek(0)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            utf8.decode(chunk)
        utf8.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp932"
        stream.seek(0)
        sjis = codecs.getincrementaldecoder("cp932")()
        try:
            while chunk := stream.read(CHUNK):
                sjis.decode(chunk)
            sjis.decode(b"", final=True)
        except UnicodeDecodeError:
            stream.seek(0)
            raise FileRefused(
                _("The file is neither UTF-8 nor Shift_JIS text; save it as CSV (UTF-8) and try again.")
            ) from None
    stream.seek(0)
    return encoding


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def open_table(stream: IO[bytes], filename: str = "") -> Table:
    """The header and a row iterator of ``stream`` (a binary file opened for reading)."""
    size = _size(stream)
    if size > max_bytes():
        raise FileRefused(too_large(size))
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if stream.read(4) == XLSX_MAGIC or filename.lower().endswith(".xlsx"):
        stream.seek(0)
        return _open_xlsx(stream)
    encoding = detect_encoding(stream)
    first = next(iter(stream.read(CHUNK).decode(encoding, errors="ignore").splitlines()), "")
    stream.seek(0)
    text = io.TextIOWrapper(io.BufferedReader(_Borrowed(stream)), encoding=encoding, newline="")
    delimiter = "\t" if filename.lower().endswith(".tsv") or first.count("\t") > first.count(",") else ","
    reader = csv.reader(text, delimiter=delimiter)
    headers = _header(_next_row(reader))

    def rows() -> Iterator[list[Any]]:
        while (row := _next_row(reader)) is not None:
            if any(cell.strip() for cell in row):
                yield row

    return Table(headers=headers, rows=rows(), encoding=encoding)


def _next_row(reader: Any) -> list[str] | None:
    """The next row of a CSV reader; a cell over the csv module's field limit (131,072 characters: no
    spreadsheet cell is that long, it is usually a quote left open) refuses the file, naming the line."""
    try:
        return next(reader, None)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise FileRefused(
                _(
                    "Line %(line)s has a cell longer than %(limit)s characters (a quote left open?); "
                    "correct the file and import it again."
                )
                % {"line": reader.line_num, "limit": f"{csv.field_size_limit():,}"}
            ) from None
        raise FileRefused(
            _("Line %(line)s cannot be read as CSV (%(error)s).") % {"line": reader.line_num, "error": error}
        ) from None


class _Borrowed(io.RawIOBase):
    """Reads a stream it does not own: closing the text reader leaves the caller's stream open."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _header(row: list[Any] | None) -> list[str]:
    if not row or not any(str(cell or "").strip() for cell in row):
        raise FileRefused(_("The file is empty: its first line should name the columns."))
    return [str(cell).strip() if cell is not None else "" for cell in row]


def _open_xlsx(stream: IO[bytes]) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileRefused(
            _("The file is not an Excel workbook that can be read (%(error)s).")
            % {"error": type(error).__name__}
        ) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    headers = _header(list(next(values, None) or []))

    def rows() -> Iterator[list[Any]]:
        for row in values:
            cells = list(row)
            if any(cell is not None and str(cell).strip() for cell in cells):
                yield cells
        workbook.close()

    return Table(headers=headers, rows=rows(), encoding="xlsx")


def cell_text(value: Any) -> str:
    """A cell as text (a number without a trailing ``.0``, a date in ISO form)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()
