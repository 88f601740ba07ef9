"""Admin for segments, customers and contacts: every save and delete goes through ``customers.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from totonou.core.admin import ServiceModelAdmin
from totonou.customers.models import Contact, Customer, Segment
from totonou.customers.services import (
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    SEGMENT_FIELDS,
    contact_create,
    contact_delete,
    contact_update,
    customer_create,
    customer_delete,
    customer_update,
    segment_create,
    segment_delete,
    segment_update,
)


@admin.register(Segment)
class SegmentAdmin(ServiceModelAdmin):
    list_display = ("name", "cadence_days", "key_cadence_days", "sort_order", "color")
    search_fields = ("name",)
    ordering = ("sort_order", "name")
    fields = ("name", "color", "cadence_days", "key_cadence_days", "sort_order")
    service_fields = tuple(sorted(SEGMENT_FIELDS))

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Segment:
        return segment_create(actor=request.user, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Segment, changes: dict[str, Any]) -> Segment:
        return segment_update(actor=request.user, segment=obj, **changes)  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Segment) -> None:
        segment_delete(actor=request.user, segment=obj)  # type: ignore[arg-type]


@admin.register(Customer)
class CustomerAdmin(ServiceModelAdmin):
    list_display = ("name", "name_kana", "segment", "owner", "is_key", "status", "updated_at")
    list_filter = ("is_key", "status", "segment", "owner__team")
    search_fields = ("name", "name_kana", "external_id", "phone")
    list_select_related = ("segment", "owner")
    autocomplete_fields = ("owner",)
    readonly_fields = ("version", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "name_kana", "segment", "owner", "is_key", "status", "cadence_days")}),
        (None, {"fields": ("postal_code", "address", "phone", "website", "notes", "external_id")}),
        (None, {"fields": ("version", "created_at", "updated_at")}),
    )
    service_fields = tuple(sorted(CUSTOMER_FIELDS))

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Customer:
        owner = data.pop("owner", None)
        return customer_create(actor=request.user, owner=owner, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Customer, changes: dict[str, Any]) -> Customer:
        return customer_update(actor=request.user, customer=obj, **changes)  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Customer) -> None:
        customer_delete(actor=request.user, customer=obj)  # type: ignore[arg-type]


@admin.register(Contact)
class ContactAdmin(ServiceModelAdmin):
    list_display = ("name", "name_kana", "customer", "department", "title", "is_decision_maker")
    list_filter = ("is_decision_maker",)
    search_fields = ("name", "name_kana", "email", "customer__name", "customer__name_kana")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)
    readonly_fields = ("version", "created_at", "updated_at")
    fields = (
        "customer",
        "name",
        "name_kana",
        "department",
        "title",
        "email",
        "phone",
        "is_decision_maker",
        "notes",
        "version",
        "created_at",
        "updated_at",
    )
    service_fields = ("customer", *sorted(CONTACT_FIELDS))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # contact_update cannot move a contact to another customer.
        return (*self.readonly_fields, "customer") if obj is not None else self.readonly_fields

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Contact:
        customer = data.pop("customer")
        return contact_create(actor=request.user, customer=customer, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Contact, changes: dict[str, Any]) -> Contact:
        changes.pop("customer", None)
        return contact_update(actor=request.user, contact=obj, **changes)  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Contact) -> None:
        contact_delete(actor=request.user, contact=obj)  # type: ignore[arg-type]
