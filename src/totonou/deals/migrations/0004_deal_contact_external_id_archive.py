"""Deals get a contact (of their customer: checked by the service, and by triggers here like ADR 0003's),
an external id (unique when given, for imports), an archive time and their last activity's time.

On SQLite, adding the NOT NULL ``external_id`` rebuilds ``deals_deal``, which drops the triggers on it and
trips the activity triggers that name it: those of ``activities/0005`` are dropped first and made again
after (as ``activities/0007`` does for the activity table).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


_deal_triggers = importlib.import_module("totonou.activities.migrations.0005_seed_types_and_deal_trigger")

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER deal_contact_customer_insert BEFORE INSERT ON deals_deal
    WHEN NEW.contact_id IS NOT NULL
     AND (SELECT customer_id FROM customers_contact WHERE id = NEW.contact_id) IS NOT NEW.customer_id
    BEGIN SELECT RAISE(ABORT, 'deal_contact_belongs_to_customer'); END
    """,
    """
    CREATE TRIGGER deal_contact_customer_update BEFORE UPDATE OF contact_id, customer_id ON deals_deal
    WHEN NEW.contact_id IS NOT NULL
     AND (SELECT customer_id FROM customers_contact WHERE id = NEW.contact_id) IS NOT NEW.customer_id
    BEGIN SELECT RAISE(ABORT, 'deal_contact_belongs_to_customer'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS deal_contact_customer_insert",
    "DROP TRIGGER IF EXISTS deal_contact_customer_update",
]
POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION deal_contact_belongs_to_customer() RETURNS trigger AS $$
    BEGIN
        IF NEW.contact_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM customers_contact WHERE id = NEW.contact_id AND customer_id = NEW.customer_id
        ) THEN
            RAISE EXCEPTION 'deal_contact_belongs_to_customer' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER deal_contact_customer BEFORE INSERT OR UPDATE OF contact_id, customer_id
    ON deals_deal FOR EACH ROW EXECUTE FUNCTION deal_contact_belongs_to_customer()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS deal_contact_customer ON deals_deal",
    "DROP FUNCTION IF EXISTS deal_contact_belongs_to_customer()",
]

BACKFILL_LAST_ACTIVITY = """
    UPDATE deals_deal SET last_activity_at = (
        SELECT MAX(starts_at) FROM activities_activity
         WHERE activities_activity.deal_id = deals_deal.id AND activities_activity.status = 'done'
    )
"""


def create_triggers(apps, schema_editor):
    statements = POSTGRES_TRIGGERS if schema_editor.connection.vendor == "postgresql" else SQLITE_TRIGGERS
    schema_editor.execute(BACKFILL_LAST_ACTIVITY)
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


def sqlite_drop_deal_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _deal_triggers.drop_triggers(apps, schema_editor)


def sqlite_create_deal_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _deal_triggers.create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0008_owner_planned_index"),
        ("customers", "0004_customer_uncontacted_idx"),
        ("deals", "0003_seed_stages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sqlite_drop_deal_triggers, sqlite_create_deal_triggers),
        migrations.AddField(
            model_name="deal",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="archived at"),
        ),
        migrations.AddField(
            model_name="deal",
            name="contact",
            field=models.ForeignKey(
                blank=True,
                help_text="A contact of the deal's customer.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="deals",
                to="customers.contact",
                verbose_name="contact",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="external_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="external id"),
        ),
        migrations.AddField(
            model_name="deal",
            name="last_activity_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last activity"),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["amount", "id"], name="deal_amount_idx"),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["expected_close_date", "id"], name="deal_close_idx"),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["stage_entered_at", "id"], name="deal_entered_idx"),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["last_activity_at", "id"], name="deal_last_activity_idx"),
        ),
        migrations.AddConstraint(
            model_name="deal",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("external_id",),
                name="deal_external_id_unique",
            ),
        ),
        migrations.RunPython(sqlite_create_deal_triggers, sqlite_drop_deal_triggers),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
