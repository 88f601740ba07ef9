"""PostgreSQL: every document's tokens take the lexeme of its key's bucket (``backend.BUCKET_SHIFT``), so a
word frequent overall but absent from the newest documents is found bucket by bucket through the GIN
index. The GIN indexes are dropped while the rows are rewritten and built again after. SQLite: nothing."""

from typing import Any

from django.db import migrations

from totonou.search import backend


def add_buckets(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, f"tokens || {backend.BUCKET_SQL}")


def remove_buckets(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, f"ts_delete(tokens, '~' || (id >> {backend.BUCKET_SHIFT})::text)")


def _rewrite(schema_editor: Any, tokens: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor != "postgresql":
        return
    for statement in backend.uninstall_sql(vendor):
        schema_editor.execute(statement)
    schema_editor.execute(f"UPDATE {backend.TABLE} SET tokens = {tokens}")  # noqa: S608 — constant SQL
    for statement in backend.install_sql(vendor):
        schema_editor.execute(statement)
    schema_editor.execute(f"ANALYZE {backend.TABLE}")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_fts_update_trigger_on_tokens_only")]

    operations = [migrations.RunPython(add_buckets, remove_buckets, elidable=False)]
