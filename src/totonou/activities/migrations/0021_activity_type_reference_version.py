"""Every write to the activity types raises the reference data version (ADR 0048)."""

from django.db import migrations

from totonou.core import reference


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_reference_version"),
        ("activities", "0020_customer_planned_contact_triggers"),
    ]

    operations = [reference.triggers_operation("activities_activitytype")]
