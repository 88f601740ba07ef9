"""The background task behind a web or API import (``totonou worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from totonou.imports.models import Import
from totonou.imports.services import import_run


@task()
def import_run_task(import_id: int) -> None:
    record = Import.objects.filter(pk=import_id).first()
    if record is not None:
        import_run(record=record)
