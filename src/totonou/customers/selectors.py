"""Reads for customers, contacts and segments, already joined for the lists that show them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from totonou.customers.filters import ContactFilter, CustomerFilter
from totonou.customers.models import Contact, Customer, Segment


def segment_list(*, user: Any) -> QuerySet[Segment]:
    return Segment.objects.visible_to(user).order_by("sort_order", "name")


def customer_list(*, user: Any, filters: CustomerFilter | None = None) -> QuerySet[Customer]:
    queryset = Customer.objects.visible_to(user).select_related("segment", "owner")
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("name_kana", "name", "id")


def contact_list(*, user: Any, filters: ContactFilter | None = None) -> QuerySet[Contact]:
    queryset = Contact.objects.visible_to(user).select_related("customer")
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("customer_id", "name_kana", "name", "id")
