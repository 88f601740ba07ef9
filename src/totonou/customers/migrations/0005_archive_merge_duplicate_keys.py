"""Archiving (customers and contacts), merging (``merged_into``) and the keys of the duplicate warning.

On SQLite, the new columns and the check constraint rebuild ``customers_customer`` (copy, drop, rename):
that drops the triggers on it and trips the triggers of other tables that name it (ADR 0011's key flag).
Every trigger that names the table is set aside first and made again, as it was, at the end.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


_SET_ASIDE: list[tuple[str, str]] = []


def _swap_triggers_out(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%customers_customer%'"
        )
        _SET_ASIDE[:] = cursor.fetchall()
    for name, _sql in _SET_ASIDE:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def _swap_triggers_in(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for _name, sql in _SET_ASIDE:
        schema_editor.execute(sql)
    _SET_ASIDE.clear()


def backfill_keys(apps, schema_editor):
    """Duplicate keys for the customers that exist (the model's save() keeps them from now on)."""
    from totonou.customers.models import phone_key, website_domain
    from totonou.search.text import company_key

    Customer = apps.get_model("customers", "Customer")
    batch = []
    rows = Customer.objects.order_by("pk").values_list("pk", "name", "phone", "website")
    for pk, name, phone, website in rows.iterator(chunk_size=5000):
        batch.append(
            Customer(
                pk=pk,
                name_key=company_key(name)[:200],
                phone_key=phone_key(phone)[:30],
                website_domain=website_domain(website)[:200],
            )
        )
        if len(batch) >= 5000:
            Customer.objects.bulk_update(batch, ["name_key", "phone_key", "website_domain"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["name_key", "phone_key", "website_domain"])


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_customer_uncontacted_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_swap_triggers_out, _swap_triggers_in),
        migrations.RemoveIndex(
            model_name='customer',
            name='customer_uncontacted_idx',
        ),
        migrations.AddField(
            model_name='contact',
            name='archived_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='archived at'),
        ),
        migrations.AddField(
            model_name='customer',
            name='archived_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='archived at'),
        ),
        migrations.AddField(
            model_name='customer',
            name='merged_into',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merged_from', to='customers.customer', verbose_name='merged into'),
        ),
        migrations.AddField(
            model_name='customer',
            name='name_key',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='name key'),
        ),
        migrations.AddField(
            model_name='customer',
            name='phone_key',
            field=models.CharField(blank=True, editable=False, max_length=30, verbose_name='phone key'),
        ),
        migrations.AddField(
            model_name='customer',
            name='website_domain',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='website domain'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['owner', 'segment', 'is_key', 'cadence_days', 'status', 'archived_at', 'last_contact_at', 'id'], name='customer_uncontacted_idx'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('name_key', ''), _negated=True), fields=['name_key'], name='customer_name_key_idx'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('phone_key', ''), _negated=True), fields=['phone_key'], name='customer_phone_key_idx'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('website_domain', ''), _negated=True), fields=['website_domain'], name='customer_domain_idx'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='customer_merged_idx'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.CheckConstraint(condition=models.Q(('merged_into__isnull', True), ('archived_at__isnull', False), _connector='OR'), name='customer_merged_is_archived'),
        ),
        migrations.RunPython(backfill_keys, migrations.RunPython.noop),
        migrations.RunPython(_swap_triggers_in, _swap_triggers_out),
    ]
