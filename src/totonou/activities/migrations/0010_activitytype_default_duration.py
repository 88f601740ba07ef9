import django.core.validators
from django.db import migrations, models

# The usual length of one activity of each seeded type, in minutes.
USUAL_MINUTES = {"visit": 60, "web_meeting": 30, "call": 10, "email": 5, "proposal": 60, "demo": 60, "internal": 30}


def seed(apps, schema_editor):
    ActivityType = apps.get_model("activities", "ActivityType")
    for slug, minutes in USUAL_MINUTES.items():
        ActivityType.objects.filter(slug=slug).update(default_duration_minutes=minutes)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0009_event_deal_stage_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="activitytype",
            name="default_duration_minutes",
            field=models.PositiveIntegerField(
                default=60,
                help_text="How long one usually takes: a result logged now without a time started this long ago.",
                validators=[django.core.validators.MaxValueValidator(1440)],
                verbose_name="usual duration (minutes)",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
