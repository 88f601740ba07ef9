"""Chat events (``weekly_report.submitted``, ``weekly_report.reviewed``) and personal notifications of
weekly reports, recorded inside the services' transactions (sent after commit by the outbox)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from totonou.core.links import web_url
from totonou.notifications.models import NotificationKind
from totonou.notifications.personal import notification_record
from totonou.notifications.services import event_record
from totonou.reports.models import WeeklyReport
from totonou.users.models import User


def weekly_report_notify(*, report: WeeklyReport, actor: User, name: str) -> None:
    author = report.author
    filters = {"team": author.team_id, "owner": author.pk, "segment": None, "is_key": False}

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        payload = {
            "id": report.pk,
            "author": author.pk,
            "week": report.week,
            "status": report.status,
            "help_needed": report.help_needed,
            "web_url": web_url(report),
        }
        context = {
            "author": str(author),
            "actor": str(actor),
            "week": report.week,
            "help_needed": report.help_needed,
            "web_url": web_url(report),
        }
        return payload, context

    event_record(name=name, filters=filters, build=build)
    if name == "weekly_report.reviewed":
        reviewer, week = str(actor), report.week
        notification_record(
            recipient=author,
            kind=NotificationKind.REVIEW,
            title=lambda: (
                _("%(reviewer)s reviewed your weekly report for %(week)s")
                % {"reviewer": reviewer, "week": week}
            ),
            link=report.get_absolute_url(),
            ref=f"reports.weekly_report:{report.pk}",
        )
