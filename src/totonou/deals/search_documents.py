"""What the search index holds of deals: title and next step, dated by the deal's creation."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from totonou.deals.models import Deal
from totonou.search.models import Kind
from totonou.search.services import document_delete, document_upsert
from totonou.search.sources import DocumentData, Source


def deal_index(deal: Deal) -> None:
    document_upsert(
        kind=Kind.DEAL,
        object_id=deal.pk,
        title=deal.title,
        texts=(deal.next_step,),
        date=deal.created_at,
        owner_id=deal.owner_id,
        customer_id=deal.customer_id,
    )


def deal_unindex(deal_id: int) -> None:
    document_delete(kind=Kind.DEAL, object_id=deal_id)


def _documents() -> Iterator[DocumentData]:
    rows = Deal.objects.order_by().values_list(
        "pk", "title", "next_step", "created_at", "owner_id", "customer_id"
    )
    for pk, title, next_step, created_at, owner_id, customer_id in rows.iterator(chunk_size=10_000):
        yield DocumentData(Kind.DEAL, pk, title, (next_step,), created_at, owner_id, customer_id)


def _url(object_id: int, customer_id: int | None) -> str:
    return reverse("deals:deal_detail", args=[object_id])


deals = Source(kind=Kind.DEAL, documents=_documents, url=_url)
