"""Customer pages: the searchable list and a customer with contacts, deals and activity timeline."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_first_counted, activity_timeline, activity_timeline_page
from totonou.core.htmx import htmx_target, render_page
from totonou.core.list_page import CountedRows, IdsFirst, ListPage
from totonou.customers.filters import CustomerFilter
from totonou.customers.models import Customer
from totonou.customers.selectors import (
    customer_contacts,
    customer_page,
    customer_rows,
    customer_search_page,
    days_since,
)
from totonou.deals.selectors import customer_deal_rows
from totonou.insights.selectors.thresholds import Thresholds, contact_status
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by
from totonou.users.request import signed_in_user
from totonou.web.forms.customers import BulkActionForm
from totonou.web.views.choices import changeable_owner_options, owner_options, segment_choices
from totonou.web.views.home import plan_visit_url

CUSTOMER_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20

#: The list's sort choices (``CustomerFilter.sort``); the first is the default.
SORTS = ("name", "last_contact")


#: "Show more" swaps its own list item (``#timeline-more``) for the next page's items.
TIMELINE_MORE = "timeline-more"
TIMELINE_FRAGMENTS = {TIMELINE_MORE: "customers/_timeline_items.html"}


#: How many plans ahead a record page lists above its history.
PLANS_AHEAD = 5


def plans_ahead(user: User, filters: ActivityFilter, now: datetime.datetime) -> dict[str, Any]:
    """A record page's plans from ``now`` on, soonest first (``upcoming``, at most ``PLANS_AHEAD``, and
    ``upcoming_more``), how many there are (``ahead_count``) and the first (``next_planned``): two
    queries, whatever the number of plans."""
    filters = filters.model_copy(update={"status": "planned", "start": now})
    found, count = activity_first_counted(user=user, filters=filters, limit=PLANS_AHEAD + 1)
    return {
        "upcoming": found[:PLANS_AHEAD],
        "upcoming_more": len(found) > PLANS_AHEAD,
        "ahead_count": count,
        "next_planned": found[0] if found else None,
    }


def timeline_page(
    request: HttpRequest, user: User, filters: ActivityFilter, before: datetime.datetime
) -> Page[Any]:
    """One page of a record's history (``activity_timeline`` of ``filters`` before ``before``), read
    through a query compiled once per shape (``activity_timeline_page``); "Show more" (htmx) appends the
    next page in place."""
    number = request.GET.get("page")
    rows = CountedRows.for_page(
        lambda: activity_timeline(user=user, filters=filters, before=before),
        number=number,
        per_page=TIMELINE_PAGE_SIZE,
        read=lambda start, stop: activity_timeline_page(
            user=user, filters=filters, before=before, start=start, stop=stop
        ),
    )
    return Paginator(rows, TIMELINE_PAGE_SIZE).get_page(number)


def map_url(customer: Customer) -> str:
    """A map search for the customer's address (opens the phone's map app), or "" without one."""
    address = " ".join(part for part in (customer.postal_code, customer.address) if part)
    if not customer.address:
        return ""
    return "https://www.google.com/maps/search/?" + urlencode({"api": "1", "query": address})


def _contact_status(customer: Customer) -> dict[str, Any]:
    """Days since the last real contact (in the viewer's time zone), the customer's threshold, and
    whether it is due (``contact_status``, the Uncontacted list's rule; a retired customer never is)."""
    segment = customer.segment
    thresholds = Thresholds.of_segments(
        {segment.pk: (segment.cadence_days, segment.key_cadence_days)} if segment else {}
    )
    status = contact_status(customer, thresholds=thresholds, today=timezone.localdate())
    return {
        "days_since_contact": status.days_since_contact,
        "threshold_days": status.threshold_days,
        "is_due": customer.status != Customer.Status.INACTIVE and status.is_due,
    }


CUSTOMERS = ListPage(
    template="customers/customer_list.html",
    results_id="customer-results",
    results_template="customers/_customer_results.html",
    filter_schema=CustomerFilter,
    page_size=CUSTOMER_PAGE_SIZE,
)


def _days_since_contact(page: Page[Any]) -> dict[str, Any]:
    today = timezone.localdate()
    for customer in page.object_list:
        customer.days_since_contact = days_since(customer.last_contact_at, today)
    return {}


@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """Customers filtered by segment / owner / key, searched by name or kana, sorted by kana or by last
    contact (``CustomerFilter``, the API's filter), with the days since the last real contact."""
    user = signed_in_user(request)
    filters, errors = CUSTOMERS.filters(request)
    owners = owner_options(user)
    is_manager = user.role in {"manager", "admin"}
    context = {
        "sort": filters.sort or SORTS[0],
        "bulk_form": BulkActionForm(actor=user) if is_manager else None,
        "bulk_owners": changeable_owner_options(user, owners) if is_manager else [],
        "segments": segment_choices(user),
        "owners": owners,
    }
    return CUSTOMERS.render(
        request,
        # The page's ids from the customers alone, then their joined rows: a name search's 1,500 matches
        # were joined to their owners and segments before 25 were kept. A search reads and sorts all its
        # matches anyway: the page's ids and their count come from one query.
        # A search that is the only filter reads even those from the search index alone.
        IdsFirst(
            customer_rows(user=user, filters=filters),
            read_whole=bool(filters.q),
            read_ids=customer_search_page(user=user, filters=filters),
        ),
        filters=filters,
        errors=errors,
        context=context,
        prepare=_days_since_contact,
    )


@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer: details, contacts, deals, the next planned activity, the days since the last real
    contact and who made it, and the whole activity timeline a page at a time."""
    user = signed_in_user(request)
    customer = customer_page(user=user, pk=pk)
    if customer is None:
        raise Http404
    if customer.merged_into_id is not None:  # merged away: its survivor answers for it
        return redirect("customers:customer_detail", pk=customer.merged_into_id, permanent=True)
    now = timezone.now()
    page = timeline_page(request, user, ActivityFilter(customer=customer.pk), now)
    context: dict[str, Any] = {"customer": customer, "page": page}
    if htmx_target(request) != TIMELINE_MORE:  # "Show more" needs the next page only
        contacts, archived_contacts = customer_contacts(user=user, customer_id=customer.pk)
        context.update(
            {
                "contacts": contacts,
                "archived_contacts": archived_contacts,
                "can_change": can_change_owned_by(user, customer.owner_id),
                "is_manager": user.role in {"manager", "admin"},
                "map_url": map_url(customer),
                "deals": customer_deal_rows(user=user, customer_id=customer.pk),
                **plans_ahead(user, ActivityFilter(customer=customer.pk), now),
                "plan_url": plan_visit_url(customer_id=customer.pk),
                **_contact_status(customer),
            }
        )
    return render_page(request, "customers/customer_detail.html", context, fragments=TIMELINE_FRAGMENTS)
