"""Deadline reminders: after Friday 18:00 (the member's time zone) a member without a submitted report
gets one reminder per week, and the team's channel one ``weekly_report.late`` event listing them; the
``weekly_report.submitted`` / ``reviewed`` chat events."""

from __future__ import annotations

import datetime

import pytest

from tests.insights.conftest import jst
from tests.reports.conftest import WEEK
from totonou.notifications.formats.message import message_for
from totonou.notifications.models import Channel, Event, Notification
from totonou.reports.reminders import weekly_report_reminders_run
from totonou.reports.services import weekly_report_review, weekly_report_start, weekly_report_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(team_a):
    return Channel.objects.create(
        name="営業チャンネル",
        kind=Channel.Kind.SLACK,
        url="https://hooks.slack.com/services/T/B/X",
        events=["weekly_report.submitted", "weekly_report.reviewed", "weekly_report.late"],
        team_id=team_a[0].pk,
    )


def test_reminders_after_the_deadline_only_once(team_a, channel):
    team, manager, (rep1, rep2) = team_a
    report, _created = weekly_report_start(actor=rep1, week=WEEK)
    weekly_report_submit(actor=rep1, report=report, now=jst(2026, 12, 4, 17))
    assert weekly_report_reminders_run(now=jst(2026, 12, 4, 17, 59)) == 0
    assert weekly_report_reminders_run(now=jst(2026, 12, 4, 18, 0)) == 2  # rep2 and the manager
    reminded = set(Notification.objects.filter(kind="reminder").values_list("recipient__username", flat=True))
    assert reminded == {rep2.username, manager.username}
    late = Event.objects.get(name="weekly_report.late")
    assert (late.payload["team"], late.payload["week"]) == (team.pk, WEEK)
    assert sorted(late.payload["users"]) == sorted([rep2.pk, manager.pk])
    message = message_for("weekly_report.late", late.context, language="en")
    assert message.title == f"Weekly reports for {WEEK} not submitted by the deadline"
    assert {mention.name for mention in message.mentions} == {str(rep2), str(manager)}
    weekly_report_reminders_run(now=jst(2026, 12, 4, 19))
    assert Notification.objects.filter(kind="reminder").count() == 2
    assert Event.objects.filter(name="weekly_report.late").count() == 1


def test_the_deadline_setting_is_the_default_of_new_teams(team_a, settings):
    """The setting gives a new team its deadline; a team's own value wins afterwards."""
    from tests.factories import make_team

    settings.TOTONOU_WEEKLY_REPORT_DEADLINE = "MON 09:00"
    team_b, manager_b, reps_b = make_team("Team B")
    assert (team_b.report_deadline_weekday, team_b.report_deadline_time) == (0, datetime.time(9, 0))
    assert weekly_report_reminders_run(now=jst(2026, 11, 30, 8, 59)) == 0
    assert weekly_report_reminders_run(now=jst(2026, 11, 30, 9)) == 3  # team B's three; team A: Friday
    reminded = set(Notification.objects.filter(kind="reminder").values_list("recipient_id", flat=True))
    assert reminded == {manager_b.pk, *(rep.pk for rep in reps_b)}


def test_submitted_and_reviewed_events(team_a, channel):
    _team, manager, (rep1, _rep2) = team_a
    report, _created = weekly_report_start(actor=rep1, week=WEEK)
    report.help_needed = "同行依頼"
    report.save()
    weekly_report_submit(actor=rep1, report=report)
    weekly_report_review(actor=manager, report=report)
    names = list(Event.objects.order_by("pk").values_list("name", flat=True))
    assert names == ["weekly_report.submitted", "weekly_report.reviewed"]
    submitted = Event.objects.get(name="weekly_report.submitted")
    message = message_for(submitted.name, submitted.context, language="en")
    assert message.title == f"{rep1} submitted the weekly report for {WEEK}"
    assert message.text == "Help needed: 同行依頼"
    assert message.link.endswith(f"/reports/{report.pk}/")
