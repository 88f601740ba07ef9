from django.db import migrations

STAGES = [
    # slug, ja, en, order, probability, stagnation_days, kind
    ("lead", "リード", "Lead", 10, 10, 30, "open"),
    ("qualified", "ニーズ確認", "Qualified", 20, 25, 30, "open"),
    ("proposal", "提案", "Proposal", 30, 50, 21, "open"),
    ("negotiation", "交渉", "Negotiation", 40, 75, 21, "open"),
    ("won", "受注", "Won", 90, 100, 0, "won"),
    ("lost", "失注", "Lost", 99, 0, 0, "lost"),
]

LOSS_REASONS = [
    ("price", "価格", "Price", 10),
    ("competitor", "競合に敗退", "Lost to a competitor", 20),
    ("timing", "時期の見送り", "Timing / postponed", 30),
    ("no_budget", "予算なし", "No budget", 40),
    ("requirements", "要件不一致", "Requirements not met", 50),
    ("no_decision", "意思決定されず", "No decision", 60),
    ("other", "その他", "Other", 90),
]


def seed(apps, schema_editor):
    Stage = apps.get_model("deals", "Stage")
    LossReason = apps.get_model("deals", "LossReason")
    for slug, ja, en, order, probability, stagnation, kind in STAGES:
        Stage.objects.update_or_create(
            slug=slug,
            defaults={
                "name_ja": ja,
                "name_en": en,
                "order": order,
                "probability": probability,
                "stagnation_days": stagnation,
                "kind": kind,
            },
        )
    for slug, ja, en, order in LOSS_REASONS:
        LossReason.objects.update_or_create(slug=slug, defaults={"name_ja": ja, "name_en": en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("deals", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
