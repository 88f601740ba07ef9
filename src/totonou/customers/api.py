"""REST API for segments (顧客群), customers (顧客) and contacts (担当者). Thin: parse, resolve ids,
call the service, return the record as the selector reads it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status

from totonou.core.api import (
    Id,
    Page,
    PageQuery,
    References,
    api_user,
    body_data,
    get_visible,
    paginate,
)
from totonou.customers import services
from totonou.customers.filters import ContactFilter, CustomerFilter, SegmentFilter
from totonou.customers.models import Contact, Customer, Segment
from totonou.customers.schemas import (
    BulkKeyIn,
    BulkOut,
    BulkSegmentIn,
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    DuplicateOut,
    DuplicateQuery,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
)
from totonou.customers.selectors import (
    contact_list,
    customer_duplicates,
    customer_list,
    customer_records,
    segment_list,
)
from totonou.users.permissions import ensure_can_change_reference_data
from totonou.users.selectors import user_list

router = Router(tags=["customers"])


# --- Segments (written by admins, and managers where the settings say so) ----------------------------


@router.get("/segments", response=Page[SegmentOut], url_name="segment_list")
def list_segments(
    request: HttpRequest, filters: Query[SegmentFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, filters.filter(segment_list(user=api_user(request))), pagination)


@router.get("/segments/{segment_id}", response=SegmentOut, url_name="segment_detail")
def get_segment(request: HttpRequest, segment_id: Id) -> Segment:
    return get_visible(segment_list(user=api_user(request)), api_user(request), segment_id)


@router.post("/segments", response={201: SegmentOut}, url_name="segment_create")
def create_segment(request: HttpRequest, payload: SegmentIn) -> Status[Segment]:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    data, _version = body_data(payload)
    return Status(201, services.segment_create(actor=user, **data))


@router.patch("/segments/{segment_id}", response=SegmentOut, url_name="segment_update")
def update_segment(request: HttpRequest, segment_id: Id, payload: SegmentPatch) -> Segment:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    segment = get_visible(Segment.objects.all(), user, segment_id)
    data, _version = body_data(payload)
    return services.segment_update(actor=user, segment=segment, **data)


@router.delete("/segments/{segment_id}", response={204: None}, url_name="segment_delete")
def delete_segment(request: HttpRequest, segment_id: Id) -> Status[None]:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    services.segment_delete(actor=user, segment=get_visible(Segment.objects.all(), user, segment_id))
    return Status(204, None)


# --- Customers --------------------------------------------------------------------------------------


def _customer_references(user: Any, data: dict[str, Any]) -> None:
    references = References(user)
    references.replace(data, "segment", Segment.objects.all())
    # Any user: a deactivated one is refused by the service with a message that says so.
    references.replace(data, "owner", user_list(user=user))
    references.check()


def _customer(user: Any, pk: int) -> Customer:
    """A customer's record, archived or not (a merged one carries ``merged_into``, its survivor)."""
    return get_visible(customer_records(user=user), user, pk)


