"""Reads for customers, contacts and segments, already joined for the lists that show them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from totonou.customers.filters import ContactFilter, CustomerFilter
from totonou.customers.models import Contact, Customer, Segment


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
    if filters is not None:
        queryset = filters.filter(queryset)
    order = CUSTOMER_ORDERS[(filters.sort if filters is not None else None) or "name"]
    return queryset.order_by(*order)


def customer_get(*, user: Any, pk: int) -> Customer | None:
    """Customer ``pk`` if the user may see it, else None (the bare row: nothing joined)."""
    return Customer.objects.visible_to(user).filter(pk=pk).first()


def customer_matches(*, user: Any, name: str) -> list[Customer]:
    """Active customers the user may see named ``name``: the exact name or kana (at most two, to tell
    one from several), else those containing it (at most six, by name)."""
    active = Customer.objects.visible_to(user).exclude(status=Customer.Status.INACTIVE)
    exact = list(active.filter(Q(name=name) | Q(name_kana=name))[:2])
    if exact:
        return exact
    return list(
        active.filter(Q(name__icontains=name) | Q(name_kana__icontains=name)).order_by("name", "id")[:6]
    )


def days_since(moment: datetime.datetime | None, today: datetime.date) -> int | None:
    """Whole days from ``moment`` to ``today``, counted in the active (the viewer's) time zone: a contact
    at 23:30 yesterday is one day ago. None when there is no moment (never contacted)."""
    if moment is None:
        return None
    return (today - timezone.localtime(moment).date()).days


def contact_list(*, user: Any, filters: ContactFilter | None = None) -> QuerySet[Contact]:
    queryset = Contact.objects.visible_to(user).select_related("customer")
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("customer_id", "name_kana", "name", "id")
