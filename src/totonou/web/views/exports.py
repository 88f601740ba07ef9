"""Downloads of the lists (customers, contacts, deals, activities) with the list's current filters, as
CSV (UTF-8 with a BOM, opens in Japanese Excel) or .xlsx; formula-like cells neutralised; streamed."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.core.csv import csv_response, xlsx_write
from totonou.core.filters import filters_from_query
from totonou.imports.exports import EXPORTS
from totonou.users.request import signed_in_user


@require_GET
def export_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    user = signed_in_user(request)
    export = EXPORTS.get(kind)
    if export is None or fmt not in {"csv", "xlsx"}:
        raise Http404
    filters, _errors = filters_from_query(export.filter_schema, request.GET)
    rows = export.rows(user=user, filters=filters)
    filename = f"{kind}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, export.header, rows)
    # openpyxl's write-only mode writes rows to a temporary file, never the whole sheet in memory.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    xlsx_write(spool, export.header, rows, title=kind)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
