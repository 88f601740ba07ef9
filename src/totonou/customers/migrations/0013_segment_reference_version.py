"""Every write to the segments raises the reference data version (ADR 0048)."""

from django.db import migrations

from totonou.core import reference


class Migration(migrations.Migration):
    dependencies = [("core", "0003_reference_version"), ("customers", "0012_override_index_covers_counts")]

    operations = [reference.triggers_operation("customers_segment")]
