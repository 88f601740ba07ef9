"""Writes for segments, customers and contacts. Every write is atomic, checked, cleaned and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, audit_records, snapshot
from totonou.core.exceptions import ConflictError, PermissionDenied
from totonou.core.services import check_version, lock, reject_unknown, save_changes
from totonou.customers.models import Contact, Customer, Segment
from totonou.customers.search_documents import (
    contact_index,
    contact_unindex,
    customer_index,
    customer_unindex,
    customers_index_new,
)
from totonou.users.models import User
from totonou.users.permissions import (
    ensure_can_change_owned_by,
    ensure_can_change_reference_data,
    ensure_manager_or_admin,
    owned_by_q,
)

SEGMENT_FIELDS = {"name", "color", "cadence_days", "key_cadence_days", "sort_order"}
CUSTOMER_FIELDS = {
    "name",
    "name_kana",
    "segment",
    "owner",
    "is_key",
    "cadence_days",
    "status",
    "postal_code",
    "address",
    "phone",
    "website",
    "notes",
    "external_id",
}
CONTACT_FIELDS = {
    "name",
    "name_kana",
    "department",
    "title",
    "email",
    "phone",
    "is_decision_maker",
    "notes",
}


# --- Segments (shared reference data: ensure_can_change_reference_data) ----------------------------


@transaction.atomic
def segment_create(*, actor: User, **fields: Any) -> Segment:
    ensure_can_change_reference_data(actor)
    reject_unknown(fields, SEGMENT_FIELDS)
    segment = Segment(**fields)
    segment.full_clean()
    segment.save()
    audit_record(actor=actor, instance=segment, action="create", changes=snapshot(segment, fields))
    return segment


@transaction.atomic
def segment_update(*, actor: User, segment: Segment, **changes: Any) -> Segment:
    ensure_can_change_reference_data(actor)
    reject_unknown(changes, SEGMENT_FIELDS)
    segment = lock(segment)
    save_changes(instance=segment, changes=changes, actor=actor)
    return segment


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment) -> None:
    ensure_can_change_reference_data(actor)
    if segment.customers.exists():
        raise ConflictError(_("This segment still has customers; move them to another segment first."))
    audit_record(actor=actor, instance=segment, action="delete")
    segment.delete()


# --- Customers --------------------------------------------------------------------------------------


def ensure_active_owner(owner: User, field: str = "owner") -> None:
    """Records are given only to people who still sign in."""
    if not owner.is_active:
        raise ValidationError(
            {field: [_("%(name)s is deactivated; choose an active user.") % {"name": owner}]}
        )


def ensure_unique_external_id(external_id: str | None, *, exclude: int | None = None) -> None:
    """An external id (from another system) names one customer only."""
    if not external_id:
        return
    others = Customer.objects.filter(external_id=external_id)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError({"external_id": [_("Another customer already has this external id.")]})


def ensure_not_archived(customer: Customer) -> None:
    if customer.archived_at is not None:
        raise ConflictError(_("This customer is archived; restore it first."))


@transaction.atomic
def customer_create(*, actor: User, owner: User | None = None, **fields: Any) -> Customer:
    reject_unknown(fields, CUSTOMER_FIELDS - {"owner"})
    owner = owner or actor
    ensure_can_change_owned_by(actor, owner.pk)
    ensure_active_owner(owner)
    ensure_unique_external_id(fields.get("external_id"))
    customer = Customer(owner=owner, **fields)
    customer.full_clean()
    customer.save()
    customer_index(customer)
    audit_record(
        actor=actor, instance=customer, action="create", changes=snapshot(customer, {"owner", *fields})
    )
    return customer


@transaction.atomic
def customers_create_many(*, actor: User, rows: list[dict[str, Any]]) -> list[Customer | Exception]:
    """``customer_create`` for many customers at once (imports): the same checks, audit trail and search
    documents, in a fixed number of statements per call instead of several per customer. ``rows`` are
    ``customer_create``'s keyword arguments (``owner`` included); the answer has, for each row in order,
    the new customer or the error (``ValidationError`` / ``PermissionDenied``) that ``customer_create``
    would have raised, and the other rows are created. Should the database still refuse the batch, each
    row goes through ``customer_create`` on its own."""
    results: list[Customer | Exception] = []
    valid: list[tuple[int, Customer, set[str]]] = []
    external_ids = [row.get("external_id") for row in rows if row.get("external_id")]
    taken = set(Customer.objects.filter(external_id__in=external_ids).values_list("external_id", flat=True))
    for index, row in enumerate(rows):
        fields = dict(row)
        try:
            owner = fields.pop("owner", None) or actor
            reject_unknown(fields, CUSTOMER_FIELDS - {"owner"})
            ensure_can_change_owned_by(actor, owner.pk)
            ensure_active_owner(owner)
            external_id = fields.get("external_id")
            if external_id and external_id in taken:
                raise ValidationError({"external_id": [_("Another customer already has this external id.")]})
            customer = Customer(owner=owner, **fields)
            # The relations are given as records and the constraints are plain field rules here (the
            # external id is checked above for the batch); the database enforces all of them anyway.
            customer.full_clean(
                exclude=["owner", "segment"], validate_unique=False, validate_constraints=False
            )
            customer.refresh_keys()
        except (ValidationError, PermissionDenied) as error:
            results.append(error)
            continue
        if external_id:
            taken.add(external_id)
        results.append(customer)
        valid.append((index, customer, {"owner", *fields}))
    if not valid:
        return results
    try:
        with transaction.atomic():
            Customer.objects.bulk_create([customer for _index, customer, _fields in valid])
    except IntegrityError:
        for index, _customer, _fields in valid:
            try:
                with transaction.atomic():
                    results[index] = customer_create(actor=actor, **rows[index])
            except (ValidationError, PermissionDenied) as error:
                results[index] = error
        return results
    customers_index_new([customer for _index, customer, _fields in valid])
    audit_records(
        actor=actor,
        model=Customer,
        action="create",
        rows=[(customer.pk, str(customer), snapshot(customer, fields)) for _index, customer, fields in valid],
    )
    return results


@transaction.atomic
def customer_update(
    *, actor: User, customer: Customer, version: int | None = None, **changes: Any
) -> Customer:
    reject_unknown(changes, CUSTOMER_FIELDS)
    customer = lock(customer)
    ensure_can_change_owned_by(actor, customer.owner_id)
    check_version(customer, version)
    if changes:
        ensure_not_archived(customer)
    new_owner = changes.get("owner")
    if new_owner is not None and new_owner.pk != customer.owner_id:
        ensure_can_change_owned_by(actor, new_owner.pk)
        ensure_active_owner(new_owner)
    if "external_id" in changes:
        ensure_unique_external_id(changes["external_id"], exclude=customer.pk)
    if save_changes(instance=customer, changes=changes, actor=actor):
        customer_index(customer)
    return customer


def _set_archived(customer: Customer, *, actor: User, archived: bool) -> bool:
    before = customer.archived_at
    customer.archived_at = (before or timezone.now()) if archived else None
    if customer.archived_at == before:
        return False
    customer.version += 1
    customer.save(update_fields=["archived_at", "version", "updated_at"])
    audit_record(
        actor=actor,
        instance=customer,
        action="update",
        changes={"archived_at": [snapshot_value(before), snapshot_value(customer.archived_at)]},
    )
    return True


def snapshot_value(value: Any) -> Any:
    return value.isoformat() if value is not None else None


@transaction.atomic
def customer_archive(*, actor: User, customer: Customer, version: int | None = None) -> Customer:
    """Archive a customer: it leaves lists, pickers, the uncontacted list and search, and keeps its
    contacts, deals, activities and history. Restorable (``customer_restore``)."""
    customer = lock(customer)
    ensure_can_change_owned_by(actor, customer.owner_id)
    check_version(customer, version)
    if _set_archived(customer, actor=actor, archived=True):
        customer_unindex(customer.pk)
    return customer


@transaction.atomic
def customer_restore(*, actor: User, customer: Customer, version: int | None = None) -> Customer:
    customer = lock(customer)
    ensure_can_change_owned_by(actor, customer.owner_id)
    check_version(customer, version)
    if customer.merged_into_id is not None:
        raise ConflictError(_("This customer was merged into another one; it cannot be restored."))
    if _set_archived(customer, actor=actor, archived=False):
        customer_index(customer)
        for contact in customer.contacts.filter(archived_at__isnull=True).select_related("customer"):
            contact_index(contact)
    return customer


# --- Bulk changes (managers and admins) -------------------------------------------------------------


def _bulk_targets(actor: User, customers: Any) -> list[int]:
    """The ids of ``customers`` (a queryset or ids), locked, every one changeable by ``actor`` and not
    archived; otherwise nothing is changed."""
    ensure_manager_or_admin(actor)
    ids = sorted({getattr(item, "pk", item) for item in customers})
    if not ids:
        raise ValidationError({"customers": [_("Choose at least one customer.")]})
    found = list(
        Customer.objects.select_for_update().filter(pk__in=ids).values_list("pk", "owner_id", "archived_at")
    )
    if len(found) != len(ids):
        raise ValidationError({"customers": [_("Some of the chosen customers do not exist.")]})
    allowed = set(Customer.objects.filter(pk__in=ids).filter(owned_by_q(actor)).values_list("pk", flat=True))
    if allowed != set(ids):
        ensure_can_change_owned_by(actor, None)
    if any(archived_at is not None for _pk, _owner, archived_at in found):
        raise ValidationError({"customers": [_("Archived customers cannot be changed; restore them first.")]})
    return ids


def _bulk_update(*, actor: User, ids: list[int], field: str, value: Any) -> int:
    """Set ``field`` on the customers ``ids`` that differ, with one UPDATE and one audit insert."""
    column = {"segment": "segment_id"}.get(field, field)
    raw = getattr(value, "pk", value)
    changing = list(
        Customer.objects.filter(pk__in=ids).exclude(**{column: raw}).values_list("pk", "name", column)
        if raw is not None
        else Customer.objects.filter(pk__in=ids, **{f"{column}__isnull": False}).values_list(
            "pk", "name", column
        )
    )
    if not changing:
        return 0
    changed_ids = [pk for pk, _name, _old in changing]
    Customer.objects.filter(pk__in=changed_ids).update(
        **{column: raw}, version=F("version") + 1, updated_at=timezone.now()
    )
    audit_records(
        actor=actor,
        model=Customer,
        rows=[(pk, name, {field: [old, raw]}) for pk, name, old in changing],
    )
    return len(changing)


@transaction.atomic
def customers_set_segment(*, actor: User, customers: Any, segment: Segment | None) -> int:
    """Put the chosen customers in ``segment`` (None: no segment). Returns how many changed."""
    ids = _bulk_targets(actor, customers)
    return _bulk_update(actor=actor, ids=ids, field="segment", value=segment)


@transaction.atomic
def customers_set_key(*, actor: User, customers: Any, is_key: bool) -> int:
    """Set or clear the key-customer flag (重点顧客); the database copies it onto the activities (ADR 0011).
    Returns how many changed."""
    ids = _bulk_targets(actor, customers)
    return _bulk_update(actor=actor, ids=ids, field="is_key", value=bool(is_key))


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer) -> None:
    customer = lock(customer)
    ensure_can_change_owned_by(actor, customer.owner_id)
    if customer.activities.exists() or customer.deals.exists():
        raise ConflictError(
            _("This customer has activities or deals; set its status to inactive instead of deleting it.")
        )
    audit_record(actor=actor, instance=customer, action="delete")
    customer_unindex(customer.pk)
    customer.delete()


# --- Contacts ---------------------------------------------------------------------------------------


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, **fields: Any) -> Contact:
    reject_unknown(fields, CONTACT_FIELDS)
    ensure_can_change_owned_by(actor, customer.owner_id)
    if customer.archived_at is not None:
        raise ValidationError({"customer": [_("This customer is archived; restore it first.")]})
    contact = Contact(customer=customer, **fields)
    contact.full_clean()
    contact.save()
    contact_index(contact)
    audit_record(
        actor=actor, instance=contact, action="create", changes=snapshot(contact, {"customer", *fields})
    )
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, version: int | None = None, **changes: Any) -> Contact:
    reject_unknown(changes, CONTACT_FIELDS)
    contact = lock(contact)
    ensure_can_change_owned_by(actor, contact.customer.owner_id)
    check_version(contact, version)
    if save_changes(instance=contact, changes=changes, actor=actor) and _indexed(contact):
        contact_index(contact)
    return contact


def _indexed(contact: Contact) -> bool:
    """Whether a contact belongs in the search index (neither it nor its customer archived)."""
    return contact.archived_at is None and contact.customer.archived_at is None


@transaction.atomic
def contact_move(*, actor: User, contact: Contact, customer: Customer, version: int | None = None) -> Contact:
    """Move a contact to another customer (a person changed company, or was filed under the wrong one).
    The actor must be allowed to change both customers; past activities keep naming the contact."""
    contact = lock(contact)
    ensure_can_change_owned_by(actor, contact.customer.owner_id)
    ensure_can_change_owned_by(actor, customer.owner_id)
    check_version(contact, version)
    if customer.archived_at is not None:
        raise ValidationError({"customer": [_("This customer is archived; restore it first.")]})
    if save_changes(instance=contact, changes={"customer": customer}, actor=actor) and _indexed(contact):
        contact_index(contact)
    return contact


@transaction.atomic
def contact_archive(*, actor: User, contact: Contact, version: int | None = None) -> Contact:
    """Archive a contact (left the company): it leaves the customer page's list, pickers and search."""
    contact = lock(contact)
    ensure_can_change_owned_by(actor, contact.customer.owner_id)
    check_version(contact, version)
    if contact.archived_at is None:
        contact.archived_at = timezone.now()
        contact.version += 1
        contact.save(update_fields=["archived_at", "version", "updated_at"])
        audit_record(
            actor=actor,
            instance=contact,
            action="update",
            changes={"archived_at": [None, contact.archived_at.isoformat()]},
        )
        contact_unindex(contact.pk)
    return contact


@transaction.atomic
def contact_restore(*, actor: User, contact: Contact, version: int | None = None) -> Contact:
    contact = lock(contact)
    ensure_can_change_owned_by(actor, contact.customer.owner_id)
    check_version(contact, version)
    if contact.archived_at is not None:
        before = contact.archived_at
        contact.archived_at = None
        contact.version += 1
        contact.save(update_fields=["archived_at", "version", "updated_at"])
        audit_record(
            actor=actor,
            instance=contact,
            action="update",
            changes={"archived_at": [before.isoformat(), None]},
        )
        if contact.customer.archived_at is None:
            contact_index(contact)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    contact = lock(contact)
    ensure_can_change_owned_by(actor, contact.customer.owner_id)
    audit_record(actor=actor, instance=contact, action="delete")
    contact_unindex(contact.pk)
    contact.delete()
