"""``Customer.last_planned_contact_at``: the start of the customer's latest planned contact (a planned
activity whose type counts as contact), kept by triggers on ``activities_activity`` and
``activities_activitytype`` whatever writes the rows (services, imports, the seed writer, a merge, SQL),
and filled from the existing plans (ADR 0042).

A new plan moves its customer's value forward when it is later; a deleted plan, an update that changes a
plan's status, start, customer or type, and a type whose "counts as contact" flag changes recompute the
affected customers' value from their plans (``LATEST``, the rule of ``activities.selectors.planned_contacts``
in SQL), writing only a value that changed.
``activities.rebuild.planned_contacts_rebuild`` computes the same column with the ORM rule, and a test
checks that the triggers and the rule agree.
"""

from django.db import migrations

#: The latest planned contact of customer ``{customer}``: the same SQL on SQLite and PostgreSQL. One table,
#: ordered by the customer's start index and stopped at the first match (a ``MAX`` over a join read every
#: activity of the customer, and a busy customer's plans made each new one slower).
LATEST = """(
    SELECT plan.starts_at FROM activities_activity plan
     WHERE plan.customer_id = {customer} AND plan.status = 'planned'
       AND plan.type_id IN (SELECT kind.id FROM activities_activitytype kind WHERE kind.counts_as_contact)
     ORDER BY plan.starts_at DESC LIMIT 1
)"""
#: A new plan moves the value only forward, and only when its type counts as contact: no recompute, and
#: no write when it is not the latest (a row version and index entries saved).
_COUNTS = "(SELECT kind.counts_as_contact FROM activities_activitytype kind WHERE kind.id = NEW.type_id)"
_SQLITE_REFRESH = (
    "UPDATE customers_customer SET last_planned_contact_at = {latest} "
    "WHERE id = {customer} AND last_planned_contact_at IS NOT {latest};"
)


def _sqlite_refresh(customer: str) -> str:
    return _SQLITE_REFRESH.format(latest=LATEST.format(customer=customer), customer=customer)


SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER customer_planned_contact_insert AFTER INSERT ON activities_activity
    WHEN NEW.status = 'planned' AND NEW.customer_id IS NOT NULL AND {_COUNTS}
    BEGIN
        UPDATE customers_customer SET last_planned_contact_at = NEW.starts_at
         WHERE id = NEW.customer_id
           AND (last_planned_contact_at IS NULL OR last_planned_contact_at < NEW.starts_at);
    END
    """,
    f"""
    CREATE TRIGGER customer_planned_contact_delete AFTER DELETE ON activities_activity
    WHEN OLD.status = 'planned' AND OLD.customer_id IS NOT NULL
    BEGIN {_sqlite_refresh("OLD.customer_id")} END
    """,
    f"""
    CREATE TRIGGER customer_planned_contact_update
    AFTER UPDATE OF status, starts_at, customer_id, type_id ON activities_activity
    WHEN (OLD.status = 'planned' OR NEW.status = 'planned') AND (
        OLD.status IS NOT NEW.status OR OLD.starts_at IS NOT NEW.starts_at
        OR OLD.customer_id IS NOT NEW.customer_id OR OLD.type_id IS NOT NEW.type_id
    )
    BEGIN {_sqlite_refresh("OLD.customer_id")} {_sqlite_refresh("NEW.customer_id")} END
    """,
    f"""
    CREATE TRIGGER customer_planned_contact_type AFTER UPDATE OF counts_as_contact ON activities_activitytype
    WHEN OLD.counts_as_contact IS NOT NEW.counts_as_contact
    BEGIN
        UPDATE customers_customer SET last_planned_contact_at = {LATEST.format(customer="customers_customer.id")}
         WHERE id IN (
            SELECT customer_id FROM activities_activity WHERE type_id = NEW.id AND status = 'planned'
         );
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS customer_planned_contact_insert",
    "DROP TRIGGER IF EXISTS customer_planned_contact_delete",
    "DROP TRIGGER IF EXISTS customer_planned_contact_update",
    "DROP TRIGGER IF EXISTS customer_planned_contact_type",
]

