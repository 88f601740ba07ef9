"""Insights pages: the manager dashboard (the four insights at a glance), the uncontacted list with its
CSV download, and the one-click "plan a visit".

Thin: the query string is parsed by the API's FilterSchemas (``filters_from_query``), so a page and
``/api/v1/insights/...`` given the same query show the same numbers; the selectors compute; the charts'
geometry comes from ``insights.charts``. Without ``team`` or ``owner`` in the query, a rep sees their own
numbers and a manager those of their team (see docs/adr/0009-insights-dashboard-scope.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from ninja import FilterSchema
from pydantic import ValidationError as PydanticValidationError

from totonou.core.api import schema_errors
from totonou.core.bounds import parse_id
from totonou.core.exceptions import ValidationError
from totonou.core.filters import filters_from_query
from totonou.core.htmx import is_htmx, render_page
from totonou.core.i18n import period_words
from totonou.core.list_page import ListPage
from totonou.core.request import safe_next
from totonou.customers.selectors import customer_list, segment_list
from totonou.insights import charts
from totonou.insights.filters import (
    CoverageFilter,
    MemberFilter,
    PeriodFilter,
    PeriodKind,
    PlanVsActualFilter,
    StrategyAlignmentFilter,
    UncontactedFilter,
)
from totonou.insights.selectors.coverage import key_customer_coverage
from totonou.insights.selectors.members import insight_members
from totonou.insights.selectors.periods import Period, chosen_periods, local_today, user_zone
from totonou.insights.selectors.plan_vs_actual import PlanVsActual, plan_vs_actual
from totonou.insights.selectors.strategy_alignment import StrategyAlignment, strategy_alignment
from totonou.insights.selectors.uncontacted import uncontacted_customers
from totonou.insights.services import uncontacted_plan_visit
from totonou.strategy.models import Strategy
from totonou.strategy.selectors import strategy_list
from totonou.users.models import Team, User
from totonou.users.request import signed_in_user
from totonou.users.selectors import managed_team_ids, team_choices
from totonou.web.views.home import plan_visit_url

UNCONTACTED_PAGE_SIZE = 50
#: The query parameters the dashboard's filter form and links carry over.
DASHBOARD_KEYS = ("team", "owner", "period", "date", "from", "to", "segment", "key_only", "strategy")
#: The period's own parameters (``PeriodFilter``); the rest of ``DASHBOARD_KEYS`` is the scope.
PERIOD_KEYS = ("period", "date", "from", "to")
#: The Insights page's period when the query names none (the API's defaults stay each insight's own).
PAGE_PERIOD: PeriodKind = "week"
#: The uncontacted list's own parameters (``UncontactedFilter``).
UNCONTACTED_KEYS = ("days", "segment", "owner", "team", "key_only", "planned")

F = TypeVar("F", bound=FilterSchema)
R = TypeVar("R")


# --- Scope and filters ------------------------------------------------------------------------------


def _teams(user: User) -> list[Team]:
    return list(team_choices(user=user))


def default_scope(user: User, teams: list[Team]) -> dict[str, str]:
    """Whose numbers a page shows when the query names no team and no member: a rep their own; a
    manager their team (else the first team they manage); an admin everyone's."""
    if user.role == User.Role.REP:
        return {"owner": str(user.pk)}
    if user.role == User.Role.ADMIN:
        return {}
    known = {team.pk for team in teams}
    if user.team_id in known:
        return {"team": str(user.team_id)}
    managed = managed_team_ids(user=user, limit=1)
    return {"team": str(managed[0])} if managed else {}


def scoped_query(request: HttpRequest, user: User, teams: list[Team]) -> QueryDict:
    """The request's query, with the default scope when it names neither ``team`` nor ``owner`` (an
    empty value, "everyone", counts as named)."""
    query = request.GET.copy()
    if "team" not in query and "owner" not in query:
        for key, value in default_scope(user, teams).items():
            query[key] = value
    return query


