"""PostgreSQL: the bucket lexemes of 0004 are taken out of every document again. The bucket-by-bucket walk
they served found a rare word faster (30 ms) but made the common searches of the search pages 0.9–2.6 s
at the large size (a word the customers, contacts or deals lack walked hundreds of buckets); the search
reads the GIN index as before 0004 (ADR 0012). SQLite: nothing."""

from importlib import import_module
from typing import Any

from django.db import migrations

buckets = import_module("totonou.search.migrations.0004_key_buckets")


def withdraw(apps: Any, schema_editor: Any) -> None:
    buckets.remove_buckets(apps, schema_editor)


def restore(apps: Any, schema_editor: Any) -> None:
    buckets.add_buckets(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_key_buckets")]

    operations = [migrations.RunPython(withdraw, restore, elidable=False)]
