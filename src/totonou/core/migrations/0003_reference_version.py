"""The reference data version (``core.reference``, ADR 0048): its row, and on PostgreSQL the function the
reference tables' triggers call (each domain app adds its triggers in a migration of its own)."""

from typing import Any

from django.db import migrations, models

from totonou.core import reference


def install(apps: Any, schema_editor: Any) -> None:
    for statement in reference.install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps: Any, schema_editor: Any) -> None:
    for statement in reference.uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(verbose_name="version")),
            ],
            options={
                "verbose_name": "reference data version",
                "verbose_name_plural": "reference data versions",
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
