"""Targets (目標と実績): the team's fiscal year per member and month against actuals, with status and
forecast; and the managers' grid to set a fiscal year's targets (spread a yearly or quarterly figure,
copy last year's).

Managers see the teams they manage (every member's row); reps their own row and their team's total;
admins every team. The numbers come from ``insights.selectors.attainment``; writes go through
``targets.services.targets_save``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from totonou.core.bounds import EARLIEST_DATE, LATEST_DATE, parse_id
from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.core.htmx import render_page
from totonou.insights import charts
from totonou.insights.selectors.attainment import (
    Cell,
    Row,
    attainment_table,
    may_see_members_of,
    may_see_team,
    team_scope,
)
from totonou.targets.models import Metric
from totonou.targets.periods import (
    FiscalPeriod,
    fiscal_year_of,
    period_zone,
    quarter_period,
    year_period,
)
from totonou.targets.selectors import target_values
from totonou.targets.services import targets_save
from totonou.users.models import Team, User
from totonou.users.permissions import can_change_team_owned, managed_team_ids
from totonou.users.request import signed_in_user
from totonou.web.forms.targets import TEAM_ROW, TargetGridForm, cell_name, member_row


def _teams(viewer: User) -> list[Team]:
    """The teams whose targets the viewer may open."""
    teams = Team.objects.order_by("name", "pk")
    if viewer.role == User.Role.ADMIN:
        return list(teams)
    ids = set(managed_team_ids(viewer)) if viewer.role == User.Role.MANAGER else set()
    if viewer.team_id is not None:
        ids.add(viewer.team_id)
    return [team for team in teams.filter(pk__in=ids)]


def _choice(request: HttpRequest, viewer: User) -> tuple[Team | None, list[Team], int, str]:
    """The team, the viewer's teams, the fiscal year and the metric asked for (with defaults)."""
    teams = _teams(viewer)
    raw_team = request.GET.get("team", "")
    team: Team | None = None
    if raw_team:
        team = next((item for item in teams if str(item.pk) == raw_team), None)
        if team is None:
            team_id = parse_id(raw_team)
            found = Team.objects.filter(pk=team_id).first() if team_id is not None else None
            if found is None:
                raise Http404(_("No such team."))
            raise PermissionDenied(
                _("You may see the targets of your own team and of the teams you manage only.")
            )
    else:
        managed = [item for item in teams if item.pk in managed_team_ids(viewer)]
        own = next((item for item in teams if item.pk == viewer.team_id), None)
        team = (managed[0] if managed else None) or own or (teams[0] if teams else None)
    today = timezone.now().astimezone(period_zone(team)).date()
    raw_year = request.GET.get("year", "")
    asked_year = parse_id(raw_year)  # a positive number, then within the date bounds
    year = (
        asked_year
        if asked_year is not None and EARLIEST_DATE.year <= asked_year <= LATEST_DATE.year
        else fiscal_year_of(today)
    )
    metric = request.GET.get("metric", "")
    if metric not in Metric.values:
        metric = Metric.REVENUE
    return team, teams, year, metric


def may_edit(viewer: User, team: Team) -> bool:
    """The team's managers and admins (the rule of ``users.permissions.can_change_team_owned``)."""
    return can_change_team_owned(viewer, team.pk)


def _query(**values: Any) -> str:
    return urlencode({key: value for key, value in values.items() if value is not None})


def behind_url(metric: str, user: User | None, team: Team | None, period: FiscalPeriod) -> str:
    """Where the records behind an actual are listed: the won (or all) deals, or the month's activities."""
    owner: dict[str, Any] = {"owner": user.pk} if user is not None else {"team": team.pk if team else None}
    if metric in (Metric.REVENUE, Metric.WON_DEALS):
        return f"{reverse('deals:deal_list')}?{_query(**owner, kind='won')}"
    if metric == Metric.NEW_DEALS:
        return f"{reverse('deals:deal_list')}?{_query(**owner)}"
    if user is None:
        return f"{reverse('activities:feed')}?{_query(team=team.pk if team else None, status='done')}"
    query = _query(view="month", date=period.first_day.isoformat(), members=user.pk)
    return f"{reverse('activities:calendar')}?{query}"


def _row_links(row: Row) -> list[tuple[Cell, str]]:
    return [(cell, behind_url(row.metric, row.user, row.team, cell.period)) for cell in row.cells]


def _export_url(fmt: str, team: Team, fiscal_year: int, metric: str) -> str:
    url = reverse("imports:export", kwargs={"kind": "targets", "fmt": fmt})
    return f"{url}?{_query(in_team=team.pk, fiscal_year=fiscal_year, metric=metric)}"


