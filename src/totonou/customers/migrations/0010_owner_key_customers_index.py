from django.db import migrations, models


class Migration(migrations.Migration):
    """A member's key customers in the order My day lists them (never contacted first)."""

    dependencies = [
        ("customers", "0009_uncontacted_counts_by_segment_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["owner", "is_key", "last_contact_at", "name_kana", "name", "id"],
                name="customer_owner_key_idx",
            ),
        ),
    ]