def _parse(schema: type[F], query: QueryDict, errors: dict[str, list[str]]) -> F:
    filters, found = filters_from_query(schema, query)
    for name, messages_ in found.items():
        errors.setdefault(name, []).extend(
            message for message in messages_ if message not in errors.get(name, [])
        )
    return filters


def _computed(compute: Callable[[F], R], filters: F, fallback: F, errors: dict[str, list[str]]) -> R:
    """The selector's result; when it refuses the filters (a month ahead), its field errors and the
    result for ``fallback`` instead."""
    try:
        return compute(filters)
    except ValidationError as error:
        for name, found in error.message_dict.items():
            errors.setdefault(name, []).extend(found)
        return compute(fallback)


def _strategy_id(
    query: QueryDict, strategies: list[Strategy], today: datetime.date, team_id: int | None
) -> int | None:
    """The strategy asked for, else the latest one running today for the team in scope, else the
    latest one running for everyone, else the latest one running, else the latest one."""
    asked = parse_id(query.get("strategy"))
    if asked is not None and asked in {strategy.pk for strategy in strategies}:
        return asked
    running = [strategy for strategy in strategies if strategy.starts_on <= today <= strategy.ends_on]
    for candidates in (
        [strategy for strategy in running if team_id is not None and strategy.team_id == team_id],
        [strategy for strategy in running if strategy.team_id is None],
        running,
        strategies,
    ):
        if candidates:
            return candidates[0].pk
    return None


def _scope_team(query: QueryDict, members: list[User]) -> int | None:
    """The team in scope: the ``team`` asked for, else the team of the ``owner`` asked for."""
    for key in ("team", "owner"):
        asked = parse_id(query.get(key))
        if asked is None:
            continue
        if key == "team":
            return asked
        return next((member.team_id for member in members if member.pk == asked), None)
    return None


def link(name: str, **query: Any) -> str:
    """A URL with the query's non-empty values."""
    values = {key: value for key, value in query.items() if value not in (None, "", False)}
    values = {key: ("true" if value is True else value) for key, value in values.items()}
    return f"{reverse(name)}?{urlencode(values)}" if values else reverse(name)


# --- The period ---------------------------------------------------------------------------------------


def page_period(query: QueryDict, errors: dict[str, list[str]]) -> PeriodFilter:
    """The period the page counts, read from ``query`` by ``PeriodFilter`` (default: this week). An
    invalid period is reported per field and replaced by this week; ``query`` is then rewritten to the
    period read, so every insight's FilterSchema parses the same period from it."""
    data: dict[str, Any] = {key: query[key] for key in PERIOD_KEYS if query.get(key, "") != ""}
    data.setdefault("period", "custom" if "from" in data or "to" in data else PAGE_PERIOD)
    try:
        period = PeriodFilter(**data)
    except PydanticValidationError as exc:
        for name, messages_ in schema_errors(exc.errors()).items():
            errors.setdefault("period" if name == "__all__" else name, []).extend(messages_)
        period = PeriodFilter(period=PAGE_PERIOD)
    for key in PERIOD_KEYS:
        query.pop(key, None)
    query.pop("from_", None)
    query["period"] = period.period
    values = {"date": period.date, "from": period.from_, "to": period.to}
    for key, value in values.items():
        if value is not None:
            query[key] = value.isoformat()
    if period.from_ is not None:
        query["from_"] = period.from_.isoformat()
    return period


def _shifted(period: PeriodFilter, current: Period, step: int) -> dict[str, str]:
    """The period parameters of the period ``step`` (−1 or 1) before or after ``current``."""
    if period.period == "custom":
        length = datetime.timedelta(days=(current.last_day - current.first_day).days + 1)
        first, last = current.first_day + step * length, current.last_day + step * length
        return {"period": "custom", "from": first.isoformat(), "to": last.isoformat()}
    if period.period == "week":
        day = current.first_day + datetime.timedelta(weeks=step)
    elif step < 0:
        day = (current.first_day - datetime.timedelta(days=1)).replace(day=1)
    else:
        day = current.last_day + datetime.timedelta(days=1)
    return {"period": period.period, "date": day.isoformat()}


