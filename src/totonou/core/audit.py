"""Recording the audit trail (services call these inside their transaction) and reading it back for the
administrators' audit page and its downloads."""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import FilterSchema

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
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    using = router.db_for_write(AuditEntry)
    connection = connections[using]
    # What ``AuditEntry.objects.bulk_create`` would write, with each distinct value prepared once (the
    # rows of a bulk change share their changes, actor and time): Django's per-row, per-field
    # preparation cost ~0.6 ms a row, and ``bulk_create`` caps a statement at 999 parameters on SQLite
    # (142 entries) whatever the library allows. ``batch_size`` rows per statement, within the
    # connection's real limit.
    meta = AuditEntry._meta
    changes_field, created_field = meta.get_field("changes"), meta.get_field("created_at")
    created_at = created_field.get_db_prep_save(timezone.now(), connection)
    prepared: dict[str, Any] = {}
    values: list[tuple[Any, ...]] = []
    for object_id, text, changes in rows:
        key = json.dumps(changes, sort_keys=True, cls=DjangoJSONEncoder)
        value = prepared.get(key)
        if value is None:
            value = prepared[key] = changes_field.get_db_prep_save(changes, connection)
        values.append((content_type.pk, object_id, str(text)[:200], action, actor_id, value, created_at))
    columns = ("content_type_id", "object_id", "object_repr", "action", "actor_id", "changes", "created_at")
    size = max(1, min(batch_size, _max_parameters(connection) // len(columns)))
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            cursor.execute(
                f"INSERT INTO {meta.db_table} ({', '.join(columns)}) "  # noqa: S608 — constant names
                f"VALUES {', '.join([row_marks] * len(batch))}",
                [value for row in batch for value in row],
            )
    return len(values)


def _max_parameters(connection: Any) -> int:
    """How many parameters one statement may carry on ``connection``."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 65_535  # PostgreSQL's protocol


# --- Reading the trail (the administrators' audit page and its downloads) ---------------------------------


class AuditFilter(FilterSchema):
    """The audit page's filters: who (``actor``, a user id), what kind of record (``record_type``,
    ``app_label.model``), which action, and the days (``since`` / ``until``, in the reader's time zone)."""

    actor: int | None = None
    record_type: str | None = None
    action: AuditEntry.Action | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None

    def filter_actor(self, value: int | None) -> Q:
        return Q(actor_id=value) if value is not None else Q()

    def filter_record_type(self, value: str | None) -> Q:
        if not value:
            return Q()
        app_label, _dot, model = value.partition(".")
        return Q(content_type__app_label=app_label, content_type__model=model)

    def filter_action(self, value: str | None) -> Q:
        return Q(action=value) if value else Q()

    def filter_since(self, value: datetime.date | None) -> Q:
        return Q(created_at__gte=_midnight(value)) if value is not None else Q()

    def filter_until(self, value: datetime.date | None) -> Q:
        if value is None:
            return Q()
        return Q(created_at__lt=_midnight(value + datetime.timedelta(days=1)))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_list(*, filters: AuditFilter | None = None) -> models.QuerySet[AuditEntry]:
    """The trail, newest first, with its actor and record type joined. Administrators only: the caller
    checks (``core`` knows no roles)."""
    entries = AuditEntry.objects.select_related("actor", "content_type")
    if filters is not None:
        entries = filters.filter(entries)
    return entries.order_by("-created_at", "-id")


def record_types() -> list[tuple[str, str]]:
    """``(app_label.model, its name)`` of every kind of record the trail holds, by name."""
    types = ContentType.objects.filter(
        pk__in=AuditEntry.objects.order_by().values("content_type_id").distinct()
    )
    found = []
    for content_type in types:
        model = content_type.model_class()
        name = str(model._meta.verbose_name) if model is not None else content_type.model
        found.append((f"{content_type.app_label}.{content_type.model}", name))
    return sorted(found, key=lambda pair: pair[1])


def changes_text(changes: Any) -> str:
    """The changes of an entry as one line: ``field: before → after; …``."""
    if not isinstance(changes, dict):
        return str(changes or "")
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            before, after = value
            parts.append(f"{name}: {_shown(before)} → {_shown(after)}")
        else:
            parts.append(f"{name}: {_shown(value)}")
    return "; ".join(parts)


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def audit_header() -> list[str]:
    return [
        _("Changed at"),
        _("Changed by"),
        _("Action"),
        _("Record type"),
        _("Record id"),
        _("Record"),
        _("Changes"),
    ]


def audit_rows(*, filters: AuditFilter | None) -> Iterator[list[Any]]:
    """The trail as spreadsheet rows, streamed (``iterator``) in the reader's time zone."""
    actions = dict(AuditEntry.Action.choices)
    names: dict[int, str] = {}
    entries = audit_list(filters=filters).values_list(
        "created_at", "actor__username", "action", "content_type_id", "object_id", "object_repr", "changes"
    )
    for created_at, actor, action, content_type_id, object_id, text, changes in entries.iterator(2000):
        if content_type_id not in names:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            names[content_type_id] = str(model._meta.verbose_name) if model is not None else ""
        yield [
            timezone.localtime(created_at).strftime("%Y-%m-%d %H:%M:%S"),
            actor or "",
            str(actions.get(action, action)),
            names[content_type_id],
            object_id,
            text,
            changes_text(changes),
        ]
