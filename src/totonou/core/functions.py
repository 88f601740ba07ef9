"""Database functions written once for both backends."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count, F, FloatField, Func, Lookup, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


class Seconds(Func):
    """``end - start`` in seconds (a float), computed by the database on both backends: a DurationField
    subtraction on SQLite calls a Python function per row, and reading the two timestamps to subtract them
    in Python costs two datetime conversions per row. ``end`` and ``start`` are field names or expressions
    (an ``OuterRef`` in a subquery). SQLite's ``julianday`` is exact to a few tens of microseconds: round
    to the millisecond before comparing."""

    output_field = FloatField()
    # ``date_part`` answers double precision. EXTRACT answers numeric on PostgreSQL 14+: computing it and
    # casting it was 9.5 ms of SQL for a team's year of stage changes (18,319 rows; date_part 2.3 ms), and
    # read as Decimal without the cast it cost ~15 ms more in Python.
    template = "date_part('epoch', %(expressions)s)"
    arg_joiner = " - "

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(*(F(value) if isinstance(value, str) else value for value in (end, start)))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class Ids(list[int]):
    """Ids bound as one parameter (``AnyOf``): a list on PostgreSQL (an array), JSON text on SQLite (the
    ``sqlite3`` module asks a value it cannot bind for ``__conform__``)."""

    def __conform__(self, protocol: Any) -> str:
        return json.dumps(list(self))


class AnyOf(Lookup):
    """``expression`` is one of ``ids``, the list bound as one parameter: ``= ANY(%s)`` on PostgreSQL,
    ``IN (SELECT value FROM json_each(%s))`` on SQLite, where ``pk__in`` writes one placeholder per id.
    One SQL for any number of ids: a compiled query (``core.compiled``) is one prepared statement, and
    psycopg parses a query of more than 50 parameters again on every run (a team's calendar week read
    its 150 shown rows with 256 placeholders: 0.5 ms of parsing in Python)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def __init__(self, expression: Any, ids: Any) -> None:
        super().__init__(F(expression) if isinstance(expression, str) else expression, Ids(ids))

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, self.rhs]  # noqa: S608 -- a column


def set_size(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of ``queryset``, as an expression another query can carry on its rows: a scalar
    subquery ``(SELECT COUNT(*) … the same filters)`` with no outer reference, which the database computes
    once per query (PostgreSQL's InitPlan; SQLite keeps the value of a subquery that refers to nothing
    outside). A page read with it needs no COUNT query of its own. The count has no joins, no ordering and
    no annotations of ``queryset``, only its filters."""
    counted = (
        queryset.order_by()
        .select_related(None)
        .annotate(_counted=Value(1))
        .values("_counted")
        .annotate(size=Count("*"))
        .values("size")
    )
    return Coalesce(Subquery(counted), 0)
