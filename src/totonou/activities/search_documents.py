"""What the search index holds of activities: subject, purpose, notes and next step, dated by the start."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from totonou.activities.models import Activity
from totonou.search.models import Kind
from totonou.search.services import document_delete, document_upsert, documents_upsert
from totonou.search.sources import DocumentData, Source


def activity_index(activity: Activity) -> None:
    """(Re-)index an activity; the services call this inside their transactions."""
    document_upsert(
        kind=Kind.ACTIVITY,
        object_id=activity.pk,
        title=activity.subject,
        texts=(activity.purpose, activity.notes, activity.next_step),
        date=activity.starts_at,
        owner_id=activity.owner_id,
        customer_id=activity.customer_id,
    )


def activities_index(activities: list[Activity]) -> None:
    """``activity_index`` for many activities: one statement for the batch."""
    documents_upsert(
        documents=[
            DocumentData(
                Kind.ACTIVITY,
                activity.pk,
                activity.subject,
                (activity.purpose, activity.notes, activity.next_step),
                activity.starts_at,
                activity.owner_id,
                activity.customer_id,
            )
            for activity in activities
        ]
    )


def activity_unindex(activity_id: int) -> None:
    document_delete(kind=Kind.ACTIVITY, object_id=activity_id)


def _documents() -> Iterator[DocumentData]:
    rows = Activity.objects.order_by().values_list(
        "pk", "subject", "purpose", "notes", "next_step", "starts_at", "owner_id", "customer_id"
    )
    for pk, subject, purpose, notes, next_step, starts_at, owner_id, customer_id in rows.iterator(
        chunk_size=10_000
    ):
        yield DocumentData(
            Kind.ACTIVITY, pk, subject, (purpose, notes, next_step), starts_at, owner_id, customer_id
        )


def _url(object_id: int, customer_id: int | None) -> str:
    return reverse("activities:activity_detail", args=[object_id])


activities = Source(kind=Kind.ACTIVITY, documents=_documents, url=_url)
