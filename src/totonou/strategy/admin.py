"""Admin for strategies: every save and delete goes through ``strategy.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from totonou.core.admin import ServiceModelAdmin
from totonou.strategy.models import Strategy
from totonou.strategy.services import STRATEGY_FIELDS, strategy_create, strategy_delete, strategy_update


@admin.register(Strategy)
class StrategyAdmin(ServiceModelAdmin):
    list_display = ("name", "starts_on", "ends_on", "team", "target_share", "updated_at")
    list_filter = ("team", "segments")
    search_fields = ("name", "hypothesis")
    list_select_related = ("team",)
    filter_horizontal = ("segments",)
    readonly_fields = ("created_by", "version", "created_at", "updated_at")
    fields = (
        "name",
        "hypothesis",
        "starts_on",
        "ends_on",
        "team",
        "segments",
        "title_keywords",
        "target_share",
        "created_by",
        "version",
        "created_at",
        "updated_at",
    )
    service_fields = tuple(sorted(STRATEGY_FIELDS))

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Strategy:
        return strategy_create(actor=request.user, **data)  # type: ignore[arg-type]

    def service_update(self, request: HttpRequest, obj: Strategy, changes: dict[str, Any]) -> Strategy:
        return strategy_update(actor=request.user, strategy=obj, **changes)  # type: ignore[arg-type]

    def service_delete(self, request: HttpRequest, obj: Strategy) -> None:
        strategy_delete(actor=request.user, strategy=obj)  # type: ignore[arg-type]
