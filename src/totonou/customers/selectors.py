"""Reads for customers, contacts and segments, already joined for the lists that show them."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from totonou.core.compiled import CompiledList, CompiledQuery
from totonou.customers.filters import ContactFilter, CustomerFilter
from totonou.customers.models import Contact, Customer, Segment, phone_key, website_domain
from totonou.search.models import Kind
from totonou.search.selectors import matching_in_text_order
from totonou.search.text import company_key
from totonou.users.models import NAME_FIELDS
from totonou.users.permissions import is_signed_in, signed_in_reader


def segment_list(*, user: Any) -> QuerySet[Segment]:
    return Segment.objects.visible_to(user).order_by("sort_order", "name")


#: The orders ``CustomerFilter.sort`` offers. "last_contact": the longest without a real contact first,
#: never-contacted customers before all others (by kana among themselves).
CUSTOMER_ORDERS: dict[str, tuple[Any, ...]] = {
    "name": ("name_kana", "name", "id"),
    "last_contact": (F("last_contact_at").asc(nulls_first=True), "name_kana", "name", "id"),
}


def customer_list(*, user: Any, filters: CustomerFilter | None = None) -> QuerySet[Customer]:
    """Customers the user may see with their segment, owner and last contact's author, ordered by
    ``filters.sort`` (kana by default)."""
    queryset = Customer.objects.visible_to(user).select_related("segment", "owner", "last_contact_by")
    # Archived customers leave every list and picker unless asked for (``filters.archived``).
    queryset = filters.filter(queryset) if filters is not None else queryset.active()
    order = CUSTOMER_ORDERS[(filters.sort if filters is not None else None) or "name"]
    return queryset.order_by(*order)


#: What a row of the customer list shows (``web/templates/customers/_customer_results.html``) of a customer,
#: its segment and owner. The last contact's author is not joined.
ROW_FIELDS = (
    "name",
    "name_kana",
    "is_key",
    "status",
    "last_contact_at",
    "segment",
    "segment__name",
    "segment__color",
    "owner",
    *(f"owner__{name}" for name in NAME_FIELDS),
)


def customer_rows(*, user: Any, filters: CustomerFilter) -> QuerySet[Customer]:
    """``customer_list`` with the columns of ``ROW_FIELDS`` only: a page of 25 customers built three full
    models each (two of them users with every column)."""
    return (
        customer_list(user=user, filters=filters)
        .select_related(None)
        .select_related("segment", "owner")
        .only(*ROW_FIELDS)
    )


def customer_search_page(
    *, user: Any, filters: CustomerFilter
) -> Callable[[int, int], list[tuple[int, int]] | None] | None:
    """For a name search that is the list's only filter, in the name order: a reader of a page's ids
    and the number of matches (``start, stop -> [(id, count)]``) from the search index alone. A
    customer's document holds its name as title and its kana as body (``search_documents``) and only
    customers in use are indexed, so the documents' text order is ``CUSTOMER_ORDERS["name"]`` (a test
    checks they agree): the 1,549 customers of a common name are no longer each read to be sorted.
    None when another filter or order applies (the list's query then reads the page)."""
    others = filters.model_dump(exclude={"q", "sort", "archived"})
    if (
        not filters.q
        or filters.archived
        or (filters.sort or "name") != "name"
        or any(value is not None for value in others.values())
    ):
        return None
    if not is_signed_in(user):  # everyone signed in reads every customer (``VisibleQuerySet``)
        return None
    return functools.partial(_search_page, filters.q)


def _search_page(q: str, start: int, stop: int) -> list[tuple[int, int]] | None:
    return matching_in_text_order(kind=Kind.CUSTOMER, q=q, start=start, stop=stop)


def customer_get(*, user: Any, pk: int) -> Customer | None:
    """Customer ``pk`` if the user may see it, else None (the bare row: nothing joined)."""
    return Customer.objects.visible_to(user).filter(pk=pk).first()


def customer_matches(*, user: Any, name: str) -> list[Customer]:
    """Active customers the user may see named ``name``: the exact name or kana (at most two, to tell
    one from several), else those containing it (at most six, by name)."""
    active = Customer.objects.visible_to(user).active().exclude(status=Customer.Status.INACTIVE)
    exact = list(active.filter(Q(name=name) | Q(name_kana=name))[:2])
    if exact:
        return exact
    return list(
        active.filter(Q(name__icontains=name) | Q(name_kana__icontains=name)).order_by("name", "id")[:6]
    )


def customer_records(*, user: Any) -> QuerySet[Customer]:
    """Every customer the user may see, archived ones too: for a customer's own page and API record (an
    archived customer keeps its page and history; a merged one points to its survivor)."""
    return Customer.objects.visible_to(user).select_related(
        "segment", "owner", "last_contact_by", "merged_into"
    )


def customer_page(*, user: Any, pk: int) -> Customer | None:
    """The customer ``pk`` as its page reads it (``customer_page_record``), or None: one query compiled
    once per connection (every signed-in user may read every customer)."""
    return _CUSTOMER_PAGE.first(pk) if is_signed_in(user) else None


def customer_page_record(*, user: Any) -> QuerySet[Customer]:
    """``customer_records`` for the customer's own page: the customer and its segment whole, its owner
    and its last contact's author by name, and a merged customer's survivor by id only (the page
    redirects to it). Two users and a second customer read whole were 60 columns the page never shows."""
    people = (f"{relation}__{name}" for relation in ("owner", "last_contact_by") for name in NAME_FIELDS)
    return (
        Customer.objects.visible_to(user)
        .select_related("segment", "owner", "last_contact_by")
        .only(*(field.attname for field in Customer._meta.concrete_fields), "segment", *people)
    )


@dataclass(frozen=True)
class Duplicate:
    """A customer that may be the same as the one being entered, and why (``name``, ``phone``,
    ``website``)."""

    customer: Customer
    reasons: tuple[str, ...]


DUPLICATES_SHOWN = 10


def customer_duplicates(
    *, user: Any, name: str = "", phone: str = "", website: str = "", exclude: int | None = None
) -> list[Duplicate]:
    """Customers (archived ones too, they may be restored) with the same name once legal forms, width and
    case are folded (``search.text.company_key``), the same phone number or the same website domain."""
    keys = {
        "name": company_key(name) if name.strip() else "",
        "phone": phone_key(phone),
        "website": website_domain(website),
    }
    columns = {"name": "name_key", "phone": "phone_key", "website": "website_domain"}
    condition = Q()
    for reason, key in keys.items():
        if key:
            condition |= Q(**{columns[reason]: key})
    if not condition:
        return []
    queryset = Customer.objects.visible_to(user).filter(condition).select_related("owner")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    found = []
    ordered = queryset.order_by(F("archived_at").asc(nulls_first=True), "name_kana", "name", "id")
    for customer in ordered[:DUPLICATES_SHOWN]:
        reasons = tuple(
            reason for reason, key in keys.items() if key and getattr(customer, columns[reason]) == key
        )
        found.append(Duplicate(customer, reasons))
    return found


def days_since(moment: datetime.datetime | None, today: datetime.date) -> int | None:
    """Whole days from ``moment`` to ``today``, counted in the active (the viewer's) time zone: a contact
    at 23:30 yesterday is one day ago. None when there is no moment (never contacted)."""
    if moment is None:
        return None
    return (today - timezone.localtime(moment).date()).days


def customer_contacts(*, user: Any, customer_id: int) -> tuple[list[Contact], list[Contact]]:
    """A customer's contacts in use and its archived ones, read in one query compiled once per
    connection (the customer page)."""
    rows = _CUSTOMER_CONTACTS.list("customer", customer_id) if is_signed_in(user) else []
    return [c for c in rows if c.archived_at is None], [c for c in rows if c.archived_at is not None]


def _customer_contacts_query(*, user: Any, customer_id: int) -> QuerySet[Contact]:
    return (
        Contact.objects.visible_to(user).filter(customer_id=customer_id).order_by("name_kana", "name", "id")
    )


_CUSTOMER_CONTACTS = CompiledList(
    lambda shape, pk: _customer_contacts_query(user=signed_in_reader(), customer_id=pk)
)


def contact_list(*, user: Any, filters: ContactFilter | None = None) -> QuerySet[Contact]:
    queryset = Contact.objects.visible_to(user).select_related("customer")
    queryset = filters.filter(queryset) if filters is not None else queryset.active()
    return queryset.order_by("customer_id", "name_kana", "name", "id")


_CUSTOMER_PAGE = CompiledQuery(lambda pk: customer_page_record(user=signed_in_reader()).filter(pk=pk))
