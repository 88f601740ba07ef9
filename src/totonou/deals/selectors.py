"""Reads for deals, joined for lists and detail pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, Count, F, QuerySet, Sum

from totonou.deals.filters import DealFilter
from totonou.deals.models import Deal, LossReason, Stage, StageChange


def stage_list(*, user: Any) -> QuerySet[Stage]:
    return Stage.objects.visible_to(user).filter(is_active=True).order_by("order", "id")


def loss_reason_list(*, user: Any) -> QuerySet[LossReason]:
    return LossReason.objects.visible_to(user).filter(is_active=True).order_by("order", "id")


#: The orders ``DealFilter.sort`` offers; each has an index (see ``Deal.Meta.indexes``), so a page of a
#: large list never sorts the whole set.
DEAL_ORDERS: dict[str, tuple[Any, ...]] = {
    "recent": ("-updated_at", "-id"),
    "amount": ("-amount", "-id"),
    "expected_close": (F("expected_close_date").asc(nulls_last=True), "id"),
    "days_in_stage": ("stage_entered_at", "id"),
    "last_activity": (F("last_activity_at").asc(nulls_first=True), "id"),
}


def _filtered(*, user: Any, filters: DealFilter | None) -> QuerySet[Deal]:
    """The deals the user may see, filtered; archived ones left out unless ``filters.archived`` (a
    FilterSchema skips None values: the default is applied here). Without ``filters``, every deal."""
    queryset = Deal.objects.visible_to(user)
    if filters is not None:
        queryset = filters.filter(queryset)
        if not filters.archived:
            queryset = queryset.filter(archived_at__isnull=True)
    return queryset


def deal_list(*, user: Any, filters: DealFilter | None = None) -> QuerySet[Deal]:
    """Deals the user may see with customer, owner, stage, loss reason and contact, ordered by
    ``filters.sort`` (most recently changed by default). With ``filters``, archived deals are left out
    unless ``filters.archived``; without (a lookup by id), every deal. A list page reads it through
    ``core.list_page.IdsFirst`` (the page's ids through the sort's index, then their rows)."""
    queryset = _filtered(user=user, filters=filters).select_related(
        "customer", "owner", "stage", "loss_reason", "contact"
    )
    order = DEAL_ORDERS[(filters.sort if filters is not None else None) or "recent"]
    return queryset.order_by(*order)


@dataclass(frozen=True)
class DealTotals:
    """The whole filtered set (not a page): how many deals, their amount and the amount weighted by
    each deal's stage probability (``amount × probability / 100``, rounded down once, at the end)."""

    count: int
    amount: int
    weighted_amount: int


def deal_totals(*, user: Any, filters: DealFilter) -> DealTotals:
    """One aggregate query over the deals ``deal_list`` lists with ``filters`` (the same rows). The kind
    (open, won, lost) is compared here through the stages it joins, not as the page's ``+stage_id``:
    each stage of the kind is a range of ``deal_stage_totals_idx``, which holds the archived flag and
    the amount, so the totals of every open deal read the open deals' index entries and nothing else."""
    queryset = _filtered(user=user, filters=filters.model_copy(update={"kind": None}))
    if filters.kind:
        queryset = queryset.filter(stage__kind=filters.kind)
    row = queryset.order_by().aggregate(
        total_count=Count("id"),
        total_amount=Sum("amount"),
        total_weighted=Sum(F("amount") * F("stage__probability"), output_field=BigIntegerField()),
    )
    return DealTotals(
        count=int(row["total_count"] or 0),
        amount=int(row["total_amount"] or 0),
        weighted_amount=int(row["total_weighted"] or 0) // 100,
    )


def deal_customer_id(*, user: Any, pk: int) -> int | None:
    """The customer of deal ``pk`` if the user may see the deal, else None: one narrow query."""
    return Deal.objects.visible_to(user).filter(pk=pk).values_list("customer_id", flat=True).first()


def deal_stage_history(*, deal: Deal) -> QuerySet[StageChange]:
    return StageChange.objects.filter(deal=deal).select_related("from_stage", "to_stage", "changed_by")
