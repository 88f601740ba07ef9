"""Settings → Audit trail: who changed what and when, filtered, for administrators only; the same
filters download as CSV or .xlsx (``web/views/exports.py``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from totonou.core.audit import AuditFilter, audit_list, changes_text
from totonou.core.list_page import ListPage
from totonou.core.models import AuditEntry
from totonou.users.permissions import ensure_admin
from totonou.users.request import signed_in_user
from totonou.web.forms.audit import AuditFilterForm

AUDIT = ListPage(
    template="setup/audit_list.html",
    results_id="audit-results",
    results_template="setup/_audit_results.html",
    filter_schema=AuditFilter,
    page_size=50,
)


@require_GET
def audit_index(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    ensure_admin(user)
    filters, errors = AUDIT.filters(request)
    kept = [(key, value) for key, value in request.GET.items() if key in AuditFilter.model_fields and value]
    suffix = f"?{urlencode(kept)}" if kept else ""
    return AUDIT.render(
        request,
        audit_list(filters=filters),
        filters=filters,
        errors=errors,
        context={
            "form": AuditFilterForm(request.GET or None),
            "csv_url": reverse("imports:export", kwargs={"kind": "audit", "fmt": "csv"}) + suffix,
            "xlsx_url": reverse("imports:export", kwargs={"kind": "audit", "fmt": "xlsx"}) + suffix,
        },
        prepare=lambda page: {"entries": [_row(entry) for entry in page.object_list]},
    )


def _row(entry: AuditEntry) -> tuple[AuditEntry, str, str]:
    model = entry.content_type.model_class()
    record_type = str(model._meta.verbose_name) if model is not None else entry.content_type.model
    return entry, record_type, changes_text(entry.changes)
