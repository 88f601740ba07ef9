"""PostgreSQL: every document's tokens take the lexeme of its key's bucket, so a word frequent overall but
absent from the newest documents is found bucket by bucket through the GIN index. The GIN indexes are
dropped while the rows are rewritten and built again after. SQLite: nothing.

Withdrawn by 0005 (the bucket walk made common searches 1–2.6 s at the large size): the constants are
written here, not read from the search backend, so the pair runs on any database."""

from typing import Any

from django.db import migrations

from totonou.search import backend


#: The bucket of a document: its key shifted right by this many bits.
BUCKET_SHIFT = 46


def add_buckets(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, f"tokens || array_to_tsvector(ARRAY['~' || (id >> {BUCKET_SHIFT})::text])")


def remove_buckets(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, f"ts_delete(tokens, '~' || (id >> {BUCKET_SHIFT})::text)")


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