def range_step(
    *,
    url_name: str,
    scope: list[tuple[str, str]],
    first_day: datetime.date,
    last_day: datetime.date,
    today: datetime.date,
) -> dict[str, Any]:
    """Previous / next for a page whose period is a range of days (``from`` … ``to``, the pipeline tab):
    the ranges of the same length before and after, in words; no next after the range holding today.
    ``scope``: the page's other parameters, kept in both links."""
    length = datetime.timedelta(days=(last_day - first_day).days + 1)

    def url(first: datetime.date, last: datetime.date) -> str:
        pairs = [*scope, ("from", first.isoformat()), ("to", last.isoformat())]
        return f"{reverse(url_name)}?{urlencode(pairs)}"

    return {
        "words": period_words(first_day, last_day),
        "previous_url": url(first_day - length, last_day - length),
        "previous_label": _("Previous range"),
        "next_url": url(first_day + length, last_day + length) if last_day < today else "",
        "next_label": _("Next range"),
    }


def _page_url(query: QueryDict, **period: str) -> str:
    """The dashboard with ``query``'s scope (an empty ``team`` or ``owner``, "everyone", kept) and
    ``period``'s parameters."""
    pairs = [(key, query[key]) for key in DASHBOARD_KEYS if key not in PERIOD_KEYS and key in query]
    pairs = [(key, value) for key, value in pairs if value != "" or key in ("team", "owner")]
    pairs += [(key, value) for key, value in period.items() if value]
    return f"{reverse('web:insights')}?{urlencode(pairs)}"


def period_context(
    query: QueryDict, period: PeriodFilter, current: Period, today: datetime.date
) -> dict[str, Any]:
    """The period bar: the period in words, previous / next (none after the period holding today:
    the Insights look back), this week and this month, and the custom range's form values."""
    following = _shifted(period, current, 1)
    next_first = current.last_day + datetime.timedelta(days=1)
    words = {
        "week": (_("Previous week"), _("Next week")),
        "month": (_("Previous month"), _("Next month")),
        "custom": (_("Previous range"), _("Next range")),
    }[period.period]
    return {
        "kind": period.period,
        "current": current,
        "words": period_words(current.first_day, current.last_day),
        "previous_url": _page_url(query, **_shifted(period, current, -1)),
        "previous_label": words[0],
        "next_url": _page_url(query, **following) if next_first <= today else "",
        "next_label": words[1],
        "week_url": _page_url(query, period="week"),
        "month_url": _page_url(query, period="month"),
        "from": current.first_day.isoformat(),
        "to": current.last_day.isoformat(),
        "scope": [(key, query[key]) for key in DASHBOARD_KEYS if key not in PERIOD_KEYS and key in query],
        "calendar_view": "month" if period.period == "month" else "week",
        "axis_format": "n" if period.period == "month" else "n/j",
    }


# --- Dashboard --------------------------------------------------------------------------------------


def _scope_query(filters: UncontactedFilter | MemberFilter) -> dict[str, Any]:
    return {"team": filters.team, "owner": filters.owner}


def _calendar(view: str, day: datetime.date, member_id: int) -> str:
    return link("activities:calendar", view=view, date=day.isoformat(), members=member_id)


