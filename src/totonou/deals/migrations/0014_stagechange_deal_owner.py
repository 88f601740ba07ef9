"""``StageChange.deal_owner_id``: the deal's owner copied onto its stage changes and kept in step by
triggers on both tables (as ``Activity.is_key_customer``, ADR 0011), whatever writes the rows (services,
imports, the seed writer, a bulk reassign): a change takes its deal's owner when it is written or moved to
another deal, and a deal's changes follow it when its owner changes.

Adding a nullable column without a default is an ``ALTER TABLE … ADD COLUMN`` on SQLite too (no table
rebuild), so the triggers already on these tables stay. A later migration that rebuilds ``deals_deal`` or
``deals_stagechange`` on SQLite drops the triggers on it and must make them again (as
``activities`` 0007 does for its own).
"""

from django.db import migrations, models

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER stagechange_deal_owner_insert AFTER INSERT ON deals_stagechange
    BEGIN
        UPDATE deals_stagechange
           SET deal_owner_id = (SELECT owner_id FROM deals_deal WHERE id = NEW.deal_id)
         WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER stagechange_deal_owner_update AFTER UPDATE OF deal_id, deal_owner_id ON deals_stagechange
    BEGIN
        UPDATE deals_stagechange
           SET deal_owner_id = (SELECT owner_id FROM deals_deal WHERE id = NEW.deal_id)
         WHERE id = NEW.id
           AND deal_owner_id IS NOT (SELECT owner_id FROM deals_deal WHERE id = NEW.deal_id);
    END
    """,
    """
    CREATE TRIGGER deal_owner_to_stagechanges AFTER UPDATE OF owner_id ON deals_deal
    WHEN NEW.owner_id IS NOT OLD.owner_id
    BEGIN
        UPDATE deals_stagechange SET deal_owner_id = NEW.owner_id WHERE deal_id = NEW.id;
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS stagechange_deal_owner_insert",
    "DROP TRIGGER IF EXISTS stagechange_deal_owner_update",
    "DROP TRIGGER IF EXISTS deal_owner_to_stagechanges",
]

POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION stagechange_deal_owner() RETURNS trigger AS $$
    BEGIN
        NEW.deal_owner_id := (SELECT owner_id FROM deals_deal WHERE id = NEW.deal_id);
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER stagechange_deal_owner BEFORE INSERT OR UPDATE OF deal_id, deal_owner_id
    ON deals_stagechange FOR EACH ROW EXECUTE FUNCTION stagechange_deal_owner()
    """,
    """
    CREATE OR REPLACE FUNCTION deal_owner_to_stagechanges() RETURNS trigger AS $$
    BEGIN
        IF NEW.owner_id IS DISTINCT FROM OLD.owner_id THEN
            UPDATE deals_stagechange SET deal_owner_id = NEW.owner_id WHERE deal_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER deal_owner_to_stagechanges AFTER UPDATE OF owner_id
    ON deals_deal FOR EACH ROW EXECUTE FUNCTION deal_owner_to_stagechanges()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS stagechange_deal_owner ON deals_stagechange",
    "DROP FUNCTION IF EXISTS stagechange_deal_owner()",
    "DROP TRIGGER IF EXISTS deal_owner_to_stagechanges ON deals_deal",
    "DROP FUNCTION IF EXISTS deal_owner_to_stagechanges()",
]

BACKFILL = """
    UPDATE deals_stagechange
       SET deal_owner_id = (SELECT owner_id FROM deals_deal WHERE deals_deal.id = deals_stagechange.deal_id)
"""


def create_triggers(apps, schema_editor):
    statements = POSTGRES_TRIGGERS if schema_editor.connection.vendor == "postgresql" else SQLITE_TRIGGERS
    schema_editor.execute(BACKFILL)
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("deals", "0013_owner_totals_stalled_columns")]

    operations = [
        migrations.AddField(
            model_name="stagechange",
            name="deal_owner_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True, verbose_name="deal owner"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(
                fields=["deal_owner_id", "changed_at", "deal", "to_stage", "id"], name="stagechange_owner_idx"
            ),
        ),
    ]
