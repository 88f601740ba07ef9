"""Admin for activities (through ``activities.services``), activity types (configuration) and the
read-only comments.

Results (done / moved / cancelled) are recorded on the activity page, where the services keep the
plan-vs-actual history; here the status fields are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from totonou.activities.models import Activity, ActivityEvent, ActivityType, Comment
from totonou.activities.services import activity_create, activity_delete, activity_update
from totonou.activities.services.activity import UPDATE_FIELDS
from totonou.core.admin import AdminOnlyModelAdmin, ReadOnlyModelAdmin, ServiceModelAdmin


@admin.register(ActivityType)
class ActivityTypeAdmin(AdminOnlyModelAdmin):
    list_display = (
        "slug",
        "name_ja",
        "name_en",
        "counts_as_contact",
        "is_face_to_face",
        "is_customer_facing",
        "order",
        "is_active",
    )
    list_editable = ("order", "is_active")
    ordering = ("order", "id")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # activities refer to their type: deactivate instead


@admin.register(Activity)
class ActivityAdmin(ServiceModelAdmin):
    list_display = ("__str__", "owner", "type", "customer", "status", "starts_at")
    list_filter = ("status", "type", "is_key_customer", "owner__team")
    search_fields = ("subject", "notes", "customer__name", "customer__name_kana", "owner__username")
    list_select_related = ("owner", "type", "customer")
    autocomplete_fields = ("owner", "customer", "deal", "contacts")
    date_hierarchy = "starts_at"
    readonly_fields = (
        "status",
        "planned_at",
        "original_starts_at",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
        "reviewed_by",
        "reviewed_at",
        "version",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("owner", "type", "customer", "deal", "contacts", "starts_at", "ends_at")}),
        (None, {"fields": ("subject", "purpose", "notes", "next_step")}),
        (None, {"fields": readonly_fields}),
    )
    service_fields = tuple(sorted(UPDATE_FIELDS))

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Activity:
        return activity_create(actor=request.user, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Activity, changes: dict[str, Any]) -> Activity:
        if "contacts" in changes:
            changes["contacts"] = list(changes["contacts"])
        return activity_update(actor=request.user, activity=obj, **changes)  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Activity) -> None:
        activity_delete(actor=request.user, activity=obj)  # type: ignore[arg-type]


@admin.register(Comment)
class CommentAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "author", "activity", "deal", "created_at")
    search_fields = ("body", "author__username")
    list_select_related = ("author", "activity", "deal")
    date_hierarchy = "created_at"


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "kind", "activity", "actor")
    list_filter = ("kind",)
    list_select_related = ("activity", "actor")
    date_hierarchy = "created_at"