@require_GET
def targets_page(request: HttpRequest) -> HttpResponse:
    """The fiscal year of a team for one metric: a row per member (a rep: their own) and the team total,
    a cell per month and the year; the chart of the team's (a rep's: their own) months."""
    viewer = signed_in_user(request)
    team, teams, fiscal_year, metric = _choice(request, viewer)
    context: dict[str, Any] = {
        "teams": teams,
        "team": team,
        "fiscal_year": fiscal_year,
        "metric": metric,
        "metrics": Metric.choices,
        "years": [fiscal_year - 1, fiscal_year, fiscal_year + 1],
    }
    if team is None:
        return render_page(request, "targets/targets.html", context)
    if not may_see_team(viewer, team):
        raise PermissionDenied(
            _("You may see the targets of your own team and of the teams you manage only.")
        )
    year = year_period(fiscal_year)
    months = year.months()
    shown, members = team_scope(viewer, team)
    table = attainment_table(
        span=year, periods=[*months, year], metrics=[metric], members=shown, team=team, team_members=members
    )
    rows = table.for_metric(metric)
    team_row = table.team_row(metric)
    chart_row = team_row if may_see_members_of(viewer, team) or not shown else rows[0]
    assert chart_row is not None
    month_cells = chart_row.cells[:-1]
    chart = charts.target_chart(
        months,
        [cell.actual for cell in month_cells],
        [cell.target for cell in month_cells],
        # The forecast where it says more than the actual: this month and the months ahead.
        [
            cell.forecast
            if cell.forecast is not None
            and cell.period.last_day >= table.today
            and cell.forecast > cell.actual
            else None
            for cell in month_cells
        ],
    )
    context.update(
        {
            "year": year,
            "months": months,
            "rows": [(row, _row_links(row)) for row in rows],
            "chart": chart,
            "chart_row": chart_row,
            "today": table.today,
            "can_edit": may_edit(viewer, team),
            "edit_url": f"{reverse('targets:edit')}?{_query(team=team.pk, year=fiscal_year, metric=metric)}",
            # the year, the metric and the team with its members, as the page shows them
            "csv_url": _export_url("csv", team, fiscal_year, metric),
            "xlsx_url": _export_url("xlsx", team, fiscal_year, metric),
            "is_revenue": metric == Metric.REVENUE,
        }
    )
    return render_page(
        request, "targets/targets.html", context, fragments={"targets-results": "targets/_results.html"}
    )


def _last_year_actuals(
    team: Team, members: list[User], year: FiscalPeriod, metric: str
) -> dict[str, list[int]]:
    """Each member's (and the team's) actuals per month of the previous fiscal year: spreading weights."""
    previous = year.previous_year()
    table = attainment_table(
        span=previous,
        periods=previous.months(),
        metrics=[metric],
        members=members,
        team=team,
        team_members=members,
    )
    result: dict[str, list[int]] = {}
    for row in table.for_metric(metric):
        key = member_row(row.user) if row.user is not None else TEAM_ROW
        result[key] = [cell.actual for cell in row.cells]
    return result


def _initial(team: Team, members: list[User], year: FiscalPeriod, metric: str) -> dict[str, int]:
    """The saved month targets of the year (or, copying, of the year before, moved one year on)."""
    months = year.months()
    values = target_values(
        metrics=[metric],
        periods=[month.key for month in months],
        user_ids=[user.pk for user in members],
        team_ids=[team.pk],
    )
    initial: dict[str, int] = {}
    for month in months:
        for user in members:
            value = values.get((metric, "user", user.pk, month.key))
            if value is not None:
                initial[cell_name(member_row(user), month)] = value
        value = values.get((metric, "team", team.pk, month.key))
        if value is not None:
            initial[cell_name(TEAM_ROW, month)] = value
    return initial


def _copied(team: Team, members: list[User], year: FiscalPeriod, metric: str) -> dict[str, str]:
    previous = _initial(team, members, year.previous_year(), metric)
    data: dict[str, str] = {}
    for old, new in zip(year.previous_year().months(), year.months(), strict=True):
        for row in [*(member_row(user) for user in members), TEAM_ROW]:
            value = previous.get(cell_name(row, old))
            data[cell_name(row, new)] = "" if value is None else str(value)
    return data


@require_http_methods(["GET", "POST"])
def targets_edit(request: HttpRequest) -> HttpResponse:
    """A team's fiscal year of month targets for one metric, in one grid. POST ``action``: ``save``
    writes the grid; ``spread`` fills months from a yearly or quarterly figure; ``copy`` fills the grid
    with last year's targets (neither saves)."""
    viewer = signed_in_user(request)
    team, _teams_list, fiscal_year, metric = _choice(request, viewer)
    if team is None:
        raise Http404(_("No such team."))
    if not may_edit(viewer, team):
        raise PermissionDenied(_("You may set targets for the teams you manage only."))
    year = year_period(fiscal_year)
    members = list(User.objects.filter(team=team, is_active=True).order_by("display_name", "username", "pk"))
    quarters = [quarter_period(fiscal_year, number) for number in range(1, 5)]
    kwargs: dict[str, Any] = {"team": team, "members": members, "year": year, "quarters": quarters}
    last_year = _last_year_actuals(team, members, year, metric)
    status_message = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        form = TargetGridForm(request.POST, **kwargs)
        if action == "copy":
            form = TargetGridForm({**request.POST.dict(), **_copied(team, members, year, metric)}, **kwargs)
            status_message = _("Last year's targets are filled in. Check them and save.")
        elif form.is_valid() and action == "spread":
            data = form.spread(last_year)
            if data is not None:
                form = TargetGridForm(data, **kwargs)
                status_message = _("The figure is spread over the months. Check the grid and save.")
        elif form.is_valid():
            try:
                result = targets_save(actor=viewer, metric=metric, cells=form.cells())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Targets saved: %(created)s new, %(updated)s changed, %(deleted)s cleared.")
                    % {"created": result.created, "updated": result.updated, "deleted": result.deleted},
                )
                return redirect(
                    f"{reverse('targets:index')}?{_query(team=team.pk, year=fiscal_year, metric=metric)}"
                )
        if form.is_bound and not form.is_valid():
            status_message = ""
    else:
        form = TargetGridForm(initial=_initial(team, members, year, metric), **kwargs)
    context = {
        "team": team,
        "fiscal_year": fiscal_year,
        "year": year,
        "metric": metric,
        "metric_label": Metric(metric).label,
        "form": form,
        "grid": form.rows(last_year),
        "months": year.months(),
        "status_message": status_message,
        "back_url": f"{reverse('targets:index')}?{_query(team=team.pk, year=fiscal_year, metric=metric)}",
        "is_revenue": metric == Metric.REVENUE,
    }
    return render_page(request, "targets/targets_edit.html", context)
