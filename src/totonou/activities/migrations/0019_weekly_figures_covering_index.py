from django.db import migrations, models


class Migration(migrations.Migration):
    """The member's-activities index also covers the weekly figures (planned, done as planned, moved)."""

    dependencies = [
        ("activities", "0018_activity_deal_planned_idx"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="activity",
            name="activity_owner_start_idx",
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=[
                    "owner",
                    "starts_at",
                    "id",
                    "status",
                    "is_key_customer",
                    "type",
                    "updated_at",
                    "planned_at",
                    "original_starts_at",
                ],
                name="activity_owner_start_idx",
            ),
        ),
    ]
