"""Keeping each customer's latest real contact in step with the activities that make it.

"Real contact" = a done activity whose type counts as contact. Plans, edits, cancellations and
internal work never move the clock.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from totonou.activities.models import Activity
from totonou.customers.models import Customer
from totonou.deals.models import Deal


def _latest_contact() -> QuerySet[Activity]:
    return Activity.objects.filter(
        customer=OuterRef("pk"), status=Activity.Status.DONE, type__counts_as_contact=True
    ).order_by("-starts_at", "-id")


def customers_refresh_last_contact(*, customer_ids: Iterable[int | None] | None = None) -> int:
    """Recompute ``last_contact_at`` / ``last_contact_by`` for the given customers (all when None)."""
    customers = Customer.objects.all()
    if customer_ids is not None:
        ids = {pk for pk in customer_ids if pk is not None}
        if not ids:
            return 0
        customers = customers.filter(pk__in=ids)
    latest = _latest_contact()
    return customers.update(
        last_contact_at=Subquery(latest.values("starts_at")[:1]),
        last_contact_by=Subquery(latest.values("owner")[:1]),
    )


def deals_refresh_last_activity(*, deal_ids: Iterable[int | None]) -> int:
    """Recompute ``Deal.last_activity_at`` (the latest done activity's start) for the given deals: one
    UPDATE, none when no deal is given (most activities have none)."""
    ids = {pk for pk in deal_ids if pk is not None}
    if not ids:
        return 0
    latest = Activity.objects.filter(deal=OuterRef("pk"), status=Activity.Status.DONE).order_by(
        "-starts_at", "-id"
    )
    return Deal.objects.filter(pk__in=ids).update(last_activity_at=Subquery(latest.values("starts_at")[:1]))
