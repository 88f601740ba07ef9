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

import datetime
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from totonou.core.list_page import IdsFirst
from totonou.deals.models import Deal, Stage
from totonou.deals.selectors import stage_list
from totonou.insights import charts
from totonou.insights.filters import ForecastFilter, PipelineFilter, WinRateFilter
from totonou.insights.selectors import pipeline as selectors
from totonou.targets.periods import add_months
from totonou.users.request import signed_in_user
from totonou.web import pipeline_card
from totonou.web.views.choices import owner_options, segment_choices
from totonou.web.views.insights import _parse, _teams, range_step, scoped_query

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
        "owners": owner_options(user),
        "segments": segment_choices(user),
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


STALLED_PAGE_SIZE = 50


@require_GET
def stalled_list(request: HttpRequest) -> HttpResponse:
    """The stalled deals grouped by stage and owner, each with its reason and "plan the next step",
    ``STALLED_PAGE_SIZE`` a page (a team can have thousands: the count is of all of them)."""
    user, filters, errors, kept = _filters(request)
    now = timezone.now()
    deals = selectors.pipeline_deals(user=user, filters=filters)
    stages = selectors.open_stages()
    # Every stalled deal's id in the list's order (a team has thousands: a few kB), then the page's deals
    # with their customer and owner: one read of the rule gives the count and the page, and only the
    # page's 50 rows are joined (the joins before the sort were a third of the page's SQL).
    ids = list(selectors.stalled_deals(deals, now=now, stages=stages).values_list("pk", flat=True))
    page = Paginator(ids, STALLED_PAGE_SIZE).get_page(request.GET.get("page"))
    # The page's deals are stalled (their ids came from the rule): the reason is "too long in the
    # stage" when that holds, else "no recent activity" (``stalled_reason_of`` with nothing planned
    # ahead), without reading the rule again (``test_stalled_list`` holds the reasons to the SQL rule's).
    position = {pk: index for index, pk in enumerate(page.object_list)}
    shown: list[Any] = sorted(
        Deal.objects.filter(pk__in=page.object_list).select_related("customer", "owner", "stage"),
        key=lambda deal: position[deal.pk],
    )
    for deal in shown:
        deal.stalled_reason = selectors.stalled_reason_of(
            deal, stage=deal.stage, planned_ahead=False, now=now
        )
    groups: list[dict[str, Any]] = []
    for deal in shown:
        deal.days_in_stage = (now - deal.stage_entered_at).days
        if not groups or groups[-1]["stage"].pk != deal.stage_id or groups[-1]["owner"].pk != deal.owner_id:
            groups.append({"stage": deal.stage, "owner": deal.owner, "deals": []})
        groups[-1]["deals"].append(deal)
    context = {
        "groups": groups,
        "count": page.paginator.count,
        "page": page,
        "filters": filters,
        "errors": errors,
        "query": kept,
        "no_activity_days": selectors.stalled_no_activity_days(),
        **_choices(user),
    }
    return TemplateResponse(request, "pipeline/stalled.html", context)


#: The most recent lost deals whose notes the analytics page lists.
LOSS_NOTES_SHOWN = 100

ANALYTICS_KEYS = ("owner", "team", "segment", "from", "to", "group_by", "period")


class DealLinks:
    """The deal list URL behind each figure of the analytics page: the page's owner/team/segment (an
    empty ``owner`` so the list does not fall back to "my deals") and the figure's own filters of
    ``DealFilter`` (closed in the period, entered a stage, loss reason, size band, expected close …)."""

    def __init__(self, filters: Any) -> None:
        self.base = {
            "owner": filters.owner or "",
            "team": filters.team or "",
            "segment": filters.segment or "",
        }
        self.list_url = reverse("deals:deal_list")

    def url(self, **params: Any) -> str:
        query = {**self.base, **{key: value for key, value in params.items() if value is not None}}
        return f"{self.list_url}?{urlencode(query)}"

    def closed(self, first_day: datetime.date, last_day: datetime.date, **params: Any) -> dict[str, str]:
        """Won, lost and all closed deals of a period, narrowed by ``params``."""
        period = {"closed_from": first_day.isoformat(), "closed_to": last_day.isoformat(), **params}
        kind = period.pop("kind", None)
        links = {"closed": self.url(**period, kind=kind)}
        for side in ("won", "lost"):
            # a row of won deals only (or lost only) has no deals on the other side: no link
            links[side] = self.url(**period, kind=side) if kind in (None, side) else ""
        return links


def _win_rate_params(
    group_by: str, key: str, first_day: datetime.date, last_day: datetime.date
) -> dict[str, Any]:
    if key == "total":
        return {}
    if group_by == "month":
        year, month = (int(part) for part in key.split("-"))
        month_first = datetime.date(year, month, 1)
        month_last = add_months(month_first, 1) - datetime.timedelta(days=1)
        return {"closed_from": max(first_day, month_first), "closed_to": min(last_day, month_last)}
    if group_by == "loss_reason":
        return {"kind": "won"} if key == "won" else {"kind": "lost", "loss_reason": key}
    return {group_by: key}


@require_GET
def pipeline_analytics_moved(request: HttpRequest) -> HttpResponse:
    """The analytics moved to Insights → Pipeline; old links keep working."""
    query = request.GET.urlencode()
    return redirect(reverse("web:insights_pipeline") + (f"?{query}" if query else ""))


