"""``Activity.external_id``: the id an activity has in another system, unique when given, so an import
matches on it. The column is added with ``ALTER TABLE … ADD COLUMN`` on both databases: Django would rebuild
the table on SQLite, which drops the triggers on it (ADR 0011)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0011_comment_weekly_report"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE activities_activity ADD COLUMN external_id varchar(64) NOT NULL DEFAULT ''",
                    reverse_sql="ALTER TABLE activities_activity DROP COLUMN external_id",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="activity",
                    name="external_id",
                    field=models.CharField(blank=True, max_length=64, verbose_name="external id"),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("external_id",),
                name="activity_external_id_unique",
            ),
        ),
    ]
