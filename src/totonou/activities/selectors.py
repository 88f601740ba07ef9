"""Reads for activities, joined and prefetched so lists cost a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from totonou.activities.filters import ActivityFilter
from totonou.activities.models import Activity
from totonou.customers.models import Contact


def activity_list(*, user: Any, filters: ActivityFilter | None = None) -> QuerySet[Activity]:
    queryset = (
        Activity.objects.visible_to(user)
        .select_related("owner", "type", "customer", "customer__segment", "deal", "reviewed_by")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("name_kana", "id")))
    )
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("-starts_at", "-id")
