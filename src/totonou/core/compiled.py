"""A query read on every request with one changing value, compiled to SQL once per database connection.

Every signed-in request reads its session and its user. Through the ORM, building and compiling those two
small queries cost more than running them (0.9 ms of Python against 0.05 ms of SQLite for the user with
their team and the bell's count; 0.2 ms against 0.02 for the session). ``CompiledQuery`` builds the
queryset once per connection with a stand-in value, keeps its SQL, and on each read runs that SQL with
the value and builds the model instances as Django's ``ModelIterable`` does (converters, the rows of
``select_related``, annotations). The queryset stays the one definition: its columns follow the models.

``CompiledList`` does the same for a page of rows whose query takes several values and comes in a few
shapes (a feed with or without a filter, an ``IN`` list of so many ids): each shape is compiled once per
connection with a stand-in for every value, and each read substitutes the values wherever their stand-ins
landed in the parameters (a value may be used more than once, as a user's id in two subqueries).

Both build their rows' instances as ``Model.from_db`` leaves them, without ``Model.__init__``'s generic
path (``_maker``): the loaded columns go straight into the instance's ``__dict__``, as ``__init__`` puts
them there through ``setattr``. Only a model whose loaded fields have no setter of their own, and with
no ``pre_init``/``post_init`` receiver, is built that way; any other goes through ``from_db``. On the
feed's 180 instances a request this was about a tenth of its time.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # ModelIterable's
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from totonou.core.functions import Ids

M = TypeVar("M", bound=Model)

#: The stand-in for the value while compiling: a number no key or parameter of these queries holds.
_STAND_IN = -918_273_645_546_372_819


#: The stand-in for a moment: the epoch and a number of microseconds no real moment of these queries has.
_MOMENT = datetime.datetime(1970, 1, 1, 0, 0, 0, 918_273, tzinfo=datetime.UTC)


def _stand_in(index: int, value: Any) -> Any:
    """The stand-in of the ``index``-th value: a number, a text or a moment (an aware datetime) no key or
    parameter holds, or for ids bound as one parameter (``functions.Ids``, the ``AnyOf`` lookup) ids that
    are that number."""
    if isinstance(value, Ids):
        return Ids([_STAND_IN + index])
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise TypeError("A compiled query takes aware datetimes only.")
        return _MOMENT + datetime.timedelta(seconds=index)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"A compiled query takes numbers and texts as values, not {type(value).__name__}.")
    return _STAND_IN + index if isinstance(value, int) else f"\x00totonou-stand-in-{index}"


def _parameter(value: Any, alias: str) -> Any:
    """``value`` as Django puts it among a query's parameters: a moment adapted by the database's
    operations, as a ``DateTimeField`` lookup adapts it (a text in UTC on SQLite, the datetime on
    PostgreSQL); a number or a text as it is. A moment used any other way (a date, an expression's
    value) is not found among the parameters, and compiling refuses it."""
    if isinstance(value, datetime.datetime):
        return connections[alias].ops.adapt_datetimefield_value(value)
    return value


def _plain(model: type[Model], attnames: Sequence[str]) -> bool:
    """Whether ``Model.__init__`` would only store ``attnames``' values in the instance's ``__dict__``:
    the model keeps Django's ``__init__`` and ``from_db``, and no loaded field has a setter of its own
    (a field's ``DeferredAttribute`` has none; a foreign key's id setter only forgets a cached related
    object, which a new instance does not have). A file field's descriptor, say, has one."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return False
    for attname in attnames:
        descriptor = inspect.getattr_static(model, attname, None)
        if type(descriptor) in (DeferredAttribute, ForeignKeyDeferredAttribute):
            continue
        if descriptor is not None and hasattr(type(descriptor), "__set__"):
            return False
    return True


