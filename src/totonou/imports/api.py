"""REST API for imports: ``POST /imports`` (multipart: ``kind``, ``file``, optional ``options`` as JSON and
``dry_run``) starts a background import; ``GET /imports/{id}`` reads its status, progress, counts and the
failed rows."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from totonou.core.api import Id, api_user, get_visible
from totonou.imports.engine import KINDS, prepare
from totonou.imports.models import Import
from totonou.imports.reading import FileRefused, max_bytes, too_large
from totonou.imports.schemas import ImportOut
from totonou.imports.services import ensure_may_import, import_create, options_from
from totonou.imports.tasks import import_run_task

router = Router(tags=["imports"])


@router.post("/imports", response={202: ImportOut})
def import_start(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    options: Form[str] = "",
    dry_run: Form[bool] = False,
) -> Any:
    user = api_user(request)
    if kind not in KINDS:
        raise ValidationError({"kind": [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}]})
    ensure_may_import(user, kind)
    try:
        data = json.loads(options) if options else {}
    except json.JSONDecodeError:
        raise ValidationError({"options": [_("The options are not valid JSON.")]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"options": [_("The options are not valid JSON.")]})
    if (file.size or 0) > max_bytes():
        raise ValidationError({"file": [too_large(file.size or 0)]})
    stream = file.file
    assert stream is not None  # an uploaded file always has one
    try:
        table, _mapping = prepare(stream, file.name or "", options_from(kind, data, dry_run=dry_run))
        for _row in table.rows:  # a file that cannot be read to its end is refused now, not in the worker
            pass
    except FileRefused as error:
        raise ValidationError({"file": [str(error)]}) from None
    stream.seek(0)
    with transaction.atomic():
        record = import_create(
            actor=user,
            kind=kind,
            file=stream,
            filename=file.name or "import.csv",
            options=data,
            dry_run=dry_run,
        )
        transaction.on_commit(lambda: import_run_task.enqueue(record.pk))
    return Status(202, record)


@router.get("/imports/{id}", response=ImportOut)
def import_detail(request: HttpRequest, id: Id) -> Any:
    return get_visible(Import.objects.all(), api_user(request), id)
