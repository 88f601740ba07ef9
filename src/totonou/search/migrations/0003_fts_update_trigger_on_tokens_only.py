"""SQLite: the trigger that keeps FTS5 in step with ``search_document`` fires on a change of the tokens or
the key only (``AFTER UPDATE OF id, tokens``), not on an owner's change: a bulk reassign of 5,000
customers re-indexed their documents' tokens for nothing. PostgreSQL: nothing."""

from typing import Any

from django.db import migrations

from totonou.search import backend

OLD_UPDATE_TRIGGER = (
    f"CREATE TRIGGER search_document_au AFTER UPDATE ON {backend.TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {backend.FTS_TABLE}({backend.FTS_TABLE}, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    f"INSERT INTO {backend.FTS_TABLE}(rowid, tokens) VALUES (new.id, new.tokens); END"
)


def _replace(schema_editor: Any, statement: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS search_document_au")
    schema_editor.execute(statement)


def forwards(apps: Any, schema_editor: Any) -> None:
    (update_trigger,) = [sql for sql in backend.SQLITE_TRIGGERS if "search_document_au" in sql]
    _replace(schema_editor, update_trigger)


def backwards(apps: Any, schema_editor: Any) -> None:
    _replace(schema_editor, OLD_UPDATE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_token_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
