"""The team's week for the review queue and the weekly meeting pack: one row per member (their report's
status and key figures), the week's stalled deals and cold key customers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from totonou.core.links import record_url
from totonou.deals.models import Deal, Stage
from totonou.insights.selectors.attainment import Cell, attainment_table
from totonou.insights.selectors.periods import user_zone
from totonou.insights.selectors.pipeline import open_stages, stalled_deals
from totonou.reports.models import WeeklyReport
from totonou.reports.selectors import week_summaries
from totonou.reports.weeks import parse_week, report_period
from totonou.targets.models import Metric
from totonou.targets.periods import FiscalPeriod, month_period, period_zone
from totonou.users.models import Team, User, site_report_deadline

#: The stalled deals a meeting pack lists (the pipeline's stalled list has them all).
STALLED_SHOWN = 50


def deadline_for(user: Any, week: str, team: Team | None = None) -> datetime.datetime:
    """The submission deadline of ``user``'s week ``week``: the team's setting
    (``Team.report_deadline_weekday``, a weekday of the ISO week, and ``report_deadline_time``, a local
    time) in the team's time zone
    (``team``, else the user's team). A user in no team: ``TOTONOU_WEEKLY_REPORT_DEADLINE`` (``"FRI
    18:00"``, the default of new teams) in the user's own time zone."""
    if team is None and getattr(user, "team_id", None) is not None:
        team = user.team
    if team is not None:
        weekday, clock = team.report_deadline_weekday, team.report_deadline_time
        zone = period_zone(team)
    else:
        (weekday, clock), zone = site_report_deadline(), user_zone(user)
    day = parse_week(week) + datetime.timedelta(days=weekday)
    return datetime.datetime.combine(day, clock, tzinfo=zone)


@dataclass(frozen=True, slots=True)
class PackDeal:
    """A stalled deal as the pack shows it (page, Excel, Markdown)."""

    pk: int
    title: str
    amount: int
    stage: Stage
    owner: User
    customer_name: str

    def get_absolute_url(self) -> str:
        return record_url("deals:deal_detail", self.pk)


@dataclass
class MemberWeek:
    member: User
    report: WeeklyReport | None
    figures: dict[str, int]
    deadline: datetime.datetime
    state: str  # submitted | reviewed | late | not_submitted | draft
    #: revenue against target in ``TeamWeek.month``, to date (Targets, the one definition)
    revenue: Cell | None = None

    @property
    def help_needed(self) -> str:
        return self.report.help_needed if self.report is not None and self.report.status != "draft" else ""


@dataclass
class TeamWeek:
    team: Team
    week: str
    rows: list[MemberWeek]
    stalled_deals: list[PackDeal] = field(default_factory=list)
    #: the month of the members' revenue against target: the month of the week's end (or of today)
    month: FiscalPeriod | None = None
    team_revenue: Cell | None = None
    #: the key customers gone past their threshold in the week, with (from submitted reports' snapshots)
    #: customers that may not be key: ``Customer.is_key`` decides
    cold_key_customers: list[int] = field(default_factory=list)


def team_week(*, team: Team, week: str, now: datetime.datetime | None = None) -> TeamWeek:
    """Each active member of ``team`` with their report for ``week`` (help needed first, then late and
    not submitted, then by name) and the figures: frozen for a submitted report, live otherwise."""
    now = now or timezone.now()
    members = list(User.objects.filter(team=team, is_active=True).order_by("username"))
    reports = {
        report.author_id: report
        for report in WeeklyReport.objects.filter(author__in=members, week=week).select_related("reviewed_by")
    }
    rows = []
    cold: list[int] = []
    # Members without a frozen snapshot: their live weeks' figures, counted together (a handful of queries).
    live = week_summaries(
        authors=[
            member for member in members if reports.get(member.pk) is None or not reports[member.pk].snapshot
        ],
        week=week,
        now=now,
        figures_only=True,
    )
    for member in members:
        report = reports.get(member.pk)
        if report is not None and report.snapshot:
            figures = dict(report.snapshot["figures"])
            # the snapshot keeps every customer gone past the threshold; which are key is read with them
            cold.extend(report.snapshot.get("records", {}).get("customers_past_threshold", []))
        else:
            summary = live[member.pk]
            figures = summary.figures
            cold.extend(summary.key_customers_past_threshold)
        deadline = deadline_for(member, week, team)
        if report is not None and report.status != WeeklyReport.Status.DRAFT:
            state = str(report.status)
        else:
            state = "late" if now >= deadline else ("draft" if report is not None else "not_submitted")
        rows.append(MemberWeek(member=member, report=report, figures=figures, deadline=deadline, state=state))
    order = {"late": 1, "not_submitted": 2, "draft": 2, "submitted": 3, "reviewed": 4}
    rows.sort(key=lambda row: (not row.help_needed, order[row.state], row.member.username))
    # The pipeline's stalled rule (one definition), as of the week's end (or now, for this week).
    end = min(report_period(members[0], week).end, now) if members else now
    # The first ids through the narrow rule, then their rows (``IdsFirst``): sorting every stalled deal
    # of the team with its customer and owner joined was a third of the pack's SQL on PostgreSQL.
    # The first ids through the rule (the database sorts the team's stalled deals and stops at the pack's
    # fifty), then their titles, amounts and customers' names by id; owners and stages are the members
    # and open stages already read. As model instances joined to their customer, owner and stage (every
    # column: a thousand timestamps parsed) they were a fifth of the pack.
    stages = open_stages()
    ids = list(
        stalled_deals(Deal.objects.filter(owner__in=members), now=end, stages=stages).values_list(
            "pk", flat=True
        )[:STALLED_SHOWN]
    )
    found = {
        row[0]: row
        for row in Deal.objects.filter(pk__in=ids).values_list(
            "pk", "title", "amount", "stage_id", "owner_id", "customer__name"
        )
    }
    owners = {member.pk: member for member in members}
    stage_of = {stage.pk: stage for stage in stages}
    stalled = [
        PackDeal(pk, title, amount, stage_of[stage_id], owners[owner_id], customer_name)
        for pk, title, amount, stage_id, owner_id, customer_name in (found[pk] for pk in ids)
    ]
    # The members' revenue against target in the month of the week's end, to date (the targets page's
    # cells, as the rep's own report shows them).
    month = month_period((end - datetime.timedelta(microseconds=1)).astimezone(period_zone(team)).date())
    team_revenue = None
    if members:
        table = attainment_table(
            span=month,
            periods=[month],
            metrics=[Metric.REVENUE],
            members=members,
            team=team,
            now=now,
            forecast=False,  # the pack shows target, actual and attainment: no open pipeline read
        )
        revenue = {row.user.pk: row.total for row in table.rows if row.user is not None}
        for row in rows:
            row.revenue = revenue.get(row.member.pk)
        team_row = table.team_row(Metric.REVENUE)
        team_revenue = team_row.total if team_row is not None else None
    return TeamWeek(
        team=team,
        week=week,
        rows=rows,
        stalled_deals=stalled,
        cold_key_customers=cold,
        month=month,
        team_revenue=team_revenue,
    )
