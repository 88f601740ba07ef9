from django.db import migrations

TYPES = [
    # slug, ja, en, order, counts_as_contact, is_face_to_face, is_customer_facing
    ("visit", "訪問", "Visit", 10, True, True, True),
    ("web_meeting", "Web会議", "Web meeting", 20, True, False, True),
    ("call", "電話", "Call", 30, True, False, True),
    ("email", "メール", "Email", 40, False, False, True),
    ("proposal", "提案", "Proposal", 50, True, True, True),
    ("demo", "デモ", "Demo", 60, True, True, True),
    ("internal", "社内作業", "Internal work", 70, False, False, False),
    ("other", "その他", "Other", 90, False, False, True),
]


def seed(apps, schema_editor):
    ActivityType = apps.get_model("activities", "ActivityType")
    for slug, ja, en, order, contact, face, facing in TYPES:
        ActivityType.objects.update_or_create(
            slug=slug,
            defaults={
                "name_ja": ja,
                "name_en": en,
                "order": order,
                "counts_as_contact": contact,
                "is_face_to_face": face,
                "is_customer_facing": facing,
            },
        )


# An activity's deal must belong to the activity's customer. Django has no composite foreign keys,
# so the database enforces it with a trigger (the service checks first and gives a field message).
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER activity_deal_customer_insert BEFORE INSERT ON activities_activity
    WHEN NEW.deal_id IS NOT NULL
     AND (SELECT customer_id FROM deals_deal WHERE id = NEW.deal_id) IS NOT NEW.customer_id
    BEGIN SELECT RAISE(ABORT, 'activity_deal_belongs_to_customer'); END
    """,
    """
    CREATE TRIGGER activity_deal_customer_update BEFORE UPDATE OF deal_id, customer_id ON activities_activity
    WHEN NEW.deal_id IS NOT NULL
     AND (SELECT customer_id FROM deals_deal WHERE id = NEW.deal_id) IS NOT NEW.customer_id
    BEGIN SELECT RAISE(ABORT, 'activity_deal_belongs_to_customer'); END
    """,
    """
    CREATE TRIGGER deal_customer_keeps_activities BEFORE UPDATE OF customer_id ON deals_deal
    WHEN NEW.customer_id IS NOT OLD.customer_id
     AND EXISTS (SELECT 1 FROM activities_activity WHERE deal_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'activity_deal_belongs_to_customer'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS activity_deal_customer_insert",
    "DROP TRIGGER IF EXISTS activity_deal_customer_update",
    "DROP TRIGGER IF EXISTS deal_customer_keeps_activities",
]

POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION activity_deal_belongs_to_customer() RETURNS trigger AS $$
    BEGIN
        IF NEW.deal_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM deals_deal WHERE id = NEW.deal_id AND customer_id IS NOT DISTINCT FROM NEW.customer_id
        ) THEN
            RAISE EXCEPTION 'activity_deal_belongs_to_customer' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER activity_deal_customer BEFORE INSERT OR UPDATE OF deal_id, customer_id
    ON activities_activity FOR EACH ROW EXECUTE FUNCTION activity_deal_belongs_to_customer()
    """,
    """
    CREATE OR REPLACE FUNCTION deal_customer_keeps_activities() RETURNS trigger AS $$
    BEGIN
        IF NEW.customer_id IS DISTINCT FROM OLD.customer_id
           AND EXISTS (SELECT 1 FROM activities_activity WHERE deal_id = NEW.id) THEN
            RAISE EXCEPTION 'activity_deal_belongs_to_customer' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER deal_customer_keeps_activities BEFORE UPDATE OF customer_id
    ON deals_deal FOR EACH ROW EXECUTE FUNCTION deal_customer_keeps_activities()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS activity_deal_customer ON activities_activity",
    "DROP FUNCTION IF EXISTS activity_deal_belongs_to_customer()",
    "DROP TRIGGER IF EXISTS deal_customer_keeps_activities ON deals_deal",
    "DROP FUNCTION IF EXISTS deal_customer_keeps_activities()",
]


def create_triggers(apps, schema_editor):
    statements = POSTGRES_TRIGGERS if schema_editor.connection.vendor == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("activities", "0004_initial"), ("deals", "0002_initial")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
