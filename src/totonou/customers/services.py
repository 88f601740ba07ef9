"""Writes for segments, customers and contacts. Every write is atomic, checked, cleaned and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ConflictError
from totonou.core.services import check_version, lock, reject_unknown, save_changes
from totonou.customers.models import Contact, Customer, Segment
from totonou.customers.search_documents import (
    contact_index,
    contact_unindex,
    customer_index,
    customer_unindex,
)
from totonou.users.models import User
from totonou.users.permissions import ensure_can_change_owned_by, ensure_can_change_reference_data

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


@transaction.atomic
def customer_create(*, actor: User, owner: User | None = None, **fields: Any) -> Customer:
    reject_unknown(fields, CUSTOMER_FIELDS - {"owner"})
    owner = owner or actor
    ensure_can_change_owned_by(actor, owner.pk)
    customer = Customer(owner=owner, **fields)
    customer.full_clean()
    customer.save()
    customer_index(customer)
    audit_record(
        actor=actor, instance=customer, action="create", changes=snapshot(customer, {"owner", *fields})
    )
    return customer


@transaction.atomic
def customer_update(
    *, actor: User, customer: Customer, version: int | None = None, **changes: Any
) -> Customer:
    reject_unknown(changes, CUSTOMER_FIELDS)
    customer = lock(customer)
    ensure_can_change_owned_by(actor, customer.owner_id)
    check_version(customer, version)
    new_owner = changes.get("owner")
    if new_owner is not None and new_owner.pk != customer.owner_id:
        ensure_can_change_owned_by(actor, new_owner.pk)
    if save_changes(instance=customer, changes=changes, actor=actor):
        customer_index(customer)
    return customer


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
    if save_changes(instance=contact, changes=changes, actor=actor):
        contact_index(contact)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    contact = lock(contact)
    ensure_can_change_owned_by(actor, contact.customer.owner_id)
    audit_record(actor=actor, instance=contact, action="delete")
    contact_unindex(contact.pk)
    contact.delete()
