"""The import pages: upload → columns and their fields → values that match nothing → preview → dry run →
the run in the background with its progress → the report; and the list of past imports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from totonou.activities.models import Activity
from totonou.core.csv import csv_response
from totonou.core.exceptions import ConflictError
from totonou.core.htmx import render_page
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal
from totonou.imports.engine import ALIASES, KINDS, Preview, preview
from totonou.imports.models import Import
from totonou.imports.reading import FileRefused, max_bytes, too_large
from totonou.imports.services import import_create, import_start, may_import, options_from
from totonou.imports.tasks import import_run_task
from totonou.targets.models import Target
from totonou.users.models import User
from totonou.users.request import signed_in_user

MODELS = {
    "customers": Customer,
    "contacts": Contact,
    "deals": Deal,
    "activities": Activity,
    "users": User,
    "targets": Target,
}
EXTRA_LABELS = {"opened_on": gettext_lazy("start date"), "closed_on": gettext_lazy("close date")}


def field_label(kind: str, name: str) -> str:
    """A field as a person reads it: the model field's name, e.g. "owner" → 担当者."""
    if name in EXTRA_LABELS:
        return capfirst(str(EXTRA_LABELS[name]))
    try:
        return capfirst(str(getattr(MODELS[kind]._meta.get_field(name), "verbose_name", name)))
    except Exception:  # a field the model does not have under that name
        return name


@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    error = ""
    kinds = [(value, label) for value, label in Import.Kind.choices if may_import(user, value)]
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        if kind not in KINDS or not may_import(user, kind):
            error = _("Choose what the file holds.")
        elif upload is None:
            error = _("Choose a file.")
        elif (upload.size or 0) > max_bytes():
            error = too_large(upload.size or 0)
        else:
            record = import_create(
                actor=user,
                kind=kind,
                file=upload,
                filename=upload.name or "import.csv",
                options={},
                draft=True,
            )
            return redirect("imports:import_detail", pk=record.pk)
    imports = Import.objects.visible_to(user).select_related("created_by")[:50]
    return render_page(
        request,
        "imports/import_list.html",
        {
            "imports": imports,
            "kinds": kinds,
            "error": error,
            "can_import_people": may_import(user, Import.Kind.TARGETS),
        },
        status=400 if error else 200,
    )


def _options(request: HttpRequest, record: Import, result: Preview | None) -> dict[str, Any]:
    """The choices posted by the mapping form: a field per column, a target per unknown value."""
    post = request.POST
    mapping = {
        column: post[f"map:{column}"]
        for column in (result.headers if result else [])
        if post.get(f"map:{column}") and post[f"map:{column}"] in ALIASES[record.kind]
    }
    # The values mapped before stay mapped (the form shows them again, filled in); a posted value sets
    # its target, an emptied one removes it.
    values: dict[str, dict[str, str]] = {
        column: dict(targets) for column, targets in (record.options.get("values") or {}).items()
    }
    for name in post:
        if not name.startswith("value:"):
            continue
        _prefix, column, value = name.split(":", 2)
        # a value mapped to a name that matches nothing is listed twice (mapped, and still unknown)
        target = next((text.strip() for text in post.getlist(name) if text.strip()), "")
        if target:
            values.setdefault(column, {})[value] = target
        else:
            values.get(column, {}).pop(value, None)
    values = {column: targets for column, targets in values.items() if targets}
    return {
        "mapping": mapping,
        "values": values,
        "create_missing": bool(post.get("create_missing")),
        "date_order": post.get("date_order") if post.get("date_order") in {"mdy", "dmy"} else "",
    }


def _preview(record: Import, user: Any) -> tuple[Preview | None, str]:
    try:
        with record.file.open("rb") as stream:
            return (
                preview(
                    actor=user,
                    stream=stream,
                    filename=record.filename,
                    options=options_from(record.kind, record.options, dry_run=True),
                ),
                "",
            )
    except FileRefused as error:
        return None, str(error)


@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    record = get_object_or_404(Import.objects.visible_to(user), pk=pk)
    result, error = _preview(record, user) if record.status == Import.Status.DRAFT else (None, "")
    if request.method == "POST":
        if record.created_by_id != user.pk:
            raise Http404
        action = request.POST.get("action", "preview")
        if record.status == Import.Status.DRAFT:
            record.options = _options(request, record, result)
            # the posted mapping replaces the guess for every column shown
            if result is not None:
                chosen = record.options["mapping"]
                record.options["mapping"] = chosen or dict(result.mapping)
            Import.objects.filter(pk=record.pk).update(options=record.options)
        if action in {"dry_run", "run"}:
            try:
                with transaction.atomic():
                    record = import_start(
                        actor=user, record=record, options=record.options, dry_run=action == "dry_run"
                    )
                    transaction.on_commit(lambda: import_run_task.enqueue(record.pk))
            except ConflictError as conflict:
                messages.error(request, conflict.message)
        return redirect("imports:import_detail", pk=record.pk)
    fields = [(name, field_label(record.kind, name)) for name in ALIASES[record.kind]]
    context = {
        "record": record,
        "preview": result,
        "error": error or record.error,
        "fields": fields,
        "failed_rows": list(record.rows.filter(status="failed").order_by("line").values()[:200]),
        "missing_labels": [field_label(record.kind, name) for name in (result.missing if result else [])],
        "mapped_values": [
            (column, value, target)
            for column, targets in (record.options.get("values") or {}).items()
            for value, target in targets.items()
        ],
        "running": record.status in {Import.Status.PENDING, Import.Status.RUNNING},
    }
    return render_page(
        request,
        "imports/import_detail.html",
        context,
        fragments={"import-progress": "imports/_progress.html"},
    )


@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The result of every row as CSV: line, result, record, reason."""
    user = signed_in_user(request)
    record = get_object_or_404(Import.objects.visible_to(user), pk=pk)
    labels = {
        "created": _("created"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "failed": _("failed"),
    }
    rows = (
        [row["line"], labels.get(row["status"], row["status"]), row["key"], row["message"]]
        for row in record.report_rows()
    )
    return csv_response(
        f"import-{record.pk}-report.csv", [_("Line"), _("Result"), _("Record"), _("Reason")], rows
    )
