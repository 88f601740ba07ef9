"""Activity pages: the team feed, the week calendar, and an activity with its result actions."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_list
from totonou.activities.views.choices import filter_choices
from totonou.core.filters import filters_from_query
from totonou.core.htmx import render_page
from totonou.web.http import signed_in_user

FEED_PAGE_SIZE = 25

# --- Feed -----------------------------------------------------------------------------------------


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Everyone's activities as they happen (most recently planned, logged or changed first), filtered
    with the API's ``ActivityFilter``. Ordered by ``updated_at`` so next month's plans do not bury
    today's results (``activity_recent_idx`` serves this order)."""
    user = signed_in_user(request)
    filters, errors = filters_from_query(ActivityFilter, request.GET)
    activities = activity_list(user=user, filters=filters).order_by("-updated_at", "-id")
    page = Paginator(activities, FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "filter_errors": errors, **filter_choices(user)}
    return render_page(
        request, "activities/feed.html", context, fragments={"feed-results": "activities/_feed_results.html"}
    )


# --- Calendar -------------------------------------------------------------------------------------
