"""What the search index holds of customers (name, kana) and contacts (name, kana, department, title),
both dated by their creation. A contact's document carries its customer's owner."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from totonou.customers.models import Contact, Customer
from totonou.search.models import Kind
from totonou.search.services import (
    document_delete,
    document_upsert,
    documents_delete_for_customer,
    documents_set_owner,
    documents_upsert,
)
from totonou.search.sources import DocumentData, Source


def customer_index(customer: Customer) -> None:
    """(Re-)index a customer; its contacts follow a change of owner."""
    document_upsert(
        kind=Kind.CUSTOMER,
        object_id=customer.pk,
        title=customer.name,
        texts=(customer.name_kana,),
        date=customer.created_at,
        owner_id=customer.owner_id,
        customer_id=customer.pk,
    )
    documents_set_owner(kind=Kind.CONTACT, customer_id=customer.pk, owner_id=customer.owner_id)


def customers_index_new(customers: list[Customer]) -> None:
    """Index customers just created (no contacts yet): one statement for the batch."""
    documents_upsert(
        documents=[
            DocumentData(
                Kind.CUSTOMER,
                customer.pk,
                customer.name,
                (customer.name_kana,),
                customer.created_at,
                customer.owner_id,
                customer.pk,
            )
            for customer in customers
        ]
    )


def customer_unindex(customer_id: int) -> None:
    """Forget a customer and its contacts (deleted or archived with it); its deals and activities stay
    findable, they keep their history."""
    documents_delete_for_customer(customer_id=customer_id, kinds=(Kind.CUSTOMER, Kind.CONTACT))


def contact_index(contact: Contact) -> None:
    document_upsert(
        kind=Kind.CONTACT,
        object_id=contact.pk,
        title=contact.name,
        texts=(contact.name_kana, contact.department, contact.title),
        date=contact.created_at,
        owner_id=contact.customer.owner_id,
        customer_id=contact.customer_id,
    )


def contact_unindex(contact_id: int) -> None:
    document_delete(kind=Kind.CONTACT, object_id=contact_id)


def _customer_documents() -> Iterator[DocumentData]:
    rows = (
        Customer.objects.active().order_by().values_list("pk", "name", "name_kana", "created_at", "owner_id")
    )
    for pk, name, kana, created_at, owner_id in rows.iterator(chunk_size=10_000):
        yield DocumentData(Kind.CUSTOMER, pk, name, (kana,), created_at, owner_id, pk)


def _contact_documents() -> Iterator[DocumentData]:
    rows = (
        Contact.objects.active()
        .filter(customer__archived_at__isnull=True)
        .order_by()
        .values_list(
            "pk",
            "name",
            "name_kana",
            "department",
            "title",
            "created_at",
            "customer__owner_id",
            "customer_id",
        )
    )
    for pk, name, kana, department, title, created_at, owner_id, customer_id in rows.iterator(
        chunk_size=10_000
    ):
        yield DocumentData(
            Kind.CONTACT, pk, name, (kana, department, title), created_at, owner_id, customer_id
        )


def _customer_url(object_id: int, customer_id: int | None) -> str:
    return reverse("customers:customer_detail", args=[object_id])


def _contact_url(object_id: int, customer_id: int | None) -> str:
    return reverse("customers:customer_detail", args=[customer_id]) + f"#contact-{object_id}"


customers = Source(kind=Kind.CUSTOMER, documents=_customer_documents, url=_customer_url)
contacts = Source(kind=Kind.CONTACT, documents=_contact_documents, url=_contact_url)
