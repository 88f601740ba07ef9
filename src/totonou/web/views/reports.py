"""Weekly reports (週報): a rep's week assembled from the records with their reflection (autosaved as
they type, submitted once), any report the viewer may read (comments, review), the manager's review
queue and the weekly meeting pack (print, .xlsx, Markdown).

Reads through ``reports.selectors`` and ``reports.pack``, writes through ``reports.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from totonou.activities.models import Activity, Comment
from totonou.activities.services import comment_create
from totonou.core.exceptions import ConflictError, ValidationError
from totonou.core.htmx import render_page
from totonou.customers.models import Customer
from totonou.deals.models import Deal
from totonou.insights.selectors.attainment import attainment_for
from totonou.insights.selectors.periods import user_zone
from totonou.reports import services
from totonou.reports.exports import pack_markdown, pack_xlsx
from totonou.reports.models import WeeklyReport
from totonou.reports.pack import team_week
from totonou.reports.selectors import FIGURES, report_detail, report_list, week_summary
from totonou.reports.services import REFLECTION_FIELDS, can_review
from totonou.reports.weeks import current_week_key, parse_week, shift_week
from totonou.targets.periods import month_period
from totonou.users.models import Team, User
from totonou.users.permissions import managed_team_ids
from totonou.users.request import signed_in_user


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


def _records(summary: Any) -> dict[str, list[Any]]:
    """The records behind each figure, read in three queries."""
    records = summary.records
    activity_ids = {pk for name in FIGURES if name in records for pk in records[name]}
    activities = Activity.objects.filter(pk__in=activity_ids).select_related("customer", "type", "owner")
    by_id = {activity.pk: activity for activity in activities}
    customers = Customer.objects.filter(pk__in=records.get("customers_past_threshold", []))
    deal_ids = {
        pk for name in ("deals_created", "deals_moved", "deals_won", "deals_lost") for pk in records[name]
    }
    deals = {
        deal.pk: deal for deal in Deal.objects.filter(pk__in=deal_ids).select_related("customer", "stage")
    }
    out: dict[str, list[Any]] = {}
    for name in FIGURES:
        if name == "customers_past_threshold":
            out[name] = list(customers.order_by("name", "pk"))
        elif name.startswith("deals_"):
            out[name] = [deals[pk] for pk in records.get(name, []) if pk in deals]
        else:
            out[name] = [by_id[pk] for pk in records.get(name, []) if pk in by_id]
    return out


def _figure_rows(figures: dict[str, int], previous: dict[str, int] | None = None) -> list[dict[str, Any]]:
    labels = figure_labels()
    return [
        {
            "name": name,
            "label": labels[name],
            "value": figures.get(name, 0),
            "previous": (previous or {}).get(name),
            "money": name == "won_amount",
        }
        for name in FIGURES
    ]


def _report_context(viewer: User, author: User, week: str, report: WeeklyReport | None) -> dict[str, Any]:
    now = timezone.now()
    if report is not None:
        report = report_detail(report, now=now)
        summary = report.summary  # type: ignore[attr-defined]
        figures = report.summary_figures  # type: ignore[attr-defined]
    else:
        summary = week_summary(author=author, week=week, now=now)
        figures = summary.figures
    last_week = week_summary(author=author, week=shift_week(week, -1), now=now).figures
    records = _records(summary)
    month = month_period(min(summary.period.last_day, timezone.localdate(now, user_zone(author))))
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
        "records": records,
        "has_records": any(records.values()),
        "attainment": attainment,
        "attainment_period": month,
        "record_labels": labels,
        "changes": [
            {"label": labels[name], "then": then, "now": current}
            for name, (then, current) in (getattr(report, "changes", {}) or {}).items()
        ],
        "cancel_reasons": summary.cancel_reasons,
        "lost_reasons": summary.lost_reasons,
        "reflection": [
            {"name": name, "label": label, "value": getattr(report, name, "") if report else ""}
            for name, label in reflection_labels().items()
        ],
        "can_write": can_write,
        "can_review": report is not None and report.status == "submitted" and can_review(viewer, report),
        "comments": list(Comment.objects.filter(weekly_report=report).select_related("author"))
        if report is not None
        else [],
    }


@require_GET
def my_week(request: HttpRequest) -> HttpResponse:
    """The viewer's own week: the figures and the reflection, drafted as they type."""
    user = signed_in_user(request)
    week = _week(request, user)
    report = WeeklyReport.objects.filter(author=user, week=week).first()
    return render_page(request, "reports/report.html", _report_context(user, user, week, report))


@require_GET
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    report = report_list(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return render_page(
        request, "reports/report.html", _report_context(user, report.author, report.week, report)
    )


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
        "cold_key_customers": list(Customer.objects.filter(pk__in=key_ids, is_key=True).order_by("name")),
        "state_labels": state_labels(),
    }


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
    return render_page(request, "reports/pack.html", context)