POSTGRES_TRIGGERS = [
    f"""
    CREATE OR REPLACE FUNCTION customer_planned_contact_refresh(customer bigint) RETURNS void AS $$
        UPDATE customers_customer SET last_planned_contact_at = latest.starts_at
          FROM (SELECT {LATEST.format(customer="customer")} AS starts_at) latest
         WHERE id = customer AND last_planned_contact_at IS DISTINCT FROM latest.starts_at
    $$ LANGUAGE sql
    """,
    """
    CREATE OR REPLACE FUNCTION customer_planned_contact() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.status = 'planned' AND NEW.customer_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM activities_activitytype kind WHERE kind.id = NEW.type_id AND kind.counts_as_contact
            ) THEN
                UPDATE customers_customer SET last_planned_contact_at = NEW.starts_at
                 WHERE id = NEW.customer_id
                   AND (last_planned_contact_at IS NULL OR last_planned_contact_at < NEW.starts_at);
            END IF;
            RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NOT (OLD.status = 'planned' OR NEW.status = 'planned') OR (
                OLD.status IS NOT DISTINCT FROM NEW.status
                AND OLD.starts_at IS NOT DISTINCT FROM NEW.starts_at
                AND OLD.customer_id IS NOT DISTINCT FROM NEW.customer_id
                AND OLD.type_id IS NOT DISTINCT FROM NEW.type_id
            ) THEN
                RETURN NULL;
            END IF;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.customer_id IS NOT NULL THEN
            IF TG_OP = 'UPDATE' OR OLD.status = 'planned' THEN
                PERFORM customer_planned_contact_refresh(OLD.customer_id);
            END IF;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.customer_id IS NOT NULL
           AND OLD.customer_id IS DISTINCT FROM NEW.customer_id THEN
            PERFORM customer_planned_contact_refresh(NEW.customer_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER customer_planned_contact
    AFTER INSERT OR DELETE OR UPDATE OF status, starts_at, customer_id, type_id
    ON activities_activity FOR EACH ROW EXECUTE FUNCTION customer_planned_contact()
    """,
    """
    CREATE OR REPLACE FUNCTION customer_planned_contact_type() RETURNS trigger AS $$
    BEGIN
        IF OLD.counts_as_contact IS DISTINCT FROM NEW.counts_as_contact THEN
            PERFORM customer_planned_contact_refresh(planned.customer_id)
               FROM (
                SELECT DISTINCT customer_id FROM activities_activity
                 WHERE type_id = NEW.id AND status = 'planned' AND customer_id IS NOT NULL
               ) planned;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER customer_planned_contact_type
    AFTER UPDATE OF counts_as_contact ON activities_activitytype
    FOR EACH ROW EXECUTE FUNCTION customer_planned_contact_type()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS customer_planned_contact ON activities_activity",
    "DROP TRIGGER IF EXISTS customer_planned_contact_type ON activities_activitytype",
    "DROP FUNCTION IF EXISTS customer_planned_contact()",
    "DROP FUNCTION IF EXISTS customer_planned_contact_type()",
    "DROP FUNCTION IF EXISTS customer_planned_contact_refresh(bigint)",
]

#: Every customer's latest planned contact at once (``UPDATE … FROM``: SQLite 3.33+ and PostgreSQL).
BACKFILL = """
    UPDATE customers_customer SET last_planned_contact_at = latest.starts_at
      FROM (
        SELECT plan.customer_id, MAX(plan.starts_at) AS starts_at FROM activities_activity plan
          JOIN activities_activitytype kind ON kind.id = plan.type_id
         WHERE plan.customer_id IS NOT NULL AND plan.status = 'planned' AND kind.counts_as_contact
         GROUP BY plan.customer_id
      ) latest
     WHERE customers_customer.id = latest.customer_id
"""


def create_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(BACKFILL)
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0019_weekly_figures_covering_index"),
        ("customers", "0011_customer_last_planned_contact"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
