"""An import's report becomes rows appended with each checkpoint (ImportRow) instead of one JSON list
rewritten whole at every checkpoint; existing reports are copied over."""

import django.db.models.deletion
from django.db import migrations, models


def copy_reports(apps, schema_editor):
    Import = apps.get_model("imports", "Import")
    ImportRow = apps.get_model("imports", "ImportRow")
    for record in Import.objects.exclude(report=[]).iterator(chunk_size=100):
        ImportRow.objects.bulk_create(
            [
                ImportRow(
                    record=record,
                    line=row["line"],
                    status=row["status"],
                    key=str(row.get("key") or "")[:300],
                    message=row.get("message") or "",
                )
                for row in record.report or []
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportRow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("line", models.PositiveIntegerField(verbose_name="line")),
                ("status", models.CharField(max_length=10, verbose_name="result")),
                ("key", models.CharField(blank=True, max_length=300, verbose_name="record")),
                ("message", models.TextField(blank=True, verbose_name="reason")),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="imports.import",
                        verbose_name="import",
                    ),
                ),
            ],
            options={
                "verbose_name": "import line",
                "verbose_name_plural": "import lines",
                "ordering": ["record", "line"],
                "indexes": [models.Index(fields=["record", "status", "line"], name="import_row_status_idx")],
                "constraints": [models.UniqueConstraint(fields=("record", "line"), name="import_row_line_once")],
            },
        ),
        migrations.RunPython(copy_reports, migrations.RunPython.noop),
        migrations.RemoveField(model_name="import", name="report"),
    ]
