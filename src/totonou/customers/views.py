"""Customer pages: the searchable list and a customer with contacts, deals and activity timeline."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_list
from totonou.core.filters import filters_from_query
from totonou.core.htmx import render_page
from totonou.customers.filters import ContactFilter, CustomerFilter
from totonou.customers.selectors import contact_list, customer_list, segment_list
from totonou.deals.filters import DealFilter
from totonou.deals.selectors import deal_list
from totonou.users.filters import UserFilter
from totonou.users.selectors import user_list
from totonou.web.http import signed_in_user

CUSTOMER_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20


@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """Customers by kana, filtered by segment / owner / key, searched by name or kana (``CustomerFilter``)."""
    user = signed_in_user(request)
    filters, errors = filters_from_query(CustomerFilter, request.GET)
    customers = customer_list(user=user, filters=filters)
    page = Paginator(customers, CUSTOMER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "filter_errors": errors,
        "segments": segment_list(user=user),
        "owners": user_list(user=user, filters=UserFilter(is_active=True)).order_by(
            "display_name", "username"
        ),
    }
    return render_page(
        request,
        "customers/customer_list.html",
        context,
        fragments={"customer-results": "customers/_customer_results.html"},
    )


@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer: details, contacts, deals, the next planned activity and the activity timeline."""
    user = signed_in_user(request)
    customer = get_object_or_404(customer_list(user=user), pk=pk)
    timeline = activity_list(user=user, filters=ActivityFilter(customer=customer.pk))
    next_planned = (
        activity_list(
            user=user, filters=ActivityFilter(customer=customer.pk, status="planned", start=timezone.now())
        )
        .prefetch_related(None)
        .order_by("starts_at", "id")
        .first()
    )
    context = {
        "customer": customer,
        "contacts": contact_list(user=user, filters=ContactFilter(customer=customer.pk)),
        "deals": deal_list(user=user, filters=DealFilter(customer=customer.pk)),
        "next_planned": next_planned,
        "page": Paginator(timeline, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render_page(request, "customers/customer_detail.html", context)
