"""Starting and running imports. The run is checkpointed: rows are committed in batches together with
the import's progress and report, so a run that stops halfway (the worker is killed) is run again from
the last committed batch and ends with the same result as one uninterrupted run."""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record
from totonou.core.exceptions import ConflictError
from totonou.imports import engine
from totonou.imports.engine import Options, Report, RowResult
from totonou.imports.models import Import, ImportRow
from totonou.imports.reading import FileRefused, open_table
from totonou.users.models import User
from totonou.users.permissions import ensure_admin, ensure_manager_or_admin


def options_from(kind: str, data: dict[str, Any], *, dry_run: bool) -> Options:
    owner = None
    if data.get("default_owner"):
        owner = User.objects.filter(username=data["default_owner"]).first()
        if owner is None:
            raise FileRefused(f"No user “{data['default_owner']}”.")
    return Options(
        kind=kind,
        mapping=dict(data.get("mapping") or {}),
        values={column: dict(values) for column, values in (data.get("values") or {}).items()},
        create_missing=bool(data.get("create_missing")),
        default_owner=owner,
        date_order=str(data.get("date_order") or ""),
        dry_run=dry_run,
    )


def ensure_may_import(actor: User, kind: str) -> None:
    """Users are imported by administrators only, targets by managers (for their teams, checked per row
    by the targets services) and administrators; the record kinds by everyone (per row, the owner rule)."""
    if kind == Import.Kind.USERS:
        ensure_admin(actor)
    elif kind == Import.Kind.TARGETS:
        ensure_manager_or_admin(actor)


def may_import(actor: User, kind: str) -> bool:
    try:
        ensure_may_import(actor, kind)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def import_create(
    *,
    actor: User,
    kind: str,
    file: IO[bytes],
    filename: str,
    options: dict[str, Any],
    dry_run: bool = False,
    draft: bool = False,
) -> Import:
    """Keep the uploaded file and the choices for it; the caller enqueues ``import_run_task`` (a
    ``draft`` waits for the pages' mapping steps and ``import_start``)."""
    ensure_may_import(actor, kind)
    record = Import(kind=kind, created_by=actor, filename=filename[:255], options=options, dry_run=dry_run)
    if draft:
        record.status = Import.Status.DRAFT
    record.file.save(filename[-100:] or "import.csv", File(file), save=False)
    record.full_clean(exclude=["file"])
    record.save()
    audit_record(actor=actor, instance=record, action="create", changes={"kind": [None, kind]})
    return record


@transaction.atomic
def import_start(*, actor: User, record: Import, options: dict[str, Any], dry_run: bool) -> Import:
    """Run ``record`` (a draft, or a finished dry run run again for real) with ``options`` in the
    background: the caller enqueues ``import_run_task`` after the commit."""
    record = Import.objects.select_for_update().get(pk=record.pk)
    if record.created_by_id != actor.pk:
        raise PermissionDenied
    if record.status in {Import.Status.PENDING, Import.Status.RUNNING}:
        raise ConflictError(_("This import is already running."))
    if record.status == Import.Status.DONE and not record.dry_run:
        raise ConflictError(_("This import has already run."))
    record.options = options
    record.dry_run = dry_run
    record.status = Import.Status.PENDING
    record.rows_done = record.last_line = 0
    record.counts, record.error = {}, ""
    record.finished_at = None
    record.save()
    record.rows.all().delete()
    audit_record(actor=actor, instance=record, action="update", changes={"status": ["draft", "pending"]})
    return record


def _count_rows(record: Import) -> int:
    with record.file.open("rb") as stream:
        return sum(1 for _row in open_table(stream, record.filename).rows)


def import_run(*, record: Import) -> Import:
    """Run (or resume) ``record``; safe to call again after an interruption. The report is written in
    the language of the person who started it."""
    record = Import.objects.select_related("created_by").get(pk=record.pk)
    with translation.override(record.created_by.language or settings.LANGUAGE_CODE):
        return _run(record)


def _run(record: Import) -> Import:
    if record.status in {Import.Status.DONE, Import.Status.DRAFT}:
        return record
    actor = record.created_by
    try:
        options = options_from(record.kind, record.options, dry_run=record.dry_run)
        if record.status == Import.Status.PENDING or not record.total_rows:
            record.total_rows = _count_rows(record)
        record.status = Import.Status.RUNNING
        record.save(update_fields=["status", "total_rows"])
        # The report's lines are appended to ImportRow with each batch's checkpoint (in the batch's
        # transaction), never held or rewritten whole: memory and work stay flat as the file grows.
        report = Report(counts={**Report().counts, **record.counts}, keep=False)
        if record.dry_run:
            report = Report(keep=False)

        def checkpoint(last_line: int, current: Report) -> None:
            if record.dry_run:
                return  # rolled back: the dry run's lines are written once it is over
            _rows_append(record, current.drain())
            Import.objects.filter(pk=record.pk).update(
                last_line=last_line, rows_done=sum(current.counts.values()), counts=current.counts
            )

        with record.file.open("rb") as stream:
            report = engine.run(
                actor=actor,
                stream=stream,
                filename=record.filename,
                options=options,
                start_line=0 if record.dry_run else record.last_line,
                on_batch=checkpoint,
                report=report,
            )
    except FileRefused as error:
        record.status = Import.Status.FAILED
        record.error = str(error)
        record.finished_at = timezone.now()
        record.save(update_fields=["status", "error", "finished_at"])
        return record
    if record.dry_run:
        record.rows.all().delete()
        _rows_append(record, report.drain())
    record.refresh_from_db()
    record.status = Import.Status.DONE
    record.counts = report.counts
    record.rows_done = sum(report.counts.values())
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "counts", "rows_done", "finished_at"])
    return record


def _rows_append(record: Import, rows: list[RowResult]) -> None:
    ImportRow.objects.bulk_create(
        [
            ImportRow(record=record, line=row.line, status=row.status, key=row.key[:300], message=row.message)
            for row in rows
        ],
        batch_size=1000,
    )
