"""The token index beside ``search_document``: FTS5 with triggers on SQLite, GIN on PostgreSQL."""

from typing import Any

from django.db import migrations

from totonou.search import backend


def install(apps: Any, schema_editor: Any) -> None:
    for statement in backend.install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps: Any, schema_editor: Any) -> None:
    for statement in backend.uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
