"""Admin for deals (through ``deals.services``), stages and loss reasons (configuration) and the
read-only stage history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from totonou.core.admin import AdminOnlyModelAdmin, ReadOnlyModelAdmin, ServiceModelAdmin
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.services import DEAL_FIELDS, deal_create, deal_delete, deal_update


@admin.register(Stage)
class StageAdmin(AdminOnlyModelAdmin):
    list_display = (
        "slug",
        "name_ja",
        "name_en",
        "order",
        "probability",
        "stagnation_days",
        "kind",
        "is_active",
    )
    list_editable = ("order", "is_active")
    list_filter = ("kind", "is_active")
    ordering = ("order", "id")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deals and their history refer to stages: deactivate instead


@admin.register(LossReason)
class LossReasonAdmin(AdminOnlyModelAdmin):
    list_display = ("slug", "name_ja", "name_en", "order", "is_active")
    list_editable = ("order", "is_active")
    ordering = ("order", "id")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    fields = ("changed_at", "from_stage", "to_stage", "changed_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(ServiceModelAdmin):
    list_display = ("title", "customer", "owner", "stage", "amount", "expected_close_date", "updated_at")
    list_filter = ("stage", "owner__team")
    search_fields = ("title", "customer__name", "customer__name_kana")
    list_select_related = ("customer", "owner", "stage")
    autocomplete_fields = ("customer", "owner")
    readonly_fields = ("stage_entered_at", "closed_at", "version", "created_at", "updated_at")
    fields = (
        "title",
        "customer",
        "owner",
        "amount",
        "expected_close_date",
        "stage",
        "loss_reason",
        "loss_note",
        "next_step",
        "notes",
        "stage_entered_at",
        "closed_at",
        "version",
        "created_at",
        "updated_at",
    )
    inlines = (StageChangeInline,)
    service_fields = (*sorted(DEAL_FIELDS), "stage", "loss_reason", "loss_note")

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Deal:
        data.pop("loss_note", None)
        return deal_create(actor=request.user, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Deal, changes: dict[str, Any]) -> Deal:
        return deal_update(actor=request.user, deal=obj, **changes)  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Deal) -> None:
        deal_delete(actor=request.user, deal=obj)  # type: ignore[arg-type]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("deal", "from_stage", "to_stage", "changed_by", "changed_at")
    list_filter = ("to_stage",)
    search_fields = ("deal__title",)
    list_select_related = ("deal", "from_stage", "to_stage", "changed_by")
    date_hierarchy = "changed_at"
