"""Recording the audit trail. Services call these inside their transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from totonou.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_plain(item) for item in value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys as ids), for comparing before and after."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _plain(getattr(instance, attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def audit_record(
    *,
    actor: Any,
    instance: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        changes=changes or {},
    )


def audit_history(instance: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("actor")


def audit_records(
    *,
    actor: Any,
    model: type[models.Model],
    rows: Iterable[tuple[int, str, dict[str, Any]]],
    action: str = "update",
    batch_size: int = 2000,
) -> int:
    """One entry per ``(object_id, repr, changes)`` of ``model``, inserted in batches: for the set-based
    services (bulk reassign, merge) that change many rows with one UPDATE."""
    content_type = ContentType.objects.get_for_model(model)
    actor = actor if getattr(actor, "pk", None) else None
    entries = [
        AuditEntry(
            content_type=content_type,
            object_id=object_id,
            object_repr=str(text)[:200],
            action=action,
            actor=actor,
            changes=changes,
        )
        for object_id, text, changes in rows
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)