@router.get("/customers", response=Page[CustomerOut], url_name="customer_list")
def list_customers(
    request: HttpRequest, filters: Query[CustomerFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, customer_list(user=api_user(request), filters=filters), pagination)


@router.post("/customers/set-segment", response=BulkOut, url_name="customers_set_segment")
def set_segment(request: HttpRequest, payload: BulkSegmentIn) -> dict[str, int]:
    """Managers and admins: move customers of their teams to a segment, in one transaction."""
    user = api_user(request)
    data = payload.model_dump()
    references = References(user)
    references.replace_many(data, "customers", Customer.objects.all())
    references.replace(data, "segment", Segment.objects.all())
    references.check()
    return {"changed": services.customers_set_segment(actor=user, **data)}


@router.post("/customers/set-key", response=BulkOut, url_name="customers_set_key")
def set_key(request: HttpRequest, payload: BulkKeyIn) -> dict[str, int]:
    """Managers and admins: set or clear the key-customer flag (重点顧客) of customers of their teams."""
    user = api_user(request)
    data = payload.model_dump()
    references = References(user)
    references.replace_many(data, "customers", Customer.objects.all())
    references.check()
    return {"changed": services.customers_set_key(actor=user, **data)}


@router.get("/customers/duplicates", response=list[DuplicateOut], url_name="customer_duplicates")
def list_duplicates(request: HttpRequest, query: Query[DuplicateQuery]) -> list[dict[str, Any]]:
    """Customers that may already exist: the same name after folding legal forms (株式会社, (株), Inc., …),
    width and case, the same phone number, or the same website domain. Archived ones included."""
    found = customer_duplicates(
        user=api_user(request),
        name=query.name,
        phone=query.phone,
        website=query.website,
        exclude=query.exclude,
    )
    return [{"customer": item.customer, "reasons": list(item.reasons)} for item in found]


@router.get("/customers/{customer_id}", response=CustomerOut, url_name="customer_detail")
def get_customer(request: HttpRequest, customer_id: Id) -> Customer:
    return _customer(api_user(request), customer_id)


@router.post("/customers", response={201: CustomerOut}, url_name="customer_create")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[Customer]:
    user = api_user(request)
    data, _version = body_data(payload)
    _customer_references(user, data)
    customer = services.customer_create(actor=user, **data)
    return Status(201, _customer(user, customer.pk))


@router.patch("/customers/{customer_id}", response=CustomerOut, url_name="customer_update")
def update_customer(request: HttpRequest, customer_id: Id, payload: CustomerPatch) -> Customer:
    user = api_user(request)
    customer = get_visible(Customer.objects.all(), user, customer_id)
    data, version = body_data(payload)
    archived = data.pop("archived", None)
    _customer_references(user, data)
    with transaction.atomic():  # archiving and other changes together, or nothing
        _patch_customer(user, customer, data, archived, version)
    return _customer(user, customer_id)


def _patch_customer(user: Any, customer: Customer, data: dict[str, Any], archived: Any, version: Any) -> None:
    if archived is False:  # restore first, then the changes apply to a customer in use
        customer = services.customer_restore(actor=user, customer=customer, version=version)
        version = None
    if data or archived is None:
        customer = services.customer_update(actor=user, customer=customer, version=version, **data)
        version = None
    if archived:
        services.customer_archive(actor=user, customer=customer, version=version)


@router.delete("/customers/{customer_id}", response={204: None}, url_name="customer_delete")
def delete_customer(request: HttpRequest, customer_id: Id) -> Status[None]:
    user = api_user(request)
    services.customer_delete(actor=user, customer=get_visible(Customer.objects.all(), user, customer_id))
    return Status(204, None)


# --- Contacts ---------------------------------------------------------------------------------------


def _contact(user: Any, pk: int) -> Contact:
    return get_visible(Contact.objects.select_related("customer"), user, pk)


@router.get("/contacts", response=Page[ContactOut], url_name="contact_list")
def list_contacts(
    request: HttpRequest, filters: Query[ContactFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, contact_list(user=api_user(request), filters=filters), pagination)


@router.get("/contacts/{contact_id}", response=ContactOut, url_name="contact_detail")
def get_contact(request: HttpRequest, contact_id: Id) -> Contact:
    return _contact(api_user(request), contact_id)


@router.post("/contacts", response={201: ContactOut}, url_name="contact_create")
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    user = api_user(request)
    data, _version = body_data(payload)
    references = References(user)
    references.replace(data, "customer", Customer.objects.all())
    references.check()
    contact = services.contact_create(actor=user, **data)
    return Status(201, _contact(user, contact.pk))


@router.patch("/contacts/{contact_id}", response=ContactOut, url_name="contact_update")
def update_contact(request: HttpRequest, contact_id: Id, payload: ContactPatch) -> Contact:
    user = api_user(request)
    contact = get_visible(Contact.objects.select_related("customer"), user, contact_id)
    data, version = body_data(payload)
    archived = data.pop("archived", None)
    references = References(user)
    references.replace(data, "customer", Customer.objects.all())
    references.check()
    target = data.pop("customer", None)
    with transaction.atomic():  # moving, archiving and other changes together, or nothing
        _patch_contact(user, contact, data, target, archived, version)
    return _contact(user, contact_id)


def _patch_contact(
    user: Any, contact: Contact, data: dict[str, Any], target: Any, archived: Any, version: Any
) -> None:
    if archived is False:
        contact = services.contact_restore(actor=user, contact=contact, version=version)
        version = None
    if target is not None and target.pk != contact.customer_id:
        contact = services.contact_move(actor=user, contact=contact, customer=target, version=version)
        version = None
    if data or (archived is None and target is None):
        contact = services.contact_update(actor=user, contact=contact, version=version, **data)
        version = None
    if archived:
        services.contact_archive(actor=user, contact=contact, version=version)


@router.delete("/contacts/{contact_id}", response={204: None}, url_name="contact_delete")
def delete_contact(request: HttpRequest, contact_id: Id) -> Status[None]:
    user = api_user(request)
    contact = get_visible(Contact.objects.select_related("customer"), user, contact_id)
    services.contact_delete(actor=user, contact=contact)
    return Status(204, None)
