"""Admin for weekly reports: read-only (reports are written by their authors through the pages and the
API, and reviewed by their managers)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from totonou.reports.models import WeeklyReport


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    list_display = ("week", "author", "status", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("status", "week")
    search_fields = ("week", "author__username", "author__display_name")
    list_select_related = ("author", "reviewed_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
