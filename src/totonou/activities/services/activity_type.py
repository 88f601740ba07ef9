"""Writes for activity types (shared reference data: ``ensure_can_change_reference_data``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, ActivityType
from totonou.activities.services.contact import customers_refresh_last_contact
from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ConflictError
from totonou.core.services import lock, reject_unknown, save_changes, unique_slug
from totonou.users.models import User
from totonou.users.permissions import ensure_can_change_reference_data

ACTIVITY_TYPE_FIELDS = {
    "name_ja",
    "name_en",
    "counts_as_contact",
    "is_face_to_face",
    "is_customer_facing",
    "order",
    "is_active",
}


@transaction.atomic
def activity_type_create(*, actor: User, slug: str = "", **fields: Any) -> ActivityType:
    """A new type. Its slug (how the API names it) is fixed once made: from ``slug`` or the English name."""
    ensure_can_change_reference_data(actor)
    reject_unknown(fields, ACTIVITY_TYPE_FIELDS)
    activity_type = ActivityType(
        slug=slug or unique_slug(ActivityType, fields.get("name_en", ""), fields.get("name_ja", ""))
    )
    for name, value in fields.items():
        setattr(activity_type, name, value)
    activity_type.full_clean()
    activity_type.save()
    audit_record(
        actor=actor,
        instance=activity_type,
        action="create",
        changes=snapshot(activity_type, {"slug", *fields}),
    )
    return activity_type


@transaction.atomic
def activity_type_update(*, actor: User, activity_type: ActivityType, **changes: Any) -> ActivityType:
    """Change a type. A change of ``counts_as_contact`` recomputes the latest real contact of the
    customers with done activities of this type; deactivating hides the type from the pickers while its
    activities keep it."""
    ensure_can_change_reference_data(actor)
    reject_unknown(changes, ACTIVITY_TYPE_FIELDS)
    activity_type = lock(activity_type)
    changed = save_changes(instance=activity_type, changes=changes, actor=actor)
    if "counts_as_contact" in changed:
        done = Activity.objects.filter(type=activity_type, status=Activity.Status.DONE)
        customers_refresh_last_contact(
            customer_ids=done.exclude(customer=None).values_list("customer_id", flat=True).distinct()
        )
    return activity_type


@transaction.atomic
def activity_type_delete(*, actor: User, activity_type: ActivityType) -> None:
    ensure_can_change_reference_data(actor)
    activity_type = lock(activity_type)
    if Activity.objects.filter(type=activity_type).exists():
        raise ConflictError(_("Activities have this type: deactivate it instead of deleting it."))
    audit_record(actor=actor, instance=activity_type, action="delete")
    activity_type.delete()
