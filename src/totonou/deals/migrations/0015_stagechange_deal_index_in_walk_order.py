from django.db import migrations, models


class Migration(migrations.Migration):
    """A deal's changes indexed in the funnel's walk order: deal, time, then id (the tie-break)."""

    dependencies = [
        ("deals", "0014_stagechange_deal_owner"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="stagechange",
            name="stagechange_deal_stage_idx",
        ),
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(fields=["deal", "changed_at", "id", "to_stage"], name="stagechange_deal_stage_idx"),
        ),
    ]
