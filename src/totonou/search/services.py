"""Writes to the search index. The domain services call ``document_upsert`` / ``document_delete`` inside
their transactions, so the index commits (or rolls back) with the record; ``documents_rebuild`` fills the
whole index from the sources, for bulk loads (seeding, imports) and repairs."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from totonou.search import backend
from totonou.search.models import KIND_NUMBERS, Kind
from totonou.search.sources import DocumentData, sources

# The sort key: kind (3 bits) | minutes since 1970 (27 bits, until the year 2225) | object id (33 bits).
KIND_SHIFT = 60
MINUTE_SHIFT = 33
MAX_MINUTES = (1 << 27) - 1
MAX_OBJECT_ID = (1 << 33) - 1

COLUMNS = ("id", "kind", "object_id", "title", "body", "date", "owner_id", "customer_id", "tokens")


def minutes(date: datetime.datetime) -> int:
    return min(max(int(date.timestamp()) // 60, 0), MAX_MINUTES)


def sort_key(kind: str, date: datetime.datetime, object_id: int) -> int:
    """Newest first is descending key order within a kind; the object id keeps keys unique."""
    if not 0 < object_id <= MAX_OBJECT_ID:
        raise ValueError(f"object id out of the index's range: {object_id}")
    return (KIND_NUMBERS[Kind(kind)] << KIND_SHIFT) | (minutes(date) << MINUTE_SHIFT) | object_id


def key_range(
    kind: str, start: datetime.datetime | None = None, end: datetime.datetime | None = None
) -> tuple[int, int]:
    """The keys of ``kind`` dated in ``[start, end)`` (to the minute)."""
    base = KIND_NUMBERS[Kind(kind)] << KIND_SHIFT
    low = base | (minutes(start) << MINUTE_SHIFT) if start is not None else base
    if end is not None:
        high = base | (minutes(end) << MINUTE_SHIFT)
        high -= 1
    else:
        high = base | (MAX_MINUTES << MINUTE_SHIFT) | MAX_OBJECT_ID
    return low, high


Row = tuple[Any, ...]


def _row(connection: BaseDatabaseWrapper, document: DocumentData, tokens: Callable[[str], str]) -> Row:
    title = document.title[:300]
    body = document.body
    return (
        sort_key(document.kind, document.date, document.object_id),
        document.kind,
        document.object_id,
        title,
        body,
        connection.ops.adapt_datetimefield_value(document.date),
        document.owner_id,
        document.customer_id,
        tokens(f"{title}\n{body}"),
    )


def document_upsert(
    *,
    kind: str,
    object_id: int,
    title: str,
    texts: Iterable[str] = (),
    date: datetime.datetime,
    owner_id: int | None = None,
    customer_id: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Index one record (or re-index it after a change): one statement."""
    connection = connections[using]
    document = DocumentData(kind, object_id, title, tuple(texts), date, owner_id, customer_id)
    row = _row(connection, document, lambda source: backend.tokens_value(connection, source))
    placeholders = ", ".join(["%s"] * (len(COLUMNS) - 1) + [backend.tokens_placeholder(connection)])
    updates = ", ".join(
        f"{column} = excluded.{column}" for column in COLUMNS if column not in {"kind", "object_id"}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {backend.TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates}",
            row,
        )


def documents_upsert(*, documents: Iterable[DocumentData], using: str = DEFAULT_DB_ALIAS) -> int:
    """Index (or re-index) many records in one statement per 1,000: ``document_upsert`` for the batch
    writes (imports). Returns how many."""
    connection = connections[using]
    rows = [
        _row(connection, document, lambda source: backend.tokens_value(connection, source))
        for document in documents
    ]
    if not rows:
        return 0
    placeholders = ", ".join(["%s"] * (len(COLUMNS) - 1) + [backend.tokens_placeholder(connection)])
    updates = ", ".join(
        f"{column} = excluded.{column}" for column in COLUMNS if column not in {"kind", "object_id"}
    )
    with connection.cursor() as cursor:
        for batch in _batched(rows, 1000):
            cursor.executemany(
                f"INSERT INTO {backend.TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders}) "  # noqa: S608
                f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates}",
                batch,
            )
    return len(rows)


def document_delete(*, kind: str, object_id: int, using: str = DEFAULT_DB_ALIAS) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {backend.TABLE} WHERE kind = %s AND object_id = %s", [kind, object_id])  # noqa: S608


