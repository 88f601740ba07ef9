"""Reference data: the small lists every signed-in page offers (the members, teams, activity types and
segments of the filters), read once per process and again only after one of them changed (ADR 0048).

The database keeps one number, ``core_referenceversion.value``, and triggers on each reference table
raise it on every write, whatever writes (a service, an import, the admin, SQL). The signed-in user's own
query reads it (``version_expression``, ``users.backends``), so a request learns the version without a
query of its own, and ``cached_rows`` gives the rows read at that version, or reads them again. The
number only grows, from the clock (microseconds since 1970) or by one, whichever is larger: a database
emptied and filled again (a test's flush, a restore) never shows a number an older state had.

Rows are never kept from inside a transaction: one that changed a segment and was rolled back leaves the
version as it was, and rows read in it would outlive it. Each caller gets copies of the kept instances
(their own state and attributes), so nothing a page sets on a row reaches the next request.

The domain apps add the triggers on their own tables in their migrations (``trigger_sql``); core knows
no domain table. On SQLite a migration that rebuilds such a table drops its triggers and must add them
again (as for the other triggers, ADR 0011).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, Subquery
from django.db.models.base import ModelState

TABLE = "core_referenceversion"
FUNCTION = "core_reference_version_raise"
ROW = 1

#: The clock in microseconds since 1970, as each database writes it.
_CLOCK = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint",
}


def raise_sql(vendor: str) -> str:
    """The statement that raises the version: to the clock, or by one when the clock is not ahead."""
    return (
        f"INSERT INTO {TABLE} (id, value) VALUES ({ROW}, {_CLOCK[vendor]}) "  # noqa: S608 — constants
        f"ON CONFLICT (id) DO UPDATE SET value = "
        f"{'max' if vendor == 'sqlite' else 'GREATEST'}({TABLE}.value + 1, excluded.value)"
    )


def install_sql(vendor: str) -> list[str]:
    """The first version, and on PostgreSQL the trigger function every table's trigger calls."""
    statements = [raise_sql(vendor)]
    if vendor == "postgresql":
        statements.append(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$ "
            f"BEGIN {raise_sql(vendor)}; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
    return statements


def uninstall_sql(vendor: str) -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {FUNCTION}()"] if vendor == "postgresql" else []


def trigger_sql(vendor: str, table: str, columns: Sequence[str] = ()) -> list[str]:
    """Triggers that raise the version when rows of ``table`` are added, deleted or changed (only a change
    of one of ``columns``, when given: the users' sign-in times are not reference data)."""
    name = f"{table}_reference_version"
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    if vendor == "postgresql":
        run = f"EXECUTE FUNCTION {FUNCTION}()"
        if not columns:
            return [
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT {run}"
            ]
        return [
            f"CREATE TRIGGER {name}_rows AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT {run}",
            f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) {run}",
        ]
    if vendor == "sqlite":
        body = f"BEGIN {raise_sql(vendor)}; END"
        update = f"AFTER UPDATE ON {table}" + (
            f" WHEN {changed.replace('IS DISTINCT FROM', 'IS NOT')}" if columns else ""
        )
        return [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} {body}",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} {body}",
            f"CREATE TRIGGER {name}_update {update} {body}",
        ]
    return []


def drop_trigger_sql(vendor: str, table: str) -> list[str]:
    name = f"{table}_reference_version"
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP TRIGGER IF EXISTS {name}_rows ON {table}"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "delete", "update")]
    return []


def version_expression() -> Subquery:
    """The current version, for a query to read along (NULL while the row is missing: nothing cached)."""
    from totonou.core.models import ReferenceVersion

    return Subquery(ReferenceVersion.objects.filter(pk=ROW).values("value")[:1])


#: The attribute the signed-in user's query puts the version on (``users.backends``).
VERSION_ATTRIBUTE = "reference_version"


def version_of(user: Any) -> int | None:
    """The version read with the signed-in user (None for a user read otherwise: nothing is kept)."""
    return getattr(user, VERSION_ATTRIBUTE, None)


M = TypeVar("M", bound=Model)

#: (alias, name) -> (version, rows): one process's rows of each list, as read at that version.
_kept: dict[tuple[str, str], tuple[int, list[Any]]] = {}


def cached_rows(
    name: str, version: int | None, read: Callable[[], list[M]], *, using: str = DEFAULT_DB_ALIAS
) -> list[M]:
    """Copies of the rows of list ``name`` kept at ``version``, else ``read()`` (kept when the version is
    known and no transaction is open)."""
    if version is None or connections[using].in_atomic_block:
        return read()
    kept = _kept.get((using, name))
    if kept is None or kept[0] != version:
        kept = (version, read())
        _kept[(using, name)] = kept
    return [_copy(row) for row in kept[1]]


def _copy(instance: M) -> M:
    """A shallow copy with its own attributes and state (its related-object cache a copy too)."""
    clone = object.__new__(type(instance))
    fields = clone.__dict__
    fields.update(instance.__dict__)
    state = object.__new__(ModelState)  # copy.copy's reduce-and-rebuild cost more than the rest
    state.__dict__.update(instance._state.__dict__)
    if "fields_cache" in state.__dict__:  # the related objects read with the row (a member's team)
        state.__dict__["fields_cache"] = dict(state.__dict__["fields_cache"])
    fields["_state"] = state
    return clone


def forget() -> None:
    """Drop every kept list (tests that switch databases)."""
    _kept.clear()


def triggers_operation(table: str, columns: Sequence[str] = ()) -> Any:
    """A migration operation that adds (or, backwards, drops) ``table``'s triggers."""
    from django.db import migrations

    def add(apps: Any, schema_editor: Any) -> None:
        for statement in trigger_sql(schema_editor.connection.vendor, table, columns):
            schema_editor.execute(statement)

    def drop(apps: Any, schema_editor: Any) -> None:
        for statement in drop_trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    return migrations.RunPython(add, drop, elidable=False)
