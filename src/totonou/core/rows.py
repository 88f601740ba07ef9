"""Rows read through the database cursor, for selectors that walk tens of thousands of them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def raw_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset as the database driver returns them, without Django's
    per-row converters (for columns that need none: ids, numbers, text, booleans compared by the
    database); none when the query can match nothing (Django raises ``EmptyResultSet`` for ``pk__in=[]``,
    a team without members)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
