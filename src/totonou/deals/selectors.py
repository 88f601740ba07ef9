"""Reads for deals, joined for lists and detail pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet, Sum

from totonou.core.compiled import CompiledList, CompiledQuery
from totonou.deals.filters import DealFilter
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.users.models import NAME_FIELDS
from totonou.users.permissions import is_signed_in, signed_in_reader


def stage_list(*, user: Any, inactive: bool = False) -> QuerySet[Stage]:
    """The active stages in order (``inactive``: every stage, as totals over old deals need)."""
    stages = Stage.objects.visible_to(user)
    return (stages if inactive else stages.filter(is_active=True)).order_by("order", "id")


def stage_choices(*, user: Any) -> list[Stage]:
    """``stage_list``'s active stages as a list, read by a query compiled once per connection: what the
    deal page's stage control offers on every view of a deal."""
    return _STAGE_CHOICES.list("active") if is_signed_in(user) else []


_STAGE_CHOICES = CompiledList(lambda shape: stage_list(user=signed_in_reader()))


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


def deal_page(*, user: Any, pk: int) -> Deal | None:
    """The deal ``pk`` as its page reads it (``deal_page_record``), or None: one query compiled once
    per connection (every signed-in user may read every deal)."""
    return _DEAL_PAGE.first(pk) if is_signed_in(user) else None


def deal_page_record(*, user: Any) -> QuerySet[Deal]:
    """``deal_list`` for the deal's own page: the deal, its stage and loss reason whole, and what the page
    shows of the rest: its customer's name and key flag, its owner's and its contact's names. The
    customer, owner and contact read whole were 70 columns the page never shows."""
    return (
        _filtered(user=user, filters=None)
        .select_related("customer", "owner", "stage", "loss_reason", "contact")
        .only(
            *(field.attname for field in Deal._meta.concrete_fields),
            "stage",
            "loss_reason",
            "customer__name",
            "customer__is_key",
            *(f"owner__{name}" for name in NAME_FIELDS),
            "contact__name",
        )
    )


#: What a row of the deal list shows (``web/templates/deals/_deal_results.html``) of a deal, its customer,
#: owner and stage. The loss reason and the contact are not joined.
ROW_FIELDS = (
    "title",
    "amount",
    "expected_close_date",
    "last_activity_at",
    "stage_entered_at",
    "customer",
    "customer__name",
    "customer__is_key",
    "owner",
    *(f"owner__{name}" for name in NAME_FIELDS),
    "stage",
    "stage__kind",
    "stage__name_ja",
    "stage__name_en",
)


def deal_rows(*, user: Any, filters: DealFilter) -> QuerySet[Deal]:
    """``deal_list`` with the columns of ``ROW_FIELDS`` only: PostgreSQL took 2.3 ms to plan a page of
    25 full rows of five tables (about a hundred columns), 0.4 ms to run it."""
    return (
        deal_list(user=user, filters=filters)
        .select_related(None)
        .select_related("customer", "owner", "stage")
        .only(*ROW_FIELDS)
    )


def customer_deals(*, user: Any, customer_id: int) -> QuerySet[Deal]:
    """A customer's deals as their page lists them (title, stage, amount), most recently changed first:
    the stage joined, nothing else. The whole ``deal_list`` row (five tables, ~100 columns) was a tenth of
    the busiest customer's page."""
    filters = DealFilter().model_copy(update={"customer": customer_id})  # unchecked: a stand-in compiles it
    return (
        deal_list(user=user, filters=filters)
        .select_related(None)
        .select_related("stage")
        .only("title", "amount", "stage", "stage__kind", "stage__name_ja", "stage__name_en")
    )


def customer_deal_rows(*, user: Any, customer_id: int) -> list[Deal]:
    """``customer_deals`` as a list, read by a query compiled once per connection (the customer page)."""
    return _CUSTOMER_DEALS.list("customer", customer_id) if is_signed_in(user) else []


_CUSTOMER_DEALS = CompiledList(lambda shape, pk: customer_deals(user=signed_in_reader(), customer_id=pk))


@dataclass(frozen=True)
class DealTotals:
    """The whole filtered set (not a page): how many deals, their amount and the amount weighted by
    each deal's stage probability (``amount × probability / 100``, rounded down once, at the end)."""

    count: int
    amount: int
    weighted_amount: int


def deal_totals(*, user: Any, filters: DealFilter, stages: Iterable[Stage] | None = None) -> DealTotals:
    """One query over the deals ``deal_list`` lists with ``filters`` (the same rows): the count and amount
    per stage, from ``deal_stage_totals_idx`` (stage, archived flag, amount) alone. ``stages``: every
    stage, active or not (read here when None; the list page has them). The kind (open, won, lost) is
    the stages of that kind by id, not the page's ``+stage_id``: each is a range of the index. The
    weighting is applied here per stage: joined to the stages in SQL, PostgreSQL scanned all 60,000 deals
    for the 32,000 open ones (20 ms of SQL; by stage id, an index-only scan, 4 ms)."""
    every = Stage.objects.all() if stages is None else stages
    by_id = {stage.pk: stage for stage in every}
    queryset = _filtered(user=user, filters=filters.model_copy(update={"kind": None}))
    if filters.kind and filters.closed_from is None and filters.closed_to is None:
        queryset = queryset.filter(
            stage_id__in=sorted(pk for pk, stage in by_id.items() if stage.kind == filters.kind)
        )
    elif filters.kind:
        # Closed in a period: the deals are found through their closing stage changes, which join the
        # stages anyway; by stage id on top, PostgreSQL misjudged the rows and read every change into the
        # stage (31 ms against 5 for a team's won deals of a year).
        queryset = queryset.filter(stage__kind=filters.kind)
    rows = queryset.order_by().values("stage_id").annotate(deals=Count("*"), amount=Sum("amount"))
    count = amount = weighted = 0
    for row in rows:
        count += row["deals"]
        amount += int(row["amount"] or 0)
        stage = by_id.get(row["stage_id"])
        weighted += int(row["amount"] or 0) * (stage.probability if stage is not None else 0)
    return DealTotals(count=count, amount=amount, weighted_amount=weighted // 100)


def deal_customer_id(*, user: Any, pk: int) -> int | None:
    """The customer of deal ``pk`` if the user may see the deal, else None: one narrow query."""
    return Deal.objects.visible_to(user).filter(pk=pk).values_list("customer_id", flat=True).first()


def deal_stage_history(*, deal: Deal) -> QuerySet[StageChange]:
    return StageChange.objects.filter(deal=deal).select_related("from_stage", "to_stage", "changed_by")


def deal_stage_history_rows(*, deal: Deal) -> list[StageChange]:
    """``deal_stage_history`` as a list, read by a query compiled once per connection (the deal page)."""
    return _STAGE_HISTORY.list("deal", deal.pk)


_STAGE_HISTORY = CompiledList(lambda shape, pk: deal_stage_history(deal=Deal(pk=pk)))


_DEAL_PAGE = CompiledQuery(lambda pk: deal_page_record(user=signed_in_reader()).filter(pk=pk))
