"""``ActivityDayCount``: done activities per owner, UTC day and type, kept by triggers on
``activities_activity`` whatever writes the rows (services, imports, the seed writer, SQL), and filled from
the existing activities (ADR 0037).

On PostgreSQL the update trigger also watches ``customer_id``: a new customer changes
``is_key_customer`` in 0007's BEFORE trigger, and ``UPDATE OF`` fires only for the columns an UPDATE
names. Every change is a signed delta through one upsert, so the triggers agree whatever order SQLite fires
them in beside the key-customer triggers of 0007 (which update the row just inserted). A UTC day is the
first ten characters of SQLite's UTC text and ``(starts_at AT TIME ZONE 'UTC')::date`` on PostgreSQL, as
``activities.calendar_feed.UTCDay``; ``activities.rebuild.activity_counts_rebuild`` computes the same
table with it, and a test checks that the triggers and the rebuild agree.
"""

from django.conf import settings
from django.db import migrations, models

_SQLITE_ADD = """
    INSERT INTO activities_activitydaycount (owner_id, day, type_id, done, key_done)
    SELECT {row}.owner_id, substr({row}.starts_at, 1, 10), {row}.type_id, {sign}1, {sign}{row}.is_key_customer
     WHERE {row}.status = 'done'
    ON CONFLICT (owner_id, day, type_id)
    DO UPDATE SET done = done + excluded.done, key_done = key_done + excluded.key_done;
"""
_CHANGED = """
    (OLD.status = 'done' OR NEW.status = 'done') AND (
        OLD.status IS NOT NEW.status OR OLD.owner_id IS NOT NEW.owner_id OR OLD.type_id IS NOT NEW.type_id
        OR OLD.is_key_customer IS NOT NEW.is_key_customer
        OR substr(OLD.starts_at, 1, 10) IS NOT substr(NEW.starts_at, 1, 10)
    )
"""

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER activity_day_count_insert AFTER INSERT ON activities_activity
    WHEN NEW.status = 'done'
    BEGIN {_SQLITE_ADD.format(row="NEW", sign="")} END
    """,
    f"""
    CREATE TRIGGER activity_day_count_delete AFTER DELETE ON activities_activity
    WHEN OLD.status = 'done'
    BEGIN {_SQLITE_ADD.format(row="OLD", sign="-")} END
    """,
    f"""
    CREATE TRIGGER activity_day_count_update
    AFTER UPDATE OF status, owner_id, starts_at, type_id, is_key_customer ON activities_activity
    WHEN {_CHANGED}
    BEGIN {_SQLITE_ADD.format(row="OLD", sign="-")} {_SQLITE_ADD.format(row="NEW", sign="")} END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS activity_day_count_insert",
    "DROP TRIGGER IF EXISTS activity_day_count_delete",
    "DROP TRIGGER IF EXISTS activity_day_count_update",
]

POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION activity_day_count_add(
        owner bigint, at timestamptz, kind bigint, delta integer, key boolean
    ) RETURNS void AS $$
        INSERT INTO activities_activitydaycount (owner_id, day, type_id, done, key_done)
        VALUES (owner, (at AT TIME ZONE 'UTC')::date, kind, delta, CASE WHEN key THEN delta ELSE 0 END)
        ON CONFLICT (owner_id, day, type_id) DO UPDATE
        SET done = activities_activitydaycount.done + EXCLUDED.done,
            key_done = activities_activitydaycount.key_done + EXCLUDED.key_done
    $$ LANGUAGE sql
    """,
    """
    CREATE OR REPLACE FUNCTION activity_day_count() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF OLD.status IS NOT DISTINCT FROM NEW.status
               AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.type_id IS NOT DISTINCT FROM NEW.type_id
               AND OLD.is_key_customer IS NOT DISTINCT FROM NEW.is_key_customer
               AND (OLD.starts_at AT TIME ZONE 'UTC')::date = (NEW.starts_at AT TIME ZONE 'UTC')::date THEN
                RETURN NULL;
            END IF;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            IF OLD.status = 'done' THEN
                PERFORM activity_day_count_add(OLD.owner_id, OLD.starts_at, OLD.type_id, -1, OLD.is_key_customer);
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.status = 'done' THEN
                PERFORM activity_day_count_add(NEW.owner_id, NEW.starts_at, NEW.type_id, 1, NEW.is_key_customer);
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER activity_day_count
    AFTER INSERT OR DELETE OR UPDATE OF status, owner_id, starts_at, type_id, is_key_customer, customer_id
    ON activities_activity FOR EACH ROW EXECUTE FUNCTION activity_day_count()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS activity_day_count ON activities_activity",
    "DROP FUNCTION IF EXISTS activity_day_count()",
    "DROP FUNCTION IF EXISTS activity_day_count_add(bigint, timestamptz, bigint, integer, boolean)",
]

SQLITE_BACKFILL = """
    INSERT INTO activities_activitydaycount (owner_id, day, type_id, done, key_done)
    SELECT owner_id, substr(starts_at, 1, 10), type_id, COUNT(*), SUM(is_key_customer)
      FROM activities_activity WHERE status = 'done' GROUP BY 1, 2, 3
"""
POSTGRES_BACKFILL = """
    INSERT INTO activities_activitydaycount (owner_id, day, type_id, done, key_done)
    SELECT owner_id, (starts_at AT TIME ZONE 'UTC')::date, type_id, COUNT(*), COUNT(*) FILTER (WHERE is_key_customer)
      FROM activities_activity WHERE status = 'done' GROUP BY 1, 2, 3
"""


def create_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_BACKFILL if postgres else SQLITE_BACKFILL)
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0016_feed_days_covering_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityDayCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("done", models.IntegerField(default=0)),
                ("key_done", models.IntegerField(default=0)),
                (
                    "owner",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "type",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="activities.activitytype",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("owner", "day", "type"), name="activity_day_count_unique")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
