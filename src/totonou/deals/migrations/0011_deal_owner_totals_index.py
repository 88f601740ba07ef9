from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0010_covering_indexes_for_targets"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["owner", "stage", "archived_at", "amount"], name="deal_owner_totals_idx"
            ),
        ),
    ]
