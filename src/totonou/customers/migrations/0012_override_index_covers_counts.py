"""The override index covers what the uncontacted counts read of the customers with an override (key
flag, segment, status, archive, last contact, latest planned contact): SQLite counts them, and finds which
cadences exist, without reading the table."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_customer_last_planned_contact"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_override_idx",
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("cadence_days__isnull", False)),
                fields=[
                    "cadence_days",
                    "is_key",
                    "segment",
                    "status",
                    "archived_at",
                    "last_contact_at",
                    "last_planned_contact_at",
                ],
                name="customer_override_idx",
            ),
        ),
    ]