def _plan_rows(result: PlanVsActual, view: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per member, the numbers of the last period and its stacked bar; the team line."""
    labels = {
        "done_as_planned": _("Done as planned"),
        "done_moved": _("Done after a move"),
        "cancelled": _("Cancelled"),
        "overdue": _("Overdue"),
        "upcoming": _("Upcoming"),
        "unplanned": _("Unplanned"),
    }
    cells = [(member.user, member.periods[-1]) for member in result.members]
    scale = max([cell.numbers.planned + cell.numbers.unplanned for _user, cell in cells] + [1])
    period = result.periods[-1]
    rows = []
    for user, cell in cells:
        numbers = cell.numbers
        parts = [(name, label, getattr(numbers, name)) for name, label in labels.items()]
        rows.append(
            {
                "user": user,
                "numbers": numbers,
                "bar": charts.stacked(parts, scale),
                "url": _calendar(view, period.first_day, user.pk),
            }
        )
    total = result.totals[-1].numbers
    return rows, {"numbers": total, "labels": labels}


def _strategy_context(result: StrategyAlignment, view: str) -> dict[str, Any]:
    weeks = result.totals
    chart = charts.share_bars(
        [week.period for week in weeks], [week.share for week in weeks], result.strategy.target_share
    )
    last = len(result.periods) - 1
    members = [
        {
            "user": member.user,
            "week": member.weeks[last],
            "url": _calendar(view, result.periods[last].first_day, member.user.pk),
        }
        for member in result.members
    ]
    return {"result": result, "chart": chart, "weeks": weeks, "members": members, "last": weeks[last]}


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """The dashboard: uncontacted customers per segment, key-customer coverage over months, plan vs
    actual per member, and the strategy's share against its target, each number linking to its list."""
    user = signed_in_user(request)
    teams = _teams(user)
    query = scoped_query(request, user, teams)
    errors: dict[str, list[str]] = {}
    zone = user_zone(user)
    today = local_today(zone)
    period = page_period(query, errors)
    current = chosen_periods(
        period, count=1, today=today, zone=zone, week_starts_on=getattr(user, "week_starts_on", 0) or 0
    )[-1]
    strategies = list(strategy_list(user=user))
    members = insight_members(user=user, filters=MemberFilter())
    strategy_id = _strategy_id(query, strategies, today, _scope_team(query, members))
    if strategy_id is not None:
        query["strategy"] = str(strategy_id)
    period_bar = period_context(query, period, current, today)
    # Every insight counts the chosen period: a week or month without a date is the one holding today
    # (also for a strategy that has ended, which the API alone would show at its last week).
    parsed = query.copy()
    if period.period != "custom" and period.date is None and "month" not in query:  # ``month``: coverage's
        parsed["date"] = today.isoformat()

    uncontacted_filters = _parse(UncontactedFilter, query, errors)
    uncontacted = uncontacted_customers(user=user, filters=uncontacted_filters)
    coverage_filters = _parse(CoverageFilter, parsed, errors)
    # The trend shows the coverage rate per period; touches and key days only for the chosen (last)
    # period, so the activities are read for that period, not for the whole trend.
    coverage = _computed(
        lambda f: key_customer_coverage(user=user, filters=f, touches_months=1),
        coverage_filters,
        CoverageFilter(
            team=coverage_filters.team,
            owner=coverage_filters.owner,
            months=coverage_filters.months,
            period=PAGE_PERIOD,
        ),
        errors,
    )
    plan_filters = _parse(PlanVsActualFilter, parsed, errors)
    plans = _computed(
        lambda f: plan_vs_actual(user=user, filters=f),
        plan_filters,
        PlanVsActualFilter(team=plan_filters.team, owner=plan_filters.owner, period=PAGE_PERIOD),
        errors,
    )
    view = period_bar["calendar_view"]
    strategy: dict[str, Any] | None = None
    if strategy_id is not None:
        strategy_filters = _parse(StrategyAlignmentFilter, parsed, errors)
        strategy = _strategy_context(strategy_alignment(user=user, filters=strategy_filters), view)

    scope = _scope_query(uncontacted_filters)
    uncontacted_scope = {
        **scope,
        "segment": uncontacted_filters.segment,
        "key_only": uncontacted_filters.key_only,
    }
    scale = max([group.uncontacted for group in uncontacted.groups] + [1])
    segments = [
        {
            "group": group,
            "bar": charts.stacked(
                [("unplanned", _("Needs a plan"), group.unplanned), ("planned", _("Planned"), group.planned)],
                scale,
            ),
            "url": link("web:insights_uncontacted", **{**uncontacted_scope, "segment": group.segment_id}),
            "unplanned_url": link(
                "web:insights_uncontacted",
                **{**uncontacted_scope, "segment": group.segment_id, "planned": "false"},
            ),
            "planned_url": link(
                "web:insights_uncontacted",
                **{**uncontacted_scope, "segment": group.segment_id, "planned": "true"},
            ),
        }
        for group in uncontacted.groups
    ]
    last_month = coverage.periods[-1]
    coverage_members = [
        {
            "member": member,
            "month": member.months[-1],
            "customers_url": link(
                "customers:customer_list", owner=member.user.pk, is_key=True, sort="last_contact"
            ),
            "touches_url": _calendar(view, last_month.first_day, member.user.pk),
            "uncovered_url": link("web:insights_uncontacted", owner=member.user.pk, key_only=True),
        }
        for member in coverage.members
    ]
    plan_rows, plan_totals = _plan_rows(plans, view)
    context = {
        "teams": teams,
        "members": members,
        "segment_choices": list(segment_list(user=user)),
        "strategies": strategies,
        "query": query,
        "scope": scope,
        "period": period_bar,
        "period_errors": {key: errors.pop(key) for key in ("period", "date", "from", "to") if key in errors},
        "filter_errors": errors,
        "uncontacted": uncontacted,
        "uncontacted_segments": segments,
        "uncontacted_url": link("web:insights_uncontacted", **uncontacted_scope),
        "uncontacted_planned_url": link("web:insights_uncontacted", **uncontacted_scope, planned="true"),
        "uncontacted_unplanned_url": link("web:insights_uncontacted", **uncontacted_scope, planned="false"),
        "uncontacted_filters": uncontacted_filters,
        "coverage": coverage,
        "coverage_chart": charts.rate_line(
            coverage.periods, [month.coverage_rate for month in coverage.totals]
        ),
        "coverage_members": coverage_members,
        "coverage_last": coverage.totals[-1],
        "plans": plans,
        "plan_rows": plan_rows,
        "plan_totals": plan_totals,
        "plan_period": plans.periods[-1],
        "strategy": strategy,
        "strategy_id": strategy_id,
        "api_query": urlencode([(key, value) for key, value in parsed.items() if key in DASHBOARD_KEYS]),
    }
    return render_page(request, "web/insights.html", context)


# --- Uncontacted list -------------------------------------------------------------------------------


UNCONTACTED = ListPage(
    template="web/insights_uncontacted.html",
    results_id="uncontacted-results",
    results_template="web/_insights_uncontacted_results.html",
    filter_schema=UncontactedFilter,
    page_size=UNCONTACTED_PAGE_SIZE,
)


def _uncontacted_rows(page: Page[Any]) -> dict[str, Any]:
    """Each row of the page with the URL that plans a visit for its owner."""
    rows = [
        {
            "row": row,
            "plan_url": plan_visit_url(customer_id=row.customer.pk, owner_id=row.customer.owner_id),
        }
        for row in page.object_list
    ]
    return {"rows": rows}


def _uncontacted_kept(query: QueryDict) -> dict[str, str]:
    """The list's own parameters that are set: links and the CSV carry them over."""
    return {key: str(query.get(key, "")) for key in UNCONTACTED_KEYS if query.get(key, "") != ""}


def _uncontacted_summary(result: Any, filters: Any, kept: dict[str, str]) -> dict[str, Any]:
    """The per-segment counts and the tabs (``web/_insights_uncontacted_summary.html``)."""
    without_planned = {key: value for key, value in kept.items() if key != "planned"}
    return {
        "result": result,
        "filters": filters,
        "tab_urls": {
            "all": link("web:insights_uncontacted", **without_planned),
            "unplanned": link("web:insights_uncontacted", **without_planned, planned="false"),
            "planned": link("web:insights_uncontacted", **without_planned, planned="true"),
        },
        "groups": [
            {
                "group": group,
                "url": link("web:insights_uncontacted", **{**kept, "segment": group.segment_id})
                if group.segment_id is not None
                else "",
            }
            for group in result.groups
        ],
    }


def _uncontacted_summary_oob(request: HttpRequest, user: User, list_url: str) -> str:
    """The counts of the list at ``list_url`` (the page the plan was made from) as an htmx out-of-band
    swap, so "Planned" and "Needs a plan" follow a one-click plan without a reload."""
    request_query = QueryDict(urlsplit(list_url).query, mutable=True)
    if "team" not in request_query and "owner" not in request_query:
        for key, value in default_scope(user, _teams(user)).items():
            request_query[key] = value
    filters, _errors = UNCONTACTED.filters(request, request_query)
    result = uncontacted_customers(user=user, filters=filters)
    context = {**_uncontacted_summary(result, filters, _uncontacted_kept(request_query)), "oob": True}
    return render_to_string("web/_insights_uncontacted_summary.html", context, request=request)


@require_GET
def uncontacted_list(request: HttpRequest) -> HttpResponse:
    """Every uncontacted customer in scope: counts per segment, then the list, longest without a real
    contact first; planned ones flagged (or, with ``planned``, shown alone); a CSV of the same list."""
    user = signed_in_user(request)
    teams = _teams(user)
    query = scoped_query(request, user, teams)
    filters, errors = UNCONTACTED.filters(request, query)
    result = uncontacted_customers(user=user, filters=filters)
    kept = _uncontacted_kept(query)
    context = {
        **_uncontacted_summary(result, filters, kept),
        "teams": teams,
        "members": insight_members(user=user, filters=MemberFilter()),
        "segment_choices": list(segment_list(user=user)),
        "query": query,
        "next": request.get_full_path(),
        "csv_url": link("api:insights_uncontacted_csv", **kept),
        "xlsx_url": _export_link("xlsx", kept),
        "api_url": link("api:insights_uncontacted", **kept),
    }
    return UNCONTACTED.render(
        request, result.rows, filters=filters, errors=errors, context=context, prepare=_uncontacted_rows
    )


def _export_link(fmt: str, kept: dict[str, str]) -> str:
    url = reverse("imports:export", kwargs={"kind": "uncontacted", "fmt": fmt})
    return f"{url}?{urlencode(kept)}" if kept else url


@require_POST
def uncontacted_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: plan a visit to customer ``pk`` in its owner's next free slot (nothing when a contact
    is already planned). htmx gets the row's plan cell; a plain form post goes back to the list."""
    user = signed_in_user(request)
    customer = get_object_or_404(customer_list(user=user), pk=pk)
    try:
        planned = uncontacted_plan_visit(actor=user, customer=customer)
    except ValidationError as error:
        message = " ".join(error.messages)
        if is_htmx(request):
            context = {"customer": customer, "error": message}
            return TemplateResponse(request, "web/_insights_plan_cell.html", context)
        messages.error(request, message)
        return redirect(safe_next(request, reverse("web:insights_uncontacted")))
    activity = planned.activity
    when = formats.date_format(timezone.localtime(activity.starts_at), "n/j (D) H:i")
    if planned.created:
        message = _("Visit to %(customer)s planned for %(when)s (%(owner)s).") % {
            "customer": customer.name,
            "when": when,
            "owner": activity.owner,
        }
    else:
        message = _("%(customer)s already has a contact planned for %(when)s: nothing was added.") % {
            "customer": customer.name,
            "when": when,
        }
    if is_htmx(request):
        context = {
            "customer": customer,
            "planned_at": activity.starts_at,
            "planned_id": activity.pk,
            "message": message,
        }
        cell = str(render_to_string("web/_insights_plan_cell.html", context, request=request))
        if planned.created:
            cell += _uncontacted_summary_oob(
                request, user, safe_next(request, reverse("web:insights_uncontacted"))
            )
        return HttpResponse(cell)
    messages.success(request, message)
    return redirect(safe_next(request, reverse("web:insights_uncontacted")))
