"""Reads for deals, joined for lists and detail pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from totonou.deals.filters import DealFilter
from totonou.deals.models import Deal, Stage, StageChange


def stage_list(*, user: Any) -> QuerySet[Stage]:
    return Stage.objects.visible_to(user).filter(is_active=True).order_by("order", "id")


def deal_list(*, user: Any, filters: DealFilter | None = None) -> QuerySet[Deal]:
    queryset = Deal.objects.visible_to(user).select_related("customer", "owner", "stage", "loss_reason")
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("-updated_at", "-id")


def deal_customer_id(*, user: Any, pk: int) -> int | None:
    """The customer of deal ``pk`` if the user may see the deal, else None: one narrow query."""
    return Deal.objects.visible_to(user).filter(pk=pk).values_list("customer_id", flat=True).first()


def deal_stage_history(*, deal: Deal) -> QuerySet[StageChange]:
    return StageChange.objects.filter(deal=deal).select_related("from_stage", "to_stage", "changed_by")
