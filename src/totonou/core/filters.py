"""Helpers for FilterSchemas: the same filter classes serve the UI lists and the API."""

from __future__ import annotations

import datetime
import typing
from typing import Any, TypeVar

from django.db.models import Func
from django.http import QueryDict
from django.utils import timezone
from ninja import FilterSchema
from pydantic import ValidationError as PydanticValidationError

from totonou.core.bounds import has_nul, nul_message

F = TypeVar("F", bound=FilterSchema)


def aware(value: datetime.datetime | None) -> datetime.datetime | None:
    """Naive datetimes from a query string are read in the active (user's) time zone."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


class NotAnIndex(Func):
    """A column read as ``+column``: the same value, which neither database looks up through an index.

    For a filter that must not steer the plan: the deal list's "open" (any of a few stages) would let
    SQLite, once ``ANALYZE`` has run, walk the stage index and sort every open deal for each page; as
    ``+stage_id`` the list walks the index of its sort and stops after a page (``deals/filters.py``).
    SQLite only: PostgreSQL gets the bare column (below)."""

    template = "+%(expressions)s"
    arity = 1

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        """PostgreSQL weighs a LIMIT against its estimate of the matching rows, which it makes from the
        column's statistics: the bare column keeps that estimate (hidden, it guessed 2 % for 25 %)."""
        return compiler.compile(self.source_expressions[0])


def _is_list(annotation: Any) -> bool:
    """``list[int]`` or ``list[int] | None``: a field read with ``getlist`` (``?owners=1&owners=2``)."""
    if typing.get_origin(annotation) is list:
        return True
    return any(typing.get_origin(arg) is list for arg in typing.get_args(annotation))


def filters_from_query(schema: type[F], query: QueryDict) -> tuple[F, dict[str, list[str]]]:
    """Build ``schema`` from a page's query string. Invalid values are dropped and reported per field,
    so a list page shows its field errors instead of failing."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, field in schema.model_fields.items():
        if has_nul(query.getlist(key)):
            errors[key] = [nul_message()]  # as the API refuses it (core.api.refuse_nul_in_query)
        elif _is_list(field.annotation):
            values = [value for value in query.getlist(key) if value != ""]
            if values:
                data[key] = values
        elif query.get(key, "") != "":
            data[key] = query[key]
    try:
        return schema(**data), errors
    except PydanticValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "__all__"
            errors.setdefault(name, []).append(str(error["msg"]))
            data.pop(name, None)
    try:
        return schema(**data), errors
    except PydanticValidationError:
        return schema(), errors


#: A filter's shape for a compiled read: each filter that is set, by name, with its answer when it is a
#: yes/no filter (the answer changes the SQL) and None when it takes a value.
FilterShape = tuple[tuple[str, bool | None], ...]


def filter_shape(filters: FilterSchema) -> tuple[FilterShape, tuple[Any, ...]] | None:
    """The filters that are set as a compiled read's shape (``core.compiled.CompiledList``), and the values
    of those that take one, in the same order; None when a value is one a compiled read cannot take (a
    list of ids, a naive moment): such filters are read through the ORM."""
    shape: list[tuple[str, bool | None]] = []
    values: list[Any] = []
    for name, value in filters:
        if value is None:
            continue
        if isinstance(value, bool):
            shape.append((name, value))
        elif isinstance(value, int | str) or (
            isinstance(value, datetime.datetime) and value.tzinfo is not None
        ):
            shape.append((name, None))
            values.append(value)
        else:
            return None
    return tuple(shape), tuple(values)


def filters_of_shape(schema: type[F], shape: FilterShape, values: tuple[Any, ...]) -> F:
    """The filters ``filter_shape`` took apart, put together again (with stand-ins while compiling)."""
    given = iter(values)
    update = {name: next(given) if answer is None else answer for name, answer in shape}
    return schema().model_copy(update=update)
