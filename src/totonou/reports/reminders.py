"""Deadline reminders for weekly reports, run by the worker (``TOTONOU_PERSONAL_JOBS``): once the
deadline of a member's week has passed (the team's setting, ``Team.report_deadline_weekday`` and
``report_deadline_time`` in the team's time zone: ``reports.pack.deadline_for``) and their report is not
submitted, the member gets a reminder (bell / mail, once per
week), and the team's chat channels get one ``weekly_report.late`` event listing them (with chat
mentions), once per team and week."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.notifications.models import Event, NotificationKind
from totonou.notifications.personal import notification_record
from totonou.notifications.services import event_record
from totonou.reports.models import WeeklyReport
from totonou.reports.pack import deadline_for
from totonou.reports.weeks import current_week_key
from totonou.users.models import User


def weekly_report_reminders_run(*, now: datetime.datetime | None = None) -> int:
    """Remind the members of every team whose report for the current week is overdue. Returns how many
    members were late (reminders already sent are not sent again)."""
    now = now or timezone.now()
    members = list(User.objects.filter(is_active=True, team__isnull=False).select_related("team"))
    late: dict[int, list[tuple[User, str]]] = defaultdict(list)
    for member in members:
        week = current_week_key(member, now)
        if now >= deadline_for(member, week, member.team):
            late[member.team_id].append((member, week))  # type: ignore[index]
    if not late:
        return 0
    submitted = set(
        WeeklyReport.objects.exclude(status=WeeklyReport.Status.DRAFT)
        .filter(author__in=[member for rows in late.values() for member, _week in rows])
        .values_list("author_id", "week")
    )
    count = 0
    for team_id, rows in late.items():
        missing = [(member, week) for member, week in rows if (member.pk, week) not in submitted]
        if not missing:
            continue
        count += len(missing)
        with transaction.atomic():
            for member, week in missing:
                notification_record(
                    recipient=member,
                    kind=NotificationKind.REMINDER,
                    title=_due_title(week),
                    link=f"{reverse('reports:my_week')}?week={week}",
                    ref=f"reports.reminder:{week}",
                    dedupe_key=f"weekly_report_due:{member.pk}:{week}",
                )
            _team_event(team_id=team_id, missing=missing)
    return count


def _due_title(week: str) -> Callable[[], str]:
    return lambda: _("Your weekly report for %(week)s is due") % {"week": week}


def _team_event(*, team_id: int, missing: list[tuple[User, str]]) -> None:
    week = missing[0][1]
    if Event.objects.filter(name="weekly_report.late", payload__team=team_id, payload__week=week).exists():
        return

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        payload = {"team": team_id, "week": week, "users": [member.pk for member, _week in missing]}
        context = {
            "week": week,
            "mentions": [
                {
                    "name": str(member),
                    "slack_user_id": member.slack_user_id,
                    "chatwork_account_id": member.chatwork_account_id,
                }
                for member, _week in missing
            ],
        }
        return payload, context

    event_record(
        name="weekly_report.late",
        filters={"team": team_id, "owner": None, "segment": None, "is_key": False},
        build=build,
    )
