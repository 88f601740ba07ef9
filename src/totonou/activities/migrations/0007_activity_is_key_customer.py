"""``Activity.is_key_customer``: the customer's key flag, copied onto its activities and kept in step by
triggers on both tables (ADR 0011), whatever writes the rows (services, the seed writer, imports).

On SQLite, adding a NOT NULL column rebuilds the table (copy, drop, rename), which drops the triggers on
it and trips the deals trigger that names it: those of 0005 are dropped first and made again after.
"""

import importlib

from django.db import migrations, models

_deal_triggers = importlib.import_module("totonou.activities.migrations.0005_seed_types_and_deal_trigger")

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER activity_key_customer_insert AFTER INSERT ON activities_activity
    BEGIN
        UPDATE activities_activity
           SET is_key_customer = COALESCE((SELECT is_key FROM customers_customer WHERE id = NEW.customer_id), 0)
         WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER activity_key_customer_update AFTER UPDATE OF customer_id, is_key_customer
    ON activities_activity
    BEGIN
        UPDATE activities_activity
           SET is_key_customer = COALESCE((SELECT is_key FROM customers_customer WHERE id = NEW.customer_id), 0)
         WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER customer_key_to_activities AFTER UPDATE OF is_key ON customers_customer
    WHEN NEW.is_key IS NOT OLD.is_key
    BEGIN
        UPDATE activities_activity SET is_key_customer = NEW.is_key WHERE customer_id = NEW.id;
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS activity_key_customer_insert",
    "DROP TRIGGER IF EXISTS activity_key_customer_update",
    "DROP TRIGGER IF EXISTS customer_key_to_activities",
]

POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION activity_key_customer() RETURNS trigger AS $$
    BEGIN
        NEW.is_key_customer := COALESCE(
            (SELECT is_key FROM customers_customer WHERE id = NEW.customer_id), false
        );
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER activity_key_customer BEFORE INSERT OR UPDATE OF customer_id, is_key_customer
    ON activities_activity FOR EACH ROW EXECUTE FUNCTION activity_key_customer()
    """,
    """
    CREATE OR REPLACE FUNCTION customer_key_to_activities() RETURNS trigger AS $$
    BEGIN
        IF NEW.is_key IS DISTINCT FROM OLD.is_key THEN
            UPDATE activities_activity SET is_key_customer = NEW.is_key WHERE customer_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER customer_key_to_activities AFTER UPDATE OF is_key
    ON customers_customer FOR EACH ROW EXECUTE FUNCTION customer_key_to_activities()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS activity_key_customer ON activities_activity",
    "DROP FUNCTION IF EXISTS activity_key_customer()",
    "DROP TRIGGER IF EXISTS customer_key_to_activities ON customers_customer",
    "DROP FUNCTION IF EXISTS customer_key_to_activities()",
]

BACKFILL = """
    UPDATE activities_activity SET is_key_customer = TRUE
     WHERE customer_id IN (SELECT id FROM customers_customer WHERE is_key)
"""


def create_triggers(apps, schema_editor):
    statements = POSTGRES_TRIGGERS if schema_editor.connection.vendor == "postgresql" else SQLITE_TRIGGERS
    schema_editor.execute(BACKFILL)
    for statement in statements:
        schema_editor.execute(statement)


def sqlite_drop_deal_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _deal_triggers.drop_triggers(apps, schema_editor)


def sqlite_create_deal_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _deal_triggers.create_triggers(apps, schema_editor)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("activities", "0006_insight_indexes"), ("customers", "0003_insight_indexes")]
    operations = [
        migrations.RunPython(sqlite_drop_deal_triggers, sqlite_create_deal_triggers),
        migrations.AddField(
            model_name="activity",
            name="is_key_customer",
            field=models.BooleanField(default=False, editable=False, verbose_name="key customer"),
        ),
        migrations.RunPython(sqlite_create_deal_triggers, sqlite_drop_deal_triggers),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
