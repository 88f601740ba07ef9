"""Weekly reports (週報): a rep's week assembled from the records with their reflection (autosaved as
they type, submitted once), any report the viewer may read (comments, review), the manager's review
queue and the weekly meeting pack (print, .xlsx, Markdown).

Reads through ``reports.selectors`` and ``reports.pack``, writes through ``reports.services``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from totonou.activities.models import Activity, Comment
from totonou.activities.selectors import ROW_FIELDS
from totonou.activities.services import comment_create
from totonou.core.exceptions import ConflictError, ValidationError
from totonou.core.htmx import render_page
from totonou.core.links import url_shape
from totonou.core.money import format_money
from totonou.customers.models import Customer
from totonou.deals.models import Deal
from totonou.insights.selectors.attainment import attainment_for
from totonou.reports import services
from totonou.reports.exports import pack_markdown, pack_xlsx, revenue_cells, revenue_headers
from totonou.reports.history import HISTORY_FIGURES, history_until, member_for_history, report_history
from totonou.reports.models import WeeklyReport
from totonou.reports.pack import team_week
from totonou.reports.selectors import (
    ACTIVITY_FIGURES,
    DEAL_FIGURES,
    FIGURES,
    activity_type_slugs,
    report_detail,
    report_list,
    summaries_of_weeks,
    week_summary,
)
from totonou.reports.services import REFLECTION_FIELDS, can_review
from totonou.reports.weeks import current_week_key, parse_week, shift_week
from totonou.targets.periods import member_zone, month_period
from totonou.users.models import Team, User
from totonou.users.permissions import managed_team_ids, managed_user_ids
from totonou.users.request import signed_in_user
from totonou.web import activity_card


def figure_labels() -> dict[str, str]:
    return {
        "activities_done": _("Activities done"),
        "planned": _("Planned"),
        "done_as_planned": _("Done as planned"),
        "moved": _("Moved"),
        "cancelled": _("Cancelled"),
        "unplanned": _("Unplanned"),
        "still_open": _("Still open"),
        "key_customer_touches": _("Key customer touches"),
        "key_customer_days": _("Days with key customers"),
        "customers_past_threshold": _("Customers gone past their threshold"),
        "deals_created": _("Deals created"),
        "deals_moved": _("Deals moved"),
        "deals_won": _("Deals won"),
        "won_amount": _("Won amount"),
        "deals_lost": _("Deals lost"),
        "next_week_planned": _("Planned for next week"),
    }


def reflection_labels() -> dict[str, str]:
    return {
        "went_well": _("What went well"),
        "problems": _("Problems"),
        "help_needed": _("Help needed from the manager"),
        "next_focus": _("Next week's focus"),
    }


def _week(request: HttpRequest, user: User) -> str:
    week = request.GET.get("week") or current_week_key(user)
    try:
        parse_week(week)
    except ValidationError:
        raise Http404 from None
    return week


#: The records listed under each figure before "Show all": a dense week holds hundreds of activities per
#: figure (the large data set: ~1,300 cards for one rep's week), so the page's cost follows the screen.
RECORDS_SHOWN = 20


#: The figures with records behind them (the others are derived: an amount, a count of days).
RECORD_FIGURES = {*ACTIVITY_FIGURES, *DEAL_FIGURES, "customers_past_threshold"}


def _expanded(request: HttpRequest) -> str:
    """The figure whose records the page lists in full (``?all=<figure>``), or none."""
    name = request.GET.get("all", "")
    return name if name in FIGURES else ""


def _records_asked(request: HttpRequest) -> str:
    """The figure whose records htmx asks for when its group is opened (``?records=<figure>``), or none."""
    name = request.GET.get("records", "")
    return name if name in FIGURES and request.htmx else ""  # type: ignore[attr-defined]


def _with_query(page_url: str, **params: str) -> str:
    return f"{page_url}{'&' if '?' in page_url else '?'}{urlencode(params)}"


def _records(summary: Any, name: str, *, everything: bool = False) -> list[Any]:
    """The records behind the figure ``name``, in the figure's order: the first ``RECORDS_SHOWN``, or all
    of them (``everything``), in one query (the activities with what their row shows joined). A deal
    carries its loss reason (``lost_reason_text``)."""
    ids = summary.records.get(name, [])
    if not everything:
        ids = ids[:RECORDS_SHOWN]
    if not ids:
        return []
    if name == "customers_past_threshold":
        return list(Customer.objects.filter(pk__in=ids).order_by("name", "pk"))
    if name in DEAL_FIGURES:
        deals = {
            deal.pk: deal for deal in Deal.objects.filter(pk__in=ids).select_related("customer", "stage")
        }
        for deal in deals.values():
            deal.lost_reason_text = summary.lost_reasons.get(deal.pk, "")
        return [deals[pk] for pk in ids if pk in deals]
    activities = (
        Activity.objects.filter(pk__in=ids)
        .select_related("customer", "type", "owner", "deal")
        .only(*ROW_FIELDS)
    )
    by_id = {activity.pk: activity for activity in activities}
    return [by_id[pk] for pk in ids if pk in by_id]


def _record_group(summary: Any, name: str, *, page_url: str, items: list[Any] | None) -> dict[str, Any]:
    """A figure's group of records: its label and count, and either its records (``items``: the group is
    open) or the URL htmx reads them from when it is opened (the page lists no closed group's records:
    a busy week's ~180 rows were a third of the page, hidden)."""
    total = len(summary.records.get(name, []))
    all_url = f"{_with_query(page_url, all=name)}#records-{name}"
    return {
        "name": name,
        "label": figure_labels()[name],
        "items": items or [],
        "total": total,
        "open": items is not None,
        "load_url": _with_query(page_url, records=name),
        "all_url": all_url,
        "more_url": all_url if items is not None and total > len(items) else "",
    }


def _record_groups(summary: Any, *, page_url: str, expanded: str) -> list[dict[str, Any]]:
    """Per figure with records, its group: closed, or open with all its records (``expanded``)."""
    return [
        _record_group(
            summary,
            name,
            page_url=page_url,
            items=_records(summary, name, everything=True) if name == expanded else None,
        )
        for name in FIGURES
        if name in RECORD_FIGURES and summary.records.get(name)
    ]


def _records_fragment(
    request: HttpRequest, author: User, week: str, name: str, page_url: str
) -> HttpResponse:
    """The first records of one figure, for htmx when its group is opened (the viewer's access to the
    week was checked by the page's view)."""
    summary = week_summary(author=author, week=week)
    group = _record_group(summary, name, page_url=page_url, items=_records(summary, name))
    return TemplateResponse(request, "reports/_records.html", {"group": group})


def _history_url(viewer: User, author: User) -> str:
    """Where the author's other weeks are listed, for a viewer who may read them there."""
    if author.pk == viewer.pk:
        return reverse("reports:history")
    if viewer.is_admin or (viewer.is_manager and author.pk in managed_user_ids(viewer)):
        return reverse("reports:member_history", args=[author.pk])
    return ""


def _this_and_last_week(
    author: User, week: str, previous: WeeklyReport | None, *, now: Any, types: dict[int, str]
) -> tuple[Any, dict[str, int]]:
    """This week's live summary, and last week's figures for "this week next to last week": as
    submitted when last week's report was submitted (what the rep reported then), else live, read with
    this week's in the same queries."""
    if previous is not None and previous.status != WeeklyReport.Status.DRAFT and previous.snapshot:
        return week_summary(author=author, week=week, now=now, types=types), dict(
            previous.snapshot["figures"]
        )
    last_week = shift_week(week, -1)
    both = summaries_of_weeks(authors=[author], weeks=[last_week, week], now=now, types=types)
    return both[author.pk, week], both[author.pk, last_week].figures


def _change_label(change: int, *, money: bool) -> str:
    """``+3``, ``−2`` (a minus sign), ``±0``; amounts in the team currency (``+¥1,000,000``)."""
    if change == 0:
        return "±0"
    size = format_money(abs(change)) if money else f"{abs(change):,}"
    return f"+{size}" if change > 0 else f"−{size}"


def _figure_rows(figures: dict[str, int], previous: dict[str, int] | None = None) -> list[dict[str, Any]]:
    labels = figure_labels()
    rows = []
    for name in FIGURES:
        value, before = figures.get(name, 0), (previous or {}).get(name)
        rows.append(
            {
                "name": name,
                "label": labels[name],
                "value": value,
                "previous": before,
                "change": _change_label(value - before, money=name == "won_amount")
                if before is not None
                else "",
                "money": name == "won_amount",
            }
        )
    return rows


def _report_context(
    viewer: User,
    author: User,
    week: str,
    report: WeeklyReport | None,
    previous: WeeklyReport | bool | None = False,
    *,
    page_url: str,
    expanded: str = "",
) -> dict[str, Any]:
    """The report page's context. ``previous``: last week's report when the caller read it already
    (None: there is none), False to read it here. ``page_url``: the page itself (for "Show all");
    ``expanded``: the figure whose records are all listed."""
    now = timezone.now()
    types = activity_type_slugs()
    if previous is False:
        previous = WeeklyReport.objects.filter(author=author, week=shift_week(week, -1)).first()
    assert previous is not True
    summary, last_week = _this_and_last_week(author, week, previous, now=now, types=types)
    if report is not None:
        report = report_detail(report, now=now, types=types, live=summary)
        figures = report.summary_figures  # type: ignore[attr-defined]
    else:
        figures = summary.figures
    month = month_period(min(summary.period.last_day, timezone.localdate(now, member_zone(author))))
    attainment = [cell for cell in attainment_for(author, month, now=now) if cell.target or cell.actual]
    labels = figure_labels()
    can_write = author.pk == viewer.pk and (report is None or report.status == WeeklyReport.Status.DRAFT)
    return {
        "author": author,
        "week": week,
        "previous_week": shift_week(week, -1),
        "next_week": shift_week(week, 1),
        "period": summary.period,
        "report": report,
        "figures": _figure_rows(figures, last_week),
        "record_groups": _record_groups(summary, page_url=page_url, expanded=expanded),
        "attainment": attainment,
        "attainment_period": month,
        "changes": [
            {"label": labels[name], "then": then, "now": current}
            for name, (then, current) in (getattr(report, "changes", {}) or {}).items()
        ],
        "reflection": [
            {"name": name, "label": label, "value": getattr(report, name, "") if report else ""}
            for name, label in reflection_labels().items()
        ],
        "can_write": can_write,
        "can_review": report is not None and report.status == "submitted" and can_review(viewer, report),
        "own": author.pk == viewer.pk,
        "history_url": _history_url(viewer, author),
        "comments": list(Comment.objects.filter(weekly_report=report).select_related("author"))
        if report is not None
        else [],
    }


@require_GET
def my_week(request: HttpRequest) -> HttpResponse:
    """The viewer's own week: the figures and the reflection, drafted as they type."""
    user = signed_in_user(request)
    week = _week(request, user)
    page_url = f"{reverse('reports:my_week')}?{urlencode({'week': week})}"
    if asked := _records_asked(request):
        return _records_fragment(request, user, week, asked, page_url)
    both = {
        item.week: item
        for item in WeeklyReport.objects.filter(author=user, week__in=[week, shift_week(week, -1)])
    }
    context = _report_context(
        user,
        user,
        week,
        both.get(week),
        both.get(shift_week(week, -1)),
        page_url=page_url,
        expanded=_expanded(request),
    )
    return render_page(request, "reports/report.html", context)


@require_GET
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    report = report_list(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    if asked := _records_asked(request):
        return _records_fragment(request, report.author, report.week, asked, report.get_absolute_url())
    context = _report_context(
        user,
        report.author,
        report.week,
        report,
        page_url=report.get_absolute_url(),
        expanded=_expanded(request),
    )
    return render_page(request, "reports/report.html", context)


def history_state_labels() -> dict[str, str]:
    return {
        **state_labels(),
        "draft": _("Draft"),
        "current": _("This week"),
        "before_joined": _("Before joining"),
    }


def _history_page(request: HttpRequest, viewer: User, author: User) -> HttpResponse:
    try:
        until = history_until(author, request.GET.get("until"))
    except ValidationError:
        raise Http404 from None
    history = report_history(author=author, until=until)
    own = viewer.pk == author.pk
    labels = figure_labels()
    rows = []
    for item in history.weeks:
        if own:
            link = f"{reverse('reports:my_week')}?week={item.week}"
        elif item.report is not None and item.report.status != WeeklyReport.Status.DRAFT:
            link = item.report.get_absolute_url()
        elif item.state == "before_joined":
            link = ""
        else:
            link = reverse("reports:member_week", args=[author.pk, item.week])
        rows.append({"item": item, "link": link})
    base = reverse("reports:history") if own else reverse("reports:member_history", args=[author.pk])
    context = {
        "author": author,
        "own": own,
        "rows": rows,
        "columns": [(name, labels[name]) for name in HISTORY_FIGURES],
        "state_labels": history_state_labels(),
        "newer_url": f"{base}?until={history.newer}" if history.newer else "",
        "older_url": f"{base}?until={history.older}",
    }
    return render_page(request, "reports/history.html", context)


@require_GET
def my_history(request: HttpRequest) -> HttpResponse:
    """The viewer's own weeks, newest first: status, submitted / reviewed, key figures, a link each."""
    user = signed_in_user(request)
    return _history_page(request, user, user)


@require_GET
def member_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's weeks, for the managers of their team and admins; 404 for anyone else."""
    viewer = signed_in_user(request)
    if pk == viewer.pk:
        return redirect("reports:history")
    member = member_for_history(viewer=viewer, member_id=pk)
    if member is None:
        raise Http404
    return _history_page(request, viewer, member)


@require_GET
def member_week(request: HttpRequest, pk: int, week: str) -> HttpResponse:
    """A member's week for their managers and admins, submitted or not: a submitted report opens as itself;
    a week with no report, or only a draft (the rep's words stay theirs until submitted), shows the figures
    and the records behind them, with the weeks before and after one click away."""
    viewer = signed_in_user(request)
    try:
        parse_week(week)
    except ValidationError:
        raise Http404 from None
    if pk == viewer.pk:
        return redirect(f"{reverse('reports:my_week')}?week={week}")
    member = member_for_history(viewer=viewer, member_id=pk)
    if member is None:
        raise Http404
    page_url = reverse("reports:member_week", args=[member.pk, week])
    if asked := _records_asked(request):
        return _records_fragment(request, member, week, asked, page_url)
    report = WeeklyReport.objects.filter(author=member, week=week).first()
    if report is not None and report.status != WeeklyReport.Status.DRAFT:
        return redirect(report.get_absolute_url())
    context = _report_context(
        viewer,
        member,
        week,
        None,
        page_url=page_url,
        expanded=_expanded(request),
    )
    context["week_urls"] = {
        "previous": reverse("reports:member_week", args=[member.pk, shift_week(week, -1)]),
        "next": reverse("reports:member_week", args=[member.pk, shift_week(week, 1)]),
    }
    return render_page(request, "reports/report.html", context)


@require_POST
def report_save(request: HttpRequest, week: str) -> HttpResponse:
    """Autosave (htmx, on every pause in typing) or save: starts the draft on the first keystroke."""
    user = signed_in_user(request)
    try:
        report, _created = services.weekly_report_start(actor=user, week=week)
        changes: dict[str, Any] = {
            name: request.POST[name] for name in REFLECTION_FIELDS if name in request.POST
        }
        services.weekly_report_update(actor=user, report=report, **changes)
    except ValidationError:
        raise Http404 from None
    except ConflictError as error:
        return HttpResponse(error.message, status=409)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(_("Draft saved at %(time)s") % {"time": timezone.localtime().strftime("%H:%M")})
    messages.success(request, _("Draft saved."))
    return redirect(f"{reverse('reports:my_week')}?week={week}")


@require_POST
def report_submit(request: HttpRequest, week: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        report, _created = services.weekly_report_start(actor=user, week=week)
        changes: dict[str, Any] = {
            name: request.POST[name] for name in REFLECTION_FIELDS if name in request.POST
        }
        if changes:
            services.weekly_report_update(actor=user, report=report, **changes)
        services.weekly_report_submit(actor=user, report=report)
    except ValidationError:
        raise Http404 from None
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your weekly report was submitted."))
    return redirect(f"{reverse('reports:my_week')}?week={week}")


def _visible_report(user: User, pk: int) -> WeeklyReport:
    report = report_list(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    report = _visible_report(user, pk)
    try:
        services.weekly_report_review(actor=user, report=report)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect(report.get_absolute_url())


@require_POST
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    report = _visible_report(user, pk)
    try:
        comment_create(actor=user, body=request.POST.get("body", ""), weekly_report=report)
    except ValidationError:
        messages.error(request, _("Write a comment."))
    return redirect(report.get_absolute_url() + "#comments")


def _teams(viewer: User) -> list[Team]:
    teams = Team.objects.order_by("name", "pk")
    if viewer.role == User.Role.ADMIN:
        return list(teams)
    ids = set(managed_team_ids(viewer))
    if viewer.team_id is not None:
        ids.add(viewer.team_id)
    return list(teams.filter(pk__in=ids))


def _team(request: HttpRequest, viewer: User) -> tuple[Team | None, list[Team]]:
    teams = _teams(viewer)
    chosen = request.GET.get("team")
    team = next((team for team in teams if str(team.pk) == chosen), None) if chosen else None
    if chosen and team is None:
        raise Http404
    return team or (teams[0] if teams else None), teams


def _team_context(request: HttpRequest) -> dict[str, Any]:
    viewer = signed_in_user(request)
    week = _week(request, viewer)
    team, teams = _team(request, viewer)
    data = team_week(team=team, week=week) if team is not None else None
    key_ids = set(data.cold_key_customers) if data else set()
    labels = figure_labels()
    return {
        "week": week,
        "previous_week": shift_week(week, -1),
        "next_week": shift_week(week, 1),
        "team": team,
        "teams": teams,
        "data": data,
        "columns": [(name, labels[name]) for name in PACK_FIGURES],
        "pack_rows": _pack_rows(data),
        "revenue_headers": revenue_headers(),
        "cold_key_customers": _cold_key_customers(key_ids),
        "state_labels": state_labels(),
        # the members' histories are their managers' (and admins') to read
        "shows_history": team is not None
        and (viewer.is_admin or (viewer.is_manager and team.pk in managed_team_ids(viewer))),
    }


def _cold_key_customers(ids: set[int]) -> SafeString:
    """The items of the pack's list of the key customers among ``ids``, by name, each linked: a team's
    week can have a few hundred, so they are read as (id, name) rows and written here (as model
    instances in a template loop, with a tag and a reverse each, they were a tenth of the pack)."""
    head, tail = url_shape("customers:customer_detail")
    star = activity_card.key_marker_html()
    return mark_safe(  # noqa: S308 - the name is escaped; the link and the marker are ours
        "".join(
            f'<li class="is-key"><a href="{head}{pk}{tail}">{star} {activity_card.esc(name)}</a></li>'
            for pk, name in Customer.objects.filter(pk__in=ids, is_key=True)
            .order_by("name", "pk")
            .values_list("pk", "name")
        )
    )


def _pack_rows(data: Any) -> list[dict[str, Any]]:
    """The pack's table: per member, the state's label and a cell per figure of ``PACK_FIGURES`` (an
    amount as money), made here: in the template a lookup per member, figure and column was a third of
    the page."""
    if data is None:
        return []
    states = state_labels()
    rows = []
    for row in data.rows:
        cells = []
        for name in PACK_FIGURES:
            value = row.figures.get(name)
            cells.append("" if value is None else format_money(value) if name == "won_amount" else value)
        rows.append(
            {
                "row": row,
                "state": states.get(row.state, ""),
                "cells": cells,
                "revenue": revenue_cells(row.revenue),
            }
        )
    return rows


def pack_body(lines: list[dict[str, Any]]) -> SafeString:
    """The rows of the pack's table (``_pack_rows``), written here: as a template loop over the members
    and their cells they were a third of the pack's template."""
    esc = activity_card.esc
    number = formats.localize
    parts = []
    for line in lines:
        row = line["row"]
        cells = "".join(f'<td class="num">{esc(number(cell))}</td>' for cell in line["cells"])
        revenue = "".join(f'<td class="num">{esc(number(cell))}</td>' for cell in line["revenue"])
        parts.append(
            f'\n      <tr class="pack-row" data-member="{esc(row.member.username)}">\n'
            f'        <th scope="row">{esc(row.member)}</th>\n'
            f"        <td>{esc(line['state'])}</td>\n"
            f"        {cells}\n"
            f"        {revenue}\n"
            f"        <td>{esc(row.help_needed or '—')}</td>\n"
            "      </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped where it is inserted


PACK_FIGURES = [
    "activities_done",
    "done_as_planned",
    "moved",
    "cancelled",
    "key_customer_touches",
    "deals_won",
    "won_amount",
    "deals_lost",
    "next_week_planned",
]


def state_labels() -> dict[str, str]:
    return {
        "submitted": _("Submitted"),
        "reviewed": _("Reviewed"),
        "late": _("Late"),
        "not_submitted": _("Not submitted"),
        "draft": _("Not submitted"),
    }


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """The team's reports of the week: help needed first, then late and not submitted."""
    return render_page(request, "reports/queue.html", _team_context(request))


@require_GET
def meeting_pack(request: HttpRequest) -> HttpResponse:
    """One page for the weekly meeting: prints on A4; ``?format=xlsx`` or ``?format=md`` to export."""
    context = _team_context(request)
    fmt = request.GET.get("format")
    if fmt in {"xlsx", "md"} and context["data"] is not None:
        name = f"meeting-pack-{context['week']}"
        if fmt == "xlsx":
            response = HttpResponse(
                pack_xlsx(context["data"], figure_labels(), PACK_FIGURES, state_labels()),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        response = HttpResponse(
            pack_markdown(context["data"], figure_labels(), PACK_FIGURES, state_labels()),
            content_type="text/markdown; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.md"'
        return response
    if fmt:
        raise Http404
    context["stalled_items"] = stalled_items(context["data"].stalled_deals if context["data"] else [])
    context["pack_body"] = pack_body(context["pack_rows"])
    return render_page(request, "reports/pack.html", context)


def stalled_items(deals: list[Any]) -> SafeString:
    """The items of the pack's list of stalled deals (``PackDeal``), written here: as a template loop the
    fifty deals were 1.9 of the pack's 4.3 ms of template. Each owner's name and stage's name is escaped
    once."""
    if not deals:
        return mark_safe(f'<li class="empty">{activity_card.esc(_("No stalled deals."))}</li>')  # noqa: S308
    head, tail = url_shape("deals:deal_detail")
    names: dict[Any, str] = {}

    def name(value: Any) -> str:
        if value not in names:
            names[value] = activity_card.esc(value)
        return names[value]

    return mark_safe(  # noqa: S308 - every value is escaped; the link is ours
        "".join(
            f'<li><a href="{head}{deal.pk}{tail}">{activity_card.esc(deal.title)}</a>'
            f" · {activity_card.esc(deal.customer_name)} · {name(deal.owner)} · {name(deal.stage.name)}"
            f" · {activity_card.esc(format_money(deal.amount))}</li>"
            for deal in deals
        )
    )
