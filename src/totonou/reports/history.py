"""A rep's past weeks (the history page): for each week of a page its report's status, when it was
submitted and reviewed, and the key figures — frozen ones for a submitted report, live ones otherwise,
defined as in ``reports.selectors`` (``activities_done``, ``key_customer_touches``, ``deals_won``,
``won_amount``).

The live figures of every week of a page come from two grouped queries (done activities, won deals),
each row's week found by comparing with the weeks' local midnights (``period_index``), so the page costs
the same few queries whatever the number of weeks and records.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from totonou.activities.models import Activity
from totonou.deals import history
from totonou.deals.models import Deal
from totonou.insights.selectors.periods import Period, period_index
from totonou.reports.models import WeeklyReport
from totonou.reports.pack import deadline_for
from totonou.reports.weeks import current_week_key, parse_week, report_period, shift_week
from totonou.users.models import User
from totonou.users.permissions import managed_user_ids

#: Weeks on one page of the history.
HISTORY_WEEKS = 12
#: The figures a history row shows.
HISTORY_FIGURES = ["activities_done", "key_customer_touches", "deals_won", "won_amount"]


@dataclass
class HistoryWeek:
    week: str
    period: Period
    report: WeeklyReport | None
    state: str  # reviewed | submitted | draft | not_submitted | late | current | before_joined
    figures: dict[str, int] = field(default_factory=dict)
    frozen: bool = False  # the figures are the ones submitted


@dataclass
class History:
    author: User
    weeks: list[HistoryWeek]  # newest first
    newer: str | None  # the ``until`` of the newer page (None on the newest)
    older: str  # the ``until`` of the older page


def history_until(author: User, until: str | None, now: datetime.datetime | None = None) -> str:
    """The newest week a page shows: ``until`` (a week key, not after the current week), or this week.
    A key that is no week (``2026-W54``) raises the weeks' ``ValidationError``."""
    current = current_week_key(author, now or timezone.now())
    if not until:
        return current
    parse_week(until)
    return min(until, current, key=parse_week)


def report_history(
    *, author: User, until: str, now: datetime.datetime | None = None, weeks: int = HISTORY_WEEKS
) -> History:
    """``weeks`` weeks of ``author``'s reports, ``until`` first, going back."""
    now = now or timezone.now()
    keys = [shift_week(until, -offset) for offset in range(weeks)]
    periods = [report_period(author, key) for key in reversed(keys)]  # oldest first, contiguous
    reports = {
        report.week: report
        for report in WeeklyReport.objects.filter(author=author, week__in=keys).select_related("reviewed_by")
    }
    live = _live_figures(author, periods)
    current = current_week_key(author, now)
    rows = []
    for index, period in enumerate(periods):
        key = keys[len(keys) - 1 - index]
        report = reports.get(key)
        frozen = report is not None and report.status != WeeklyReport.Status.DRAFT and bool(report.snapshot)
        if frozen:
            assert report is not None and report.snapshot is not None
            snapshot = report.snapshot["figures"]
            figures = {name: int(snapshot.get(name, 0)) for name in HISTORY_FIGURES}
        else:
            figures = live[index]
        if report is not None and report.status != WeeklyReport.Status.DRAFT:
            state = str(report.status)
        elif report is None and author.date_joined is not None and period.end <= author.date_joined:
            state = "before_joined"  # nobody owed a report before they were here
        elif now >= deadline_for(author, key):
            state = "late"
        elif key == current:
            state = "current"
        else:
            state = "draft" if report is not None else "not_submitted"
        rows.append(HistoryWeek(key, period, report, state, figures, frozen))
    rows.reverse()
    newer = shift_week(until, weeks) if parse_week(until) < parse_week(current) else None
    if newer is not None and parse_week(newer) > parse_week(current):
        newer = current
    return History(author=author, weeks=rows, newer=newer, older=shift_week(until, -weeks))


def _live_figures(author: User, periods: list[Period]) -> list[dict[str, int]]:
    figures: list[dict[str, int]] = [dict.fromkeys(HISTORY_FIGURES, 0) for _period in periods]
    start, end = periods[0].start, periods[-1].end
    done = (
        Activity.objects.filter(
            owner=author, status=Activity.Status.DONE, starts_at__gte=start, starts_at__lt=end
        )
        .annotate(index=period_index("starts_at", periods))
        .values("index")
        .annotate(done=Count("pk"), key=Count("pk", filter=Q(is_key_customer=True)))
        .order_by()
    )
    for row in done:
        figures[row["index"]]["activities_done"] = row["done"]
        figures[row["index"]]["key_customer_touches"] = row["key"]
    won = (
        Deal.objects.filter(history.won_q(start, end), owner=author)
        .annotate(index=period_index("closed_at", periods))
        .values("index")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    for row in won:
        figures[row["index"]]["deals_won"] = row["count"]
        figures[row["index"]]["won_amount"] = int(row["amount"] or 0)
    return figures


def member_for_history(*, viewer: Any, member_id: int) -> User | None:
    """The rep whose history ``viewer`` may read on the member page: a member of a team the viewer
    manages, or anyone for an admin; None otherwise (the page is a 404, as if there were nobody)."""
    member = User.objects.filter(pk=member_id).select_related("team").first()
    if member is None:
        return None
    if getattr(viewer, "role", "") == User.Role.ADMIN:
        return member
    if getattr(viewer, "role", "") == User.Role.MANAGER and member.pk in managed_user_ids(viewer):
        return member
    return None
