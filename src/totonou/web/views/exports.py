"""Downloads of the lists with the list's current filters, as CSV (UTF-8 with a BOM, opens in Japanese
Excel) or .xlsx; formula-like cells neutralised by ``core.csv`` (the one writer); streamed.

- customers, contacts, deals, activities, targets: in the importer's columns (``imports.exports``), so a
  downloaded file imports again to the same records;
- uncontacted, weekly reports: the list as a person reads it (translated headers);
- the audit trail: administrators only (403 for everyone else).

Each list reads through its selector, which already narrows to what the user may see."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.core.audit import AuditFilter, audit_header, audit_rows
from totonou.core.csv import csv_response, xlsx_write
from totonou.core.filters import filters_from_query
from totonou.imports.exports import EXPORTS, Export
from totonou.insights.exports import uncontacted_header, uncontacted_rows
from totonou.insights.filters import UncontactedFilter
from totonou.reports.exports import weekly_report_header, weekly_report_rows
from totonou.reports.filters import WeeklyReportFilter
from totonou.users.models import User
from totonou.users.request import signed_in_user


def _everyone(user: User) -> bool:
    return True


def _admins(user: User) -> bool:
    return user.role == User.Role.ADMIN


@dataclass(frozen=True)
class Download:
    filter_schema: Any
    header: Callable[[], Sequence[str]]
    rows: Callable[[User, Any], Iterable[Sequence[Any]]]
    allowed: Callable[[User], bool] = _everyone


def _import_kind(export: Export) -> Download:
    """A list in the importer's columns (``imports.exports``)."""

    def header() -> Sequence[str]:
        return export.header

    def rows(user: User, filters: Any) -> Iterable[Sequence[Any]]:
        return export.rows(user=user, filters=filters)

    return Download(export.filter_schema, header, rows)


DOWNLOADS: dict[str, Download] = {
    **{kind: _import_kind(export) for kind, export in EXPORTS.items()},
    "uncontacted": Download(
        UncontactedFilter,
        uncontacted_header,
        lambda user, filters: uncontacted_rows(user=user, filters=filters),
    ),
    "weekly-reports": Download(
        WeeklyReportFilter,
        weekly_report_header,
        lambda user, filters: weekly_report_rows(user=user, filters=filters),
    ),
    "audit": Download(AuditFilter, audit_header, lambda user, filters: audit_rows(filters=filters), _admins),
}


@require_GET
def export_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    user = signed_in_user(request)
    download = DOWNLOADS.get(kind)
    if download is None or fmt not in {"csv", "xlsx"}:
        raise Http404
    if not download.allowed(user):
        raise PermissionDenied
    filters, _errors = filters_from_query(download.filter_schema, request.GET)
    rows = download.rows(user, filters)
    filename = f"{kind}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, download.header(), rows)
    # openpyxl's write-only mode writes rows to a temporary file, never the whole sheet in memory.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    xlsx_write(spool, download.header(), rows, title=kind)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
