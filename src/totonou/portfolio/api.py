"""REST API for merging customers and handing customers over (the same services as the pages).

Registered before the customers router: ``/customers/reassign`` must not be read as a customer id.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from totonou.core.api import Id, References, api_user, get_visible
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_records
from totonou.portfolio import services
from totonou.portfolio.schemas import MergeIn, MergeOut, ReassignIn, ReassignOut
from totonou.users.models import Team
from totonou.users.selectors import user_list

router = Router(tags=["customers"])


@router.post("/customers/reassign", response=ReassignOut, url_name="customer_reassign")
def reassign_customers(request: HttpRequest, payload: ReassignIn) -> dict[str, Any]:
    """Managers and admins: a rep's customers (all in use, or ``customers``), with their open deals and
    future plans, to another rep or shared across a team. One transaction; the counts come back."""
    user = api_user(request)
    data = payload.model_dump(exclude_unset=True)
    references = References(user)
    people = user_list(user=user)
    references.replace(data, "from_owner", people)
    references.replace(data, "to_owner", people)
    references.replace(data, "to_team", Team.objects.all())
    references.replace_many(data, "customers", Customer.objects.only("pk"))  # ids only: thousands at once
    references.check()
    result = services.customers_reassign(actor=user, **data)
    return {
        "customers": result.customers,
        "deals": result.deals,
        "activities": result.activities,
        "owners": [{"owner": owner, "customers": count} for owner, count in result.per_owner.items()],
    }


@router.post("/customers/{customer_id}/merge", response=MergeOut, url_name="customer_merge")
def merge_customer(request: HttpRequest, customer_id: Id, payload: MergeIn) -> dict[str, Any]:
    """Managers and admins: merge ``duplicate`` into this customer (contacts, deals, activities, comments
    and history move here; the duplicate is archived with ``merged_into`` pointing here)."""
    user = api_user(request)
    survivor = get_visible(Customer.objects.all(), user, customer_id)
    references = References(user)
    duplicate = references.one("duplicate", Customer.objects.all(), payload.duplicate)
    references.check()
    assert duplicate is not None
    result = services.customer_merge(actor=user, survivor=survivor, duplicate=duplicate)
    return {
        "customer": get_visible(customer_records(user=user), user, result.survivor.pk),
        "contacts": result.contacts,
        "deals": result.deals,
        "activities": result.activities,
    }
