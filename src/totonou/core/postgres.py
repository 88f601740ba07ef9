"""Reading PostgreSQL timestamps at the speed SQLite's are read.

Django reads every ``timestamptz`` through its own loader (``psycopg_any.BaseTzLoader``), a subclass of
psycopg's pure-Python one, which parses each value with a regular expression: ~11 µs a value on a slow
machine, against 0.6 µs for an integer (3,000 rows of three timestamps: 104 ms, the same rows of three
ids: 5 ms). A page that reads a few hundred rows paid milliseconds for it (My day reads ~460 timestamps,
a team's calendar week thousands), while SQLite's backend already parses with ``fromisoformat`` (C).

``IsoTimestampLoader`` parses PostgreSQL's ISO output with ``datetime.fromisoformat`` (24 ms for the same
3,000 rows) and gives the very value Django's loader gives: an aware datetime in UTC with
``datetime.timezone.utc``. Django sets each connection's session time zone to UTC (``USE_TZ``, no
``TIME_ZONE`` for the database), so every value ends in ``+00``; anything else (another offset, a year
outside 1–9999, ``infinity``) goes to Django's loader, which answers it as before. It is registered on
each new connection (``connection_created``) only when the connection's time zone is UTC, and carries the
``timezone`` attribute Django compares before each cursor, so Django keeps it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

UTC = datetime.UTC
_fromisoformat = datetime.datetime.fromisoformat


class IsoTimestampLoader(BaseTzLoader):
    timezone = UTC

    def load(self, data: Any) -> datetime.datetime:
        try:
            value = _fromisoformat(bytes(data).decode())
        except ValueError:
            return super().load(data)
        # "+00", the session's time zone, as Django's loader answers it; any other offset goes there
        if value.tzinfo is UTC:
            return value
        return super().load(data)


def register_iso_timestamps(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: PostgreSQL connections in UTC read timestamps with
    ``IsoTimestampLoader``."""
    if connection.vendor != "postgresql" or getattr(connection, "timezone", None) != UTC:
        return
    connection.connection.adapters.register_loader("timestamptz", IsoTimestampLoader)
