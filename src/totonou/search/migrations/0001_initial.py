import django.db.models
from django.db import migrations, models

import totonou.search.models


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", totonou.search.models.SortKeyField(primary_key=True, serialize=False, verbose_name="sort key")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("activity", "Activities"),
                            ("customer", "Customers"),
                            ("contact", "Contacts"),
                            ("deal", "Deals"),
                        ],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("object_id", models.BigIntegerField(verbose_name="object id")),
                ("title", models.CharField(blank=True, max_length=300, verbose_name="title")),
                ("body", models.TextField(blank=True, verbose_name="text")),
                ("date", models.DateTimeField(verbose_name="date")),
                ("owner_id", models.BigIntegerField(blank=True, null=True, verbose_name="owner id")),
                ("customer_id", models.BigIntegerField(blank=True, null=True, verbose_name="customer id")),
                (
                    "tokens",
                    totonou.search.models.TokensField(blank=True, default="", editable=False, verbose_name="tokens"),
                ),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
                "indexes": [
                    models.Index(fields=["customer_id", "kind"], name="search_document_customer_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="search_document_object_unique")
                ],
            },
        ),
    ]