@require_GET
def pipeline_analytics(request: HttpRequest) -> HttpResponse:
    """Insights → Pipeline: win rate (by ``group_by``), the stage funnel, loss reasons with their notes
    (searchable with ``q``) and the forecast: the API's numbers for the same query (``WinRateFilter``,
    ``ForecastFilter``), each linked to the deal list of exactly the deals it counts, with SVG charts."""
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
        lost = lost.filter(
            Q(loss_note__icontains=search)
            | Q(title__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(loss_reason__name_ja__icontains=search)
            | Q(loss_reason__name_en__icontains=search)
        )
    links = DealLinks(filters)
    # one read of the period's closing changes for the win rate and the loss reasons
    closed = selectors.closed_deals(
        deals, *selectors.day_bounds(first_day, last_day, zone), group_by=filters.group_by
    )
    win_rate = selectors.win_rate(
        deals, first_day=first_day, last_day=last_day, group_by=filters.group_by, zone=zone, closed=closed
    )
    for row in [*win_rate.rows, win_rate.total]:
        row.links = links.closed(  # type: ignore[attr-defined]
            first_day, last_day, **_win_rate_params(filters.group_by, row.key, first_day, last_day)
        )
    funnel = selectors.funnel(
        deals, first_day=first_day, last_day=last_day, zone=zone, owners=filters.owner_ids()
    )
    for stage_row in funnel.stages:
        entered = {
            "entered_stage": stage_row.stage.pk,
            "entered_from": first_day.isoformat(),
            "entered_to": last_day.isoformat(),
        }
        stage_row.links = {  # type: ignore[attr-defined]
            "entered": links.url(**entered),
            **{
                outcome: links.url(**entered, outcome=outcome)
                for outcome in ("forward", "lost", "back", "still", "left")
            },
        }
    loss_rows = selectors.loss_reasons(
        deals, first_day=first_day, last_day=last_day, zone=zone, closed=closed
    )
    for loss_row in loss_rows:
        loss_row.link = links.closed(  # type: ignore[attr-defined]
            first_day, last_day, loss_reason=loss_row.reason.pk
        )["lost"]
    forecast = selectors.forecast(
        forecast_filters.filter(selectors.visible_deals(user=user)), period=period, zone=zone
    )
    # Without a search, the hundred are the latest of the closed deals read above (one query by id).
    # With one, ids first: joined to customers, owners and reasons, PostgreSQL hashed every deal and
    # customer before it knew which hundred were the period's lost ones (190 ms; the ids: a few ms).
    lost_deals = list(
        IdsFirst(lost)[0:LOSS_NOTES_SHOWN] if search else selectors.latest_lost(closed, LOSS_NOTES_SHOWN)
    )
    expected = {"kind": "open", "close_from": period.first_day, "close_to": period.last_day}
    forecast_links = {
        "won": links.closed(period.first_day, period.last_day)["won"],
        "pipeline": links.url(**expected),
        "commit": links.url(**expected, min_probability=forecast.commit_probability),
    }
    context = {
        "win_rate": win_rate,
        "win_rate_chart": pipeline_card.hbar_chart(
            charts.horizontal_bars(
                [(row.key, row.label, row.win_rate, None) for row in win_rate.rows], scale=1.0
            ),
            chart_id="win-rate-chart",
            title=_("Win rate per row"),
            kind="percent",
        ),
        "funnel": funnel,
        "funnel_chart": pipeline_card.hbar_chart(
            charts.horizontal_bars(
                [(str(row.stage.pk), row.stage.name, row.entered, row.moved_forward) for row in funnel.stages]
            ),
            chart_id="funnel-chart",
            title=_("Deals entered per stage, and how many moved forward"),
            kind="count",
        ),
        "loss_reasons": loss_rows,
        "loss_chart": pipeline_card.hbar_chart(
            charts.horizontal_bars(
                [(str(row.reason.pk), row.reason.name, row.count, None) for row in loss_rows]
            ),
            chart_id="loss-chart",
            title=_("Lost deals per loss reason"),
            kind="count",
        ),
        "lost_deals": lost_deals,
        "loss_notes": pipeline_card.loss_notes(lost_deals),
        # the tables' rows, written in Python (ADR 0013): as template loops they were a quarter of the page
        "funnel_rows": pipeline_card.funnel_rows(funnel.stages),
        "win_rate_rows": pipeline_card.win_rate_rows(win_rate.rows),
        "win_rate_total": pipeline_card.win_rate_total(win_rate.total),
        "loss_reason_rows": pipeline_card.loss_reason_rows(loss_rows),
        "forecast": forecast,
        "forecast_links": forecast_links,
        "forecast_chart": pipeline_card.hbar_chart(
            charts.horizontal_bars(
                [
                    ("won", _("Won so far"), forecast.won, None),
                    ("weighted", _("Weighted open pipeline"), forecast.weighted_pipeline, None),
                    ("commit", _("Commit"), forecast.commit, None),
                    ("forecast", _("Forecast"), forecast.forecast, forecast.won),
                ]
            ),
            chart_id="forecast-chart",
            title=_("Forecast: won so far, weighted open pipeline and commit"),
            kind="money",
        ),
        "filters": filters,
        "first_day": first_day,
        "last_day": last_day,
        "period_step": range_step(  # previous / next range of the same length, as on every Insights tab
            url_name="web:insights_pipeline",
            scope=[
                (key, str(query[key]))
                for key in ANALYTICS_KEYS
                if key not in ("from", "to") and key in query and (query[key] or key in ("team", "owner"))
            ],
            first_day=first_day,
            last_day=last_day,
            today=timezone.localtime(timezone.now(), zone).date(),
        ),
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
