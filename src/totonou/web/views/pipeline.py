"""The pipeline board (kanban) and the stalled list.

Thin: the query string is parsed by the API's ``PipelineFilter`` (``filters_from_query``), so the board
and ``/api/v1/insights/pipeline`` given the same query show the same numbers; the selectors in
``insights.selectors.pipeline`` compute. Without ``team`` or ``owner`` a rep sees their own deals, a
manager their team's and an administrator everyone's (as the Insights page).

Moving a card uses the deal page's one stage control (``deals:deal_stage``): dragging it on desktop
(``static/totonou/pipeline.js``, native drag and drop) or the stage picker on each card (a plain form,
also without JavaScript). A won or lost stage answers with its form (close date, loss reason).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from totonou.customers.selectors import segment_list
from totonou.deals.models import Stage
from totonou.deals.selectors import stage_list
from totonou.insights.filters import ForecastFilter, PipelineFilter, WinRateFilter
from totonou.insights.selectors import pipeline as selectors
from totonou.users.filters import UserFilter
from totonou.users.request import signed_in_user
from totonou.users.selectors import user_list
from totonou.web.views.insights import _parse, _teams, scoped_query

#: How many cards a column shows before "+N more" (capped in SQL).
COLUMN_CARDS = 30
PIPELINE_KEYS = ("owner", "team", "segment", "key_only", "close_from", "close_to")


def _filters(request: HttpRequest) -> tuple[Any, PipelineFilter, dict[str, list[str]], str]:
    user = signed_in_user(request)
    query = scoped_query(request, user, _teams(user))
    errors: dict[str, list[str]] = {}
    filters = _parse(PipelineFilter, query, errors)
    kept = urlencode([(key, query[key]) for key in PIPELINE_KEYS if query.get(key)])
    return user, filters, errors, kept


def _choices(user: Any) -> dict[str, Any]:
    return {
        "teams": _teams(user),
        "owners": user_list(user=user, filters=UserFilter(is_active=True)).order_by(
            "display_name", "username"
        ),
        "segments": segment_list(user=user),
    }


@require_GET
def pipeline_board(request: HttpRequest) -> HttpResponse:
    """A column per open stage with its count, amount and weighted amount, and the first cards (longest in
    the stage first); won and lost are drop targets."""
    user, filters, errors, kept = _filters(request)
    deals = selectors.pipeline_deals(user=user, filters=filters)
    board = selectors.pipeline(deals, cards=COLUMN_CARDS)
    stages = list(stage_list(user=user))
    context = {
        "board": board,
        "closing_stages": [stage for stage in stages if stage.kind != Stage.Kind.OPEN],
        "all_stages": stages,
        "filters": filters,
        "errors": errors,
        "query": kept,
        "now": timezone.now(),
        "board_url": request.get_full_path(),
        **_choices(user),
    }
    return TemplateResponse(request, "pipeline/board.html", context)


@require_GET
def stalled_list(request: HttpRequest) -> HttpResponse:
    """The stalled deals grouped by stage and owner, each with its reason and "plan the next step"."""
    user, filters, errors, kept = _filters(request)
    now = timezone.now()
    deals = selectors.pipeline_deals(user=user, filters=filters)
    rows = list(selectors.stalled_deals(deals, now=now).select_related("customer", "owner", "stage")[:500])
    groups: list[dict[str, Any]] = []
    for deal in rows:
        deal.days_in_stage = (now - deal.stage_entered_at).days  # type: ignore[attr-defined]
        if not groups or groups[-1]["stage"].pk != deal.stage_id or groups[-1]["owner"].pk != deal.owner_id:
            groups.append({"stage": deal.stage, "owner": deal.owner, "deals": []})
        groups[-1]["deals"].append(deal)
    context = {
        "groups": groups,
        "count": len(rows),
        "filters": filters,
        "errors": errors,
        "query": kept,
        "no_activity_days": selectors.stalled_no_activity_days(),
        **_choices(user),
    }
    return TemplateResponse(request, "pipeline/stalled.html", context)


ANALYTICS_KEYS = ("owner", "team", "segment", "from", "to", "group_by", "period")


@require_GET
def pipeline_analytics(request: HttpRequest) -> HttpResponse:
    """Win rate (by ``group_by``), the stage funnel, loss reasons with their notes (searchable with
    ``q``) and the forecast: the API's numbers for the same query (``WinRateFilter``, ``ForecastFilter``)."""
    user = signed_in_user(request)
    query = scoped_query(request, user, _teams(user))
    if "from" in query:
        query["from_"] = query.get("from", "")
    errors: dict[str, list[str]] = {}
    filters = _parse(WinRateFilter, query, errors)
    forecast_filters = _parse(ForecastFilter, query, errors)
    zone = selectors.pipeline_zone(user=user, filters=filters)
    deals, first_day, last_day = selectors.period_deals(user=user, filters=filters, zone=zone)
    try:
        period = selectors.forecast_period(forecast_filters.period, zone=zone)
    except (ValueError, DjangoValidationError):
        errors.setdefault("period", []).append(_("Give a fiscal month (2026-04) or quarter (2026-Q1)."))
        period = selectors.forecast_period(None, zone=zone)
    search = request.GET.get("q", "").strip()[:100]
    lost = selectors.lost_deals(deals, first_day=first_day, last_day=last_day, zone=zone)
    if search:
        lost = lost.filter(Q(loss_note__icontains=search) | Q(title__icontains=search))
    context = {
        "win_rate": selectors.win_rate(
            deals, first_day=first_day, last_day=last_day, group_by=filters.group_by, zone=zone
        ),
        "funnel": selectors.funnel(deals, first_day=first_day, last_day=last_day, zone=zone),
        "loss_reasons": selectors.loss_reasons(deals, first_day=first_day, last_day=last_day, zone=zone),
        "lost_deals": list(lost[:100]),
        "forecast": selectors.forecast(
            forecast_filters.filter(selectors.visible_deals(user=user)), period=period, zone=zone
        ),
        "filters": filters,
        "first_day": first_day,
        "last_day": last_day,
        "search": search,
        "errors": errors,
        "groups": [
            ("owner", _("Rep")),
            ("team", _("Team")),
            ("segment", _("Segment")),
            ("month", _("Month")),
            ("size", _("Deal size")),
            ("loss_reason", _("Loss reason")),
        ],
        "query": urlencode([(key, query[key]) for key in ("owner", "team", "segment") if query.get(key)]),
        **_choices(user),
    }
    return TemplateResponse(request, "pipeline/analytics.html", context)
