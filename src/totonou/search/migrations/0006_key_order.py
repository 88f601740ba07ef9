"""PostgreSQL: the documents' rows in key order (``CLUSTER`` on the primary key), so the newest-first walk
of a search reads a few thousand pages instead of one page per row (ADR 0012). The table remembers the
index for later ``CLUSTER search_document`` runs. Rewrites the table once (about a minute for 2.4 million
documents, the table locked meanwhile). SQLite: nothing (its rows are stored in key order)."""

from typing import Any

from django.db import migrations

from totonou.search import backend


def cluster(apps: Any, schema_editor: Any) -> None:
    for statement in backend.cluster_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def forget(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {backend.TABLE} SET WITHOUT CLUSTER")


class Migration(migrations.Migration):
    dependencies = [("search", "0005_withdraw_key_buckets")]

    operations = [migrations.RunPython(cluster, forget, elidable=False)]
