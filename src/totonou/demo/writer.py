"""Fast inserts of generated rows: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

Seeding writes rows, not model instances: building two million ``Activity`` objects and sending them
through ``bulk_create`` costs several times the insert itself. Rows are tuples in the order of the
given columns (field names or attnames); every other concrete field gets its default, so a field added
to a model later does not break seeding. Timestamps are written as given (``auto_now``/``auto_now_add``
do not apply), which lets seeded records carry realistic ``created_at``/``updated_at`` values.

Callers insert rows after the rows they refer to. Foreign keys are checked at commit, but while a check
is pending SQLite looks for orphans on every later insert into the parent table: a full scan per row
once the indexes are dropped for a large load.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

Row = tuple[Any, ...]


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class BulkWriter:
    def __init__(self, connection: BaseDatabaseWrapper, *, batch_size: int = 5000) -> None:
        self.connection = connection
        self.batch_size = batch_size
        self.is_postgresql = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Row]) -> int:
        """Insert ``rows``; returns how many. Missing fields get their defaults."""
        meta = model._meta
        given = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in columns]
        given_names = {field.name for field in given}
        defaults: list[tuple[models.Field[Any, Any], Any]] = []
        for field in meta.concrete_fields:
            if field.name in given_names or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = timezone.now()
            else:
                value = field.get_default()  # "" for text fields without a default
                if value is None and not field.null:
                    raise ValueError(f"{meta.label}.{field.name} has no default; give it a value.")
            defaults.append((field, field.get_db_prep_save(value, self.connection)))
        fields = [*given, *(field for field, _ in defaults)]
        extra = tuple(value for _, value in defaults)
        quote = self.connection.ops.quote_name
        column_list = ", ".join(quote(field.column) for field in fields)
        table = quote(meta.db_table)
        if self.is_postgresql:
            count = self._copy(table, column_list, rows, extra)
        else:
            count = self._executemany(table, column_list, given, rows, extra)
        self.counts[meta.label] = self.counts.get(meta.label, 0) + count
        return count

    def _copy(self, table: str, column_list: str, rows: Iterable[Row], extra: Row) -> int:
        count = 0
        sql = f"COPY {table} ({column_list}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            if extra:
                for row in rows:
                    write(row + extra)
                    count += 1
            else:
                for row in rows:
                    write(row)
                    count += 1
        return count

    def _executemany(
        self,
        table: str,
        column_list: str,
        given: Sequence[models.Field[Any, Any]],
        rows: Iterable[Row],
        extra: Row,
    ) -> int:
        placeholders = ", ".join(["%s"] * (len(given) + len(extra)))
        # Quoted names from the models' metadata: no outside input reaches this SQL.
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608
        utc = self.connection.timezone
        datetimes = [i for i, field in enumerate(given) if field.get_internal_type() == "DateTimeField"]
        dates = [i for i, field in enumerate(given) if field.get_internal_type() == "DateField"]

        def adapt(row: Row) -> Row:
            values = list(row)
            for i in datetimes:
                value = values[i]
                if value is not None:
                    values[i] = value.astimezone(utc).replace(tzinfo=None).isoformat(" ")
            for i in dates:
                value = values[i]
                if value is not None:
                    values[i] = value.isoformat()
            return (*values, *extra)

        count = 0
        with self.connection.cursor() as cursor:
            for batch in batched(rows, self.batch_size):
                if datetimes or dates or extra:
                    batch = [adapt(row) for row in batch]
                cursor.executemany(sql, batch)
                count += len(batch)
        return count

    def update(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Row]) -> int:
        """Set ``columns`` of the rows whose primary key comes first in each of ``rows``."""
        meta = model._meta
        fields = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in columns]
        quote = self.connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        # Quoted names from the models' metadata: no outside input reaches this SQL.
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
        datetimes = [i for i, field in enumerate(fields) if field.get_internal_type() == "DateTimeField"]
        utc = self.connection.timezone
        count = 0
        with self.connection.cursor() as cursor:
            for batch in batched(rows, self.batch_size):
                params = []
                for key, *values in batch:
                    if not self.is_postgresql:
                        for i in datetimes:
                            if values[i] is not None:
                                values[i] = values[i].astimezone(utc).replace(tzinfo=None).isoformat(" ")
                    params.append((*values, key))
                cursor.executemany(sql, params)
                count += len(params)
        return count

    def reset_sequences(self, models_: Sequence[type[models.Model]]) -> None:
        """After explicit primary keys: move the sequences past them (PostgreSQL; a no-op elsewhere)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(models_))
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def next_ids(connection: BaseDatabaseWrapper, models_: Sequence[type[models.Model]]) -> dict[str, int]:
    """The first free primary key per model (tables are normally empty when seeding starts)."""
    result = {}
    for model in models_:
        top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
        result[model._meta.label] = (top or 0) + 1
    return result


def _tables(models_: Sequence[type[models.Model]]) -> list[str]:
    """The models' tables and those of their automatic many-to-many tables."""
    tables = []
    for model in models_:
        tables.append(model._meta.db_table)
        for m2m in model._meta.local_many_to_many:
            through: type[models.Model] = m2m.remote_field.through  # type: ignore[assignment]
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
    return tables


class DeferredIndexes:
    """Load without secondary indexes (and, on PostgreSQL, foreign keys), then build them in one go.

    Maintaining a dozen indexes row by row dominates a multi-million-row load; building them afterwards
    is several times faster, and adding a foreign key back checks all rows with one join instead of one
    lookup per row. Primary keys, unique indexes and triggers stay. ``drop()`` and ``rebuild()`` must
    run in one transaction: after an error nothing is rebuilt, and the rollback brings the schema back
    (DDL is transactional on PostgreSQL and SQLite).
    """

    def __init__(self, connection: BaseDatabaseWrapper, models_: Sequence[type[models.Model]]) -> None:
        self.connection = connection
        self.tables = _tables(models_)
        self.postgresql = connection.vendor == "postgresql"
        self.indexes: list[tuple[str, str]] = []
        self.keys: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for table in self.tables:
                if self.postgresql:
                    self._find_postgresql(cursor, table)
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL",
                        [table],
                    )
                    self.indexes.extend(
                        (name, sql)
                        for name, sql in cursor.fetchall()
                        if not sql.upper().startswith("CREATE UNIQUE")
                    )
            if self.postgresql:
                # Checks still pending from earlier writes would block ALTER TABLE: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name, _definition in self.keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _sql in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            if self.postgresql:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are initially deferred

    def _find_postgresql(self, cursor: Any, table: str) -> None:
        quoted = self.connection.ops.quote_name(table)
        cursor.execute(
            """
            SELECT index_class.relname, pg_get_indexdef(index_class.oid)
            FROM pg_index JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid
            WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisprimary AND NOT pg_index.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = pg_index.indexrelid)
            """,
            [quoted],
        )
        self.indexes.extend(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [quoted],
        )
        self.keys.extend((table, name, definition) for name, definition in cursor.fetchall())

    def rebuild(self) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            if self.postgresql:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, sql in self.indexes:
                cursor.execute(sql)
            for table, name, definition in self.keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