def documents_delete_for_customer(
    *, customer_id: int, kinds: Iterable[str] | None = None, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Forget a customer's documents (of ``kinds``; all when None)."""
    with connections[using].cursor() as cursor:
        if kinds is None:
            cursor.execute(f"DELETE FROM {backend.TABLE} WHERE customer_id = %s", [customer_id])  # noqa: S608
            return
        kinds = list(kinds)
        marks = ", ".join(["%s"] * len(kinds))
        cursor.execute(
            f"DELETE FROM {backend.TABLE} WHERE customer_id = %s AND kind IN ({marks})",  # noqa: S608
            [customer_id, *kinds],
        )


def documents_move_customer(
    *, from_customer_id: int, to_customer_id: int, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Documents of a customer merged into another now belong to the survivor."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {backend.TABLE} SET customer_id = %s WHERE customer_id = %s",  # noqa: S608
            [to_customer_id, from_customer_id],
        )


#: Ids per statement of the bulk owner updates (a reassign of thousands of customers).
OWNER_BATCH = 2000


def documents_set_owner_for(
    *, kind: str, object_ids: Iterable[int], owner_id: int, using: str = DEFAULT_DB_ALIAS
) -> None:
    """A new owner for many documents of one kind (a bulk reassign), in batches of ids."""
    _set_owner_in_batches(kind=kind, column="object_id", ids=object_ids, owner_id=owner_id, using=using)


def documents_set_owner_for_customers(
    *, kind: str, customer_ids: Iterable[int], owner_id: int, using: str = DEFAULT_DB_ALIAS
) -> None:
    """A new owner for the documents of ``kind`` that take their owner from their customer (contacts),
    for many customers at once (``documents_set_owner`` for each, in batches of customer ids)."""
    _set_owner_in_batches(kind=kind, column="customer_id", ids=customer_ids, owner_id=owner_id, using=using)


def _set_owner_in_batches(*, kind: str, column: str, ids: Iterable[int], owner_id: int, using: str) -> None:
    assert column in {"object_id", "customer_id"}  # constant names only reach the SQL
    wanted = list(ids)
    with connections[using].cursor() as cursor:
        for start in range(0, len(wanted), OWNER_BATCH):
            batch = wanted[start : start + OWNER_BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"UPDATE {backend.TABLE} SET owner_id = %s WHERE kind = %s AND {column} IN ({marks})",  # noqa: S608
                [owner_id, kind, *batch],
            )


def documents_set_owner(
    *, kind: str, customer_id: int, owner_id: int | None, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Documents that take their owner from their customer (contacts) follow a change of the owner."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {backend.TABLE} SET owner_id = %s "  # noqa: S608
            "WHERE kind = %s AND customer_id = %s",
            [owner_id, kind, customer_id],
        )


# --- Bulk rebuild -----------------------------------------------------------------------------------


def _batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def documents_rebuild(
    *, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Replace the whole index with the documents of every source, in one transaction. The token index
    is built once at the end (FTS5 ``rebuild`` / ``CREATE INDEX``), not row by row; on PostgreSQL the
    rows are first put in key order (``backend.cluster_sql``)."""
    connection = connections[using]
    cache: dict[str, str] = {}

    def tokens(source: str) -> str:
        # Seeded and imported texts repeat a lot; cap the memo so memory stays bounded.
        value = cache.get(source)
        if value is None:
            value = backend.tokens_value(connection, source)
            if len(cache) < 200_000:
                cache[source] = value
        return value

    counts: dict[str, int] = {}
    with transaction.atomic(using=using), connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            for statement in backend.uninstall_sql("postgresql"):
                cursor.execute(statement)
            cursor.execute(f"TRUNCATE {backend.TABLE}")
        else:
            for statement in backend.SQLITE_DROP_TRIGGERS:
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {backend.TABLE}")  # noqa: S608
            cursor.execute(f"INSERT INTO {backend.FTS_TABLE}({backend.FTS_TABLE}) VALUES ('delete-all')")  # noqa: S608
        for kind, source in sources().items():
            rows = (_row(connection, document, tokens) for document in source.documents())
            count = 0
            if postgresql:
                # A batch is read before it is copied: the rows come from the same connection.
                for batch in _batched(rows, 20_000):
                    with cursor.cursor.copy(
                        f"COPY {backend.TABLE} ({', '.join(COLUMNS)}) FROM STDIN"
                    ) as copy:
                        for row in batch:
                            copy.write_row(row)
                    count += len(batch)
            else:
                placeholders = ", ".join(["%s"] * len(COLUMNS))
                sql = f"INSERT INTO {backend.TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
                for batch in _batched(rows, 5000):
                    cursor.executemany(sql, batch)
                    count += len(batch)
            counts[kind] = count
            if progress is not None:
                progress(kind, count)
        if postgresql:
            # in key order before the GIN indexes exist (the sort moves no index entries but the key's)
            for statement in backend.cluster_sql("postgresql"):
                cursor.execute(statement)
            for statement in backend.install_sql("postgresql"):
                cursor.execute(statement)
        else:
            cursor.execute(f"INSERT INTO {backend.FTS_TABLE}({backend.FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
            for statement in backend.SQLITE_TRIGGERS:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {backend.TABLE}")
    return counts