def _maker(model: type[Model], attnames: list[str], alias: str) -> Callable[[Sequence[Any]], Model]:
    """A function that builds ``model.from_db(alias, attnames, values)``'s instance. For a ``_plain``
    model it sets what ``Model.__init__`` and ``from_db`` set (the state, then each loaded value; a
    deferred field is left out, as ``__init__`` leaves it); while a ``pre_init`` or ``post_init``
    receiver listens to the model, through ``from_db`` itself."""
    if not _plain(model, attnames):
        return lambda values: model.from_db(alias, attnames, values)
    new = object.__new__

    def make(values: Sequence[Any]) -> Model:
        if (pre_init.receivers or post_init.receivers) and (  # none at all: the common case, checked first
            pre_init.has_listeners(model) or post_init.has_listeners(model)
        ):
            return model.from_db(alias, attnames, values)
        instance = new(model)
        state = ModelState()
        state.adding = False
        state.db = alias
        fields = instance.__dict__
        fields["_state"] = state
        fields.update(zip(attnames, values, strict=True))
        return instance

    return make


class _Populator:
    """Django's ``RelatedPopulator`` (a ``select_related`` model's instance from the same row), its
    instance built by ``_maker``."""

    def __init__(self, populator: Any, alias: str) -> None:
        self.reorder = populator.reorder_for_init
        self.start, self.end = getattr(populator, "cols_start", 0), getattr(populator, "cols_end", 0)
        self.pk_index = populator.pk_idx
        self.make = _maker(populator.model_cls, populator.init_list, alias)
        self.related = [_Populator(related, alias) for related in populator.related_populators]
        self.local_setter, self.remote_setter = populator.local_setter, populator.remote_setter

    def populate(self, row: Sequence[Any], from_instance: Model) -> None:
        values = self.reorder(row) if self.reorder else row[self.start : self.end]
        if values[self.pk_index] is None:
            instance = None
        else:
            instance = self.make(values)
            for related in self.related:
                related.populate(row, instance)
        self.local_setter(from_instance, instance)
        if instance is not None:
            self.remote_setter(instance, from_instance)


def _cursor(alias: str) -> Any:
    """A cursor for a compiled query. On PostgreSQL, one that binds its parameters on the server and
    runs the query as a prepared statement (``prepare=True``): PostgreSQL parses and plans it once per
    connection. Planning was most of these queries' time (the deal page's record: 0.75 ms planning,
    0.08 running). Only compiled reads run this way: the rest of the app keeps Django's client-side
    binding, and ``settings.TOTONOU_PREPARED_READS`` turns it off (a pooler in transaction mode before
    PgBouncer 1.21 cannot keep prepared statements). The cursor is Django's wrapper, so queries are
    counted and logged as any other (``docs/adr/0047-prepared-compiled-reads.md``)."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not settings.TOTONOU_PREPARED_READS:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's default: psycopg prepares nothing of its own accord
        raw.prepare_threshold = _NEVER  # and still nothing but what asks for it (``prepare=True``)
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(raw, ops=connection.ops))  # type: ignore[attr-defined]


#: A ``prepare_threshold`` no query reaches: psycopg prepares only the queries run with ``prepare=True``.
_NEVER = 2**62


def _preparing_cursor_class() -> type:
    """Django's server-binding cursor that runs every query prepared, defined once psycopg is needed."""
    global _PREPARING
    if _PREPARING is None:
        from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

        class Preparing(ServerBindingCursor):
            def __init__(self, connection: Any, *, ops: Any) -> None:
                super().__init__(connection)
                self._ops = ops

            def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
                result = super().execute(query, params, prepare=True)
                # A prepared query leaves psycopg's ``_query`` unset; Django's log reads its SQL there.
                self._query = _Logged(self._ops, query, params)
                return result

        _PREPARING = Preparing
    return _PREPARING


_PREPARING: type | None = None


class _Logged:
    """The last query as Django's query log reads it (``cursor._query.query``): its SQL with the values
    written in, composed only when read (``CaptureQueriesContext``, ``DEBUG``)."""

    def __init__(self, ops: Any, sql: str, params: Any) -> None:
        self.ops, self.sql, self.params = ops, sql, params

    @property
    def query(self) -> bytes:
        return str(self.ops.compose_sql(self.sql, self.params)).encode()


