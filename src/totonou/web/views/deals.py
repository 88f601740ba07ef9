"""Deal pages: the list by stage and owner, and a deal with its stage history and activities."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import comment_thread
from totonou.core.bounds import clamp_days
from totonou.core.htmx import htmx_target, render_page
from totonou.core.list_page import IdsFirst, ListPage
from totonou.deals.filters import DealFilter
from totonou.deals.history import deal_stays
from totonou.deals.models import Stage
from totonou.deals.selectors import (
    deal_page,
    deal_rows,
    deal_stage_history_rows,
    deal_totals,
    stage_list,
)
from totonou.users.request import signed_in_user
from totonou.web.views.choices import owner_options
from totonou.web.views.customers import TIMELINE_FRAGMENTS, TIMELINE_MORE, plans_ahead, timeline_page
from totonou.web.views.deal_edit import stage_panel_context

DEAL_PAGE_SIZE = 25


DEALS = ListPage(
    template="deals/deal_list.html",
    results_id="deal-results",
    results_template="deals/_deal_results.html",
    filter_schema=DealFilter,
    page_size=DEAL_PAGE_SIZE,
)


def _with_default_owner(request: HttpRequest, user: Any) -> Any:
    """A rep sees their own deals by default: without ``owner`` in the query, the owner filter is the
    signed-in user (shown selected, so "Everyone" — ``owner=`` — clears it)."""
    if "owner" in request.GET:
        return request.GET
    query = request.GET.copy()
    query["owner"] = str(user.pk)
    return query


#: The filters the list has no field for (the pipeline analytics link to them): kept as hidden fields
#: and named above the list, with "Clear" to drop them.
FIGURE_FILTERS = (
    "team",
    "segment",
    "loss_reason",
    "size",
    "close_from",
    "close_to",
    "min_probability",
    "closed_from",
    "closed_to",
    "entered_stage",
    "entered_from",
    "entered_to",
    "outcome",
)


#: The deal list's sorts (``DealFilter.sort``), as the sort menu offers them.
DEAL_SORTS = [
    ("recent", _("Recently changed")),
    ("amount", _("Amount (largest first)")),
    ("expected_close", _("Expected close (soonest first)")),
    ("days_in_stage", _("Days in stage (longest first)")),
    ("last_activity", _("Last activity (longest ago first)")),
]


@require_GET
def deal_list_view(request: HttpRequest) -> HttpResponse:
    """Deals, most recently changed first, filtered by stage and owner (``DealFilter``)."""
    user = signed_in_user(request)
    filters, errors = DEALS.filters(request, _with_default_owner(request, user))
    # Every stage, active or not, for the totals' weighting; the filter offers the active ones.
    stages = list(stage_list(user=user, inactive=True))
    totals = deal_totals(user=user, filters=filters, stages=stages)
    # The totals' count pages the list: no second COUNT query.
    deals = IdsFirst(deal_rows(user=user, filters=filters), count=totals.count)
    context = {
        "totals": totals,
        "sorts": DEAL_SORTS,
        "stages": [stage for stage in stages if stage.is_active],
        "owners": owner_options(user),
        "kinds": Stage.Kind.choices,
        "now": timezone.now(),
        "figure_filters": [
            (name, getattr(filters, name)) for name in FIGURE_FILTERS if getattr(filters, name) is not None
        ],
    }
    return DEALS.render(request, deals, filters=filters, errors=errors, context=context)


@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A deal (案件): stage, amount, stage history, comments and its activity timeline a page at a time."""
    user = signed_in_user(request)
    deal = deal_page(user=user, pk=pk)
    if deal is None:
        raise Http404
    now = timezone.now()
    page = timeline_page(request, user, ActivityFilter(deal=deal.pk), now)
    context: dict[str, Any] = {"deal": deal, "page": page}
    if htmx_target(request) != TIMELINE_MORE:  # "Show more" needs the next page only
        days_in_stage = (now - deal.stage_entered_at).days
        context.update(
            {
                **plans_ahead(user, ActivityFilter(deal=deal.pk), now),
                "days_in_stage": days_in_stage,
                "is_stalled": deal.stage.kind == Stage.Kind.OPEN
                and days_in_stage > clamp_days(deal.stage.stagnation_days),
                "history": deal_stays(deal_stage_history_rows(deal=deal), now),
                "comments": comment_thread(user=user, deal=deal),
                "plan_url": f"{reverse('activities:activity_create')}?"
                + urlencode({"deal": str(deal.pk), "mode": "plan", "next": deal.get_absolute_url()}),
                **stage_panel_context(user, deal),
            }
        )
    return render_page(request, "deals/deal_detail.html", context, fragments=TIMELINE_FRAGMENTS)
