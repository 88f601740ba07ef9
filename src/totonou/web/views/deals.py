"""Deal pages: the list by stage and owner, and a deal with its stage history and activities."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_timeline, comment_thread
from totonou.core.htmx import htmx_target, render_page
from totonou.core.list_page import ListPage
from totonou.deals.filters import DealFilter
from totonou.deals.models import Stage
from totonou.deals.selectors import deal_list, deal_stage_history, stage_list
from totonou.users.filters import UserFilter
from totonou.users.request import signed_in_user
from totonou.users.selectors import user_list
from totonou.web.views.customers import TIMELINE_FRAGMENTS, TIMELINE_MORE, timeline_page

DEAL_PAGE_SIZE = 25


DEALS = ListPage(
    template="deals/deal_list.html",
    results_id="deal-results",
    results_template="deals/_deal_results.html",
    filter_schema=DealFilter,
    page_size=DEAL_PAGE_SIZE,
)


@require_GET
def deal_list_view(request: HttpRequest) -> HttpResponse:
    """Deals, most recently changed first, filtered by stage and owner (``DealFilter``)."""
    user = signed_in_user(request)
    filters, errors = DEALS.filters(request)
    context = {
        "stages": stage_list(user=user),
        "owners": user_list(user=user, filters=UserFilter(is_active=True)).order_by(
            "display_name", "username"
        ),
        "kinds": Stage.Kind.choices,
        "now": timezone.now(),
    }
    return DEALS.render(
        request, deal_list(user=user, filters=filters), filters=filters, errors=errors, context=context
    )


@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A deal (案件): stage, amount, stage history, comments and its activity timeline a page at a time."""
    user = signed_in_user(request)
    deal = get_object_or_404(deal_list(user=user), pk=pk)
    page = timeline_page(request, activity_timeline(user=user, filters=ActivityFilter(deal=deal.pk)))
    context: dict[str, Any] = {"deal": deal, "page": page}
    if htmx_target(request) != TIMELINE_MORE:  # "Show more" needs the next page only
        days_in_stage = (timezone.now() - deal.stage_entered_at).days
        context.update(
            {
                "days_in_stage": days_in_stage,
                "is_stalled": deal.stage.kind == Stage.Kind.OPEN
                and days_in_stage > deal.stage.stagnation_days,
                "history": deal_stage_history(deal=deal),
                "comments": comment_thread(user=user, deal=deal),
            }
        )
    return render_page(request, "deals/deal_detail.html", context, fragments=TIMELINE_FRAGMENTS)
