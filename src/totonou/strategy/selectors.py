"""Reads for strategies, with their target segments prefetched."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from totonou.customers.models import Segment
from totonou.strategy.filters import StrategyFilter
from totonou.strategy.models import Strategy


def strategy_list(*, user: Any, filters: StrategyFilter | None = None) -> QuerySet[Strategy]:
    queryset = Strategy.objects.visible_to(user).prefetch_related(
        Prefetch("segments", queryset=Segment.objects.order_by("sort_order", "name", "id"))
    )
    if filters is not None:
        queryset = filters.filter(queryset)
        if filters.segment is not None:
            queryset = queryset.distinct()
    return queryset.order_by("-starts_on", "name", "id")
