"""Admin for targets: every save and delete goes through ``targets.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from totonou.core.admin import ServiceModelAdmin
from totonou.targets.models import Target
from totonou.targets.services import target_create, target_delete, target_update


@admin.register(Target)
class TargetAdmin(ServiceModelAdmin):
    list_display = ("period", "metric", "user", "team", "value", "updated_at")
    list_filter = ("metric", "team")
    search_fields = ("period", "user__username", "user__display_name", "team__name")
    list_select_related = ("user", "team")
    readonly_fields = ("created_by", "version", "created_at", "updated_at")
    fields = (
        "user",
        "team",
        "metric",
        "period",
        "value",
        "created_by",
        "version",
        "created_at",
        "updated_at",
    )
    service_fields = ("user", "team", "metric", "period", "value")

    def get_readonly_fields(self, request: HttpRequest, obj: Target | None = None) -> tuple[str, ...]:
        """Only the figure changes; another owner, metric or period is another target."""
        fixed = ("user", "team", "metric", "period") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Target:
        return target_create(actor=request.user, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Target, changes: dict[str, Any]) -> Target:
        return target_update(actor=request.user, target=obj, value=changes.get("value", obj.value))  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Target) -> None:
        target_delete(actor=request.user, target=obj)  # type: ignore[arg-type]
