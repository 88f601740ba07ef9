"""The weekly-report deadline is the team's setting, in the team's time zone: the reminders go to exactly
the members without a submitted report, once (a second run sends nothing new), and the team's channel
gets one list; the review queue shows the team's deadline."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from tests.factories import make_team
from tests.insights.conftest import jst
from tests.reports.conftest import WEEK
from totonou.notifications.models import Channel, Event, Notification
from totonou.reports.pack import deadline_for, team_week
from totonou.reports.reminders import weekly_report_reminders_run
from totonou.reports.services import weekly_report_start, weekly_report_submit
from totonou.users.models import Team, User

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _channel(team: Team) -> Channel:
    return Channel.objects.create(
        name=f"{team.name} channel",
        kind=Channel.Kind.SLACK,
        url="https://hooks.slack.com/services/T/B/X",
        events=["weekly_report.late"],
        team_id=team.pk,
    )


def _reminded() -> list[tuple[str, str, str]]:
    return sorted(
        Notification.objects.filter(kind="reminder").values_list("recipient__username", "link", "ref")
    )


def test_a_team_deadline_thursday_noon_in_tokyo(team_a, team_b):
    team, manager, (rep1, rep2) = team_a
    Team.objects.filter(pk=team.pk).update(report_deadline_weekday=3, report_deadline_time=datetime.time(12))
    _channel(team)
    _channel(team_b[0])
    report, _created = weekly_report_start(actor=rep1, week=WEEK)
    weekly_report_submit(actor=rep1, report=report, now=jst(2026, 12, 3, 11))
    draft, _created = weekly_report_start(actor=rep2, week=WEEK)  # a draft is not submitted

    assert weekly_report_reminders_run(now=jst(2026, 12, 3, 11, 59)) == 0
    assert Notification.objects.count() == 0
    assert weekly_report_reminders_run(now=jst(2026, 12, 3, 12)) == 2
    link = f"/reports/?week={WEEK}"
    ref = f"reports.reminder:{WEEK}"
    assert _reminded() == sorted([(manager.username, link, ref), (rep2.username, link, ref)])
    late = Event.objects.get(name="weekly_report.late")
    assert late.payload == {"team": team.pk, "week": WEEK, "users": [manager.pk, rep2.pk]}
    assert [mention["name"] for mention in late.context["mentions"]] == [str(manager), str(rep2)]
    # Team B keeps Friday 18:00: nobody of it is late on Thursday.
    assert not Notification.objects.filter(recipient__team=team_b[0]).exists()

    # Running again (the worker runs it every few minutes): nothing new.
    notifications, events = Notification.objects.count(), Event.objects.count()
    weekly_report_reminders_run(now=jst(2026, 12, 3, 12, 5))
    weekly_report_reminders_run(now=jst(2026, 12, 4, 9))
    assert (Notification.objects.count(), Event.objects.count()) == (notifications, events) == (2, 1)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_team_in_new_york_is_reminded_at_its_own_friday_evening(db):
    team, manager, reps = make_team("NY Sales")
    Team.objects.filter(pk=team.pk).update(time_zone="America/New_York")
    User.objects.filter(team=team).update(time_zone="Asia/Tokyo")  # the members live in Tokyo
    _channel(team)
    friday_six_pm_ny = datetime.datetime(2026, 12, 4, 18, 0, tzinfo=NEW_YORK)  # Sat 08:00 JST
    assert weekly_report_reminders_run(now=jst(2026, 12, 4, 18)) == 0  # Friday 18:00 in Tokyo: not yet
    assert weekly_report_reminders_run(now=friday_six_pm_ny - datetime.timedelta(minutes=1)) == 0
    assert Notification.objects.count() == 0
    assert weekly_report_reminders_run(now=friday_six_pm_ny) == 3
    assert {username for username, _link, _ref in _reminded()} == {
        manager.username,
        *(r.username for r in reps),
    }
    assert Event.objects.filter(name="weekly_report.late", payload__team=team.pk).count() == 1


def test_deadline_for_reads_the_team_setting_in_the_team_zone(db, settings):
    team, _manager, (rep, _rep2) = make_team("NY Sales")
    Team.objects.filter(pk=team.pk).update(
        time_zone="America/New_York", report_deadline_weekday=0, report_deadline_time=datetime.time(9, 30)
    )
    rep = User.objects.get(pk=rep.pk)
    assert deadline_for(rep, WEEK) == datetime.datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK)
    team.refresh_from_db()
    week = team_week(team=team, week=WEEK, now=datetime.datetime(2026, 11, 30, 9, 29, tzinfo=NEW_YORK))
    assert {row.deadline for row in week.rows} == {datetime.datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK)}
    assert {row.state for row in week.rows} == {"not_submitted"}
    week = team_week(team=team, week=WEEK, now=datetime.datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK))
    assert {row.state for row in week.rows} == {"late"}
    # A user in no team: the site setting, in their own time zone.
    settings.TOTONOU_WEEKLY_REPORT_DEADLINE = "WED 17:15"
    loner = User.objects.create(username="loner", time_zone="Europe/Paris")
    assert deadline_for(loner, WEEK) == datetime.datetime(
        2026, 12, 2, 17, 15, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")
    )