def _same(param: Any, stand_in: Any) -> bool:
    return type(param) is type(stand_in) and bool(param == stand_in)


class _Compiled:
    def __init__(
        self, queryset: QuerySet[Any], alias: str, stand_ins: tuple[Any, ...] = (_STAND_IN,)
    ) -> None:
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()  # also works out the select, klass_info and annotations
        self.slots = [
            [index for index, param in enumerate(params) if _same(param, _parameter(stand_in, alias))]
            for stand_in in stand_ins
        ]
        if not all(self.slots):
            raise ValueError("A compiled query must use each of its values.")
        self.sql, self.params = sql, list(params)
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [column[0] for column in compiler.select[: compiler.col_count]]
        )
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in compiler.select[self.start : self.end]]
        self.make = _maker(self.model, self.init_list, alias)
        self.populators = [
            _Populator(populator, alias)
            for populator in get_related_populators(klass_info, compiler.select, alias)
        ]
        self.annotations = list(compiler.annotation_col_map.items())

    def instance(self, row: Any, alias: str) -> Any:
        """The model instance of a converted row, as Django's ``ModelIterable`` builds it."""
        instance = self.make(row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations:
            setattr(instance, name, row[position])
        return instance


class CompiledQuery(Generic[M]):
    """``build(value)`` is the queryset; ``first(value)`` its first row, compiled once per connection.
    ``takes``: the type of the value (a number, or ``str`` for a text: an API token's hash)."""

    def __init__(self, build: Callable[[Any], QuerySet[M]], *, takes: type[int | str] = int) -> None:
        self.build = build
        self.stand_in = _stand_in(0, takes())
        self._attribute = f"_totonou_compiled_{id(self)}"

    def _compiled(self, alias: str) -> _Compiled:
        connection = connections[alias]
        compiled = connection.__dict__.get(self._attribute)
        if compiled is None:
            compiled = _Compiled(self.build(self.stand_in), alias, (self.stand_in,))
            if len(compiled.slots[0]) != 1:
                raise ValueError("A compiled query takes its value exactly once.")
            connection.__dict__[self._attribute] = compiled  # per connection: one per thread
        return compiled

    def first(self, value: Any, *, using: str = DEFAULT_DB_ALIAS) -> M | None:
        compiled = self._compiled(using)
        params = list(compiled.params)
        params[compiled.slots[0][0]] = value
        with _cursor(using) as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        instance: M = compiled.instance(row, using)
        return instance


class CompiledList(Generic[M]):
    """``build(shape, *values)`` is the queryset; ``list(shape, *values)`` its rows, each shape compiled
    once per connection. ``shape`` is whatever changes the SQL (which filters are set, a limit, how many
    ids): ``build`` must give the same SQL for the same shape whatever the values, and use every value."""

    def __init__(self, build: Callable[..., QuerySet[M]]) -> None:
        self.build = build
        self._attribute = f"_totonou_compiled_list_{id(self)}"

    def _compiled(self, shape: Hashable, values: tuple[Any, ...], alias: str) -> _Compiled:
        connection = connections[alias]
        shapes: dict[Hashable, _Compiled] | None = connection.__dict__.get(self._attribute)
        if shapes is None:
            shapes = connection.__dict__[self._attribute] = {}
        key = (shape, *(type(value) for value in values))
        compiled = shapes.get(key)
        if compiled is None:
            stand_ins = tuple(_stand_in(index, value) for index, value in enumerate(values))
            compiled = shapes[key] = _Compiled(self.build(shape, *stand_ins), alias, stand_ins)
        return compiled

    def list(self, shape: Hashable, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        for value in values:
            _stand_in(0, value)  # the same types as the stand-ins, so one shape is one SQL
        compiled = self._compiled(shape, values, using)
        params = list(compiled.params)
        for slots, value in zip(compiled.slots, values, strict=True):
            parameter = _parameter(value, using)
            for position in slots:
                params[position] = parameter
        with _cursor(using) as cursor:
            cursor.execute(compiled.sql, params)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return [compiled.instance(row, using) for row in rows]
