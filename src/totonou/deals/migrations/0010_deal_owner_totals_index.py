from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0009_deal_list_totals_index"),
        ("users", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="deal",
            name="deal_owner_stage_idx",
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["owner", "stage", "archived_at", "amount"], name="deal_owner_totals_idx"
            ),
        ),
    ]
