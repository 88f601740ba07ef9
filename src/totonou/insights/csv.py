"""CSV export that Excel opens correctly: UTF-8 with a byte order mark, CRLF line ends, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

BOM = "\ufeff"


class _Echo:
    """A file-like object whose ``write`` returns the line, for ``csv.writer`` to feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The BOM and header, then one CSV line per row (``None`` as an empty cell)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow([str(cell) for cell in header])
    for row in rows:
        yield writer.writerow(["" if cell is None else cell for cell in row])


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed download of ``rows`` as ``filename`` (ASCII name; the content is UTF-8)."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
