"""A team's settings (time zone, weekly-report deadline): its managers and admins change them on the
team's set-up page and through ``PATCH /api/v1/teams/{id}``; reps and other teams' managers are refused
with nothing changed; a new team starts with Asia/Tokyo and ``TOTONOU_WEEKLY_REPORT_DEADLINE``."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from totonou.core.models import AuditEntry
from totonou.users.models import Team
from totonou.users.services import team_create

pytestmark = pytest.mark.django_db

SETTINGS = {"time_zone": "America/New_York", "report_deadline_weekday": "3", "report_deadline_time": "16:30"}


def _settings(team: Team) -> tuple[str, int, datetime.time]:
    team.refresh_from_db()
    return team.time_zone, team.report_deadline_weekday, team.report_deadline_time


DEFAULT = ("Asia/Tokyo", 4, datetime.time(18, 0))


def test_a_new_team_starts_with_tokyo_and_the_site_deadline(admin_user, settings):
    assert _settings(team_create(actor=admin_user, name="東京営業部")) == DEFAULT
    settings.TOTONOU_WEEKLY_REPORT_DEADLINE = "MON 09:30"
    assert _settings(team_create(actor=admin_user, name="大阪営業部")) == (
        "Asia/Tokyo",
        0,
        datetime.time(9, 30),
    )


def test_the_manager_changes_the_settings_on_the_team_page(client_for, team_a, team_b):
    team, manager, _reps = team_a
    url = reverse("setup:team_edit", args=[team.pk])
    page = client_for(manager).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="report_deadline_weekday"' in html and 'name="time_zone"' in html
    assert 'name="members"' not in html and 'name="name"' not in html  # the rest is the admins'
    response = client_for(manager).post(url, SETTINGS)
    assert response.status_code == 302
    assert _settings(team) == ("America/New_York", 3, datetime.time(16, 30))
    entry = AuditEntry.objects.filter(object_id=str(team.pk), action="update").latest("pk")
    assert entry.changes["time_zone"] == ["Asia/Tokyo", "America/New_York"]
    # The list shows the manager's own teams only, with the deadline.
    listing = client_for(manager).get(reverse("setup:team_list")).content.decode()
    assert f'id="team-{team.pk}"' in listing and f'id="team-{team_b[0].pk}"' not in listing
    assert "Thursday 16:30 · America/New_York" in listing
    assert reverse("setup:team_create") not in listing


def test_a_manager_cannot_change_the_members_through_the_settings_form(client_for, team_a):
    team, manager, (rep1, _rep2) = team_a
    client_for(manager).post(
        reverse("setup:team_edit", args=[team.pk]), {**SETTINGS, "name": "改名", "members": []}
    )
    team.refresh_from_db()
    assert team.name == "Team A"
    assert rep1.__class__.objects.get(pk=rep1.pk).team_id == team.pk


def test_reps_and_other_managers_are_refused(client_for, team_a, team_b):
    team, _manager, (rep, _rep2) = team_a
    url = reverse("setup:team_edit", args=[team.pk])
    for person in (rep, team_b[1]):
        assert client_for(person).get(url).status_code == 403
        assert client_for(person).post(url, SETTINGS).status_code == 403
    assert client_for(rep).get(reverse("setup:team_list")).status_code == 403
    assert _settings(team) == DEFAULT


def test_bad_values_are_field_errors(client_for, team_a):
    team, manager, _reps = team_a
    url = reverse("setup:team_edit", args=[team.pk])
    response = client_for(manager).post(
        url, {"time_zone": "Mars/Olympus", "report_deadline_weekday": "7", "report_deadline_time": "25:00"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"time_zone", "report_deadline_weekday", "report_deadline_time"}
    assert _settings(team) == DEFAULT


def test_the_admin_page_has_the_settings_too(client_for, team_a, admin_user):
    team, manager, reps = team_a
    response = client_for(admin_user).post(
        reverse("setup:team_edit", args=[team.pk]),
        {
            "name": "Team A",
            "members": [manager.pk, *(rep.pk for rep in reps)],
            "managers": [manager.pk],
            **SETTINGS,
            "report_deadline_weekday": "0",  # Monday: a falsy value is still a value
        },
    )
    assert response.status_code == 302
    assert _settings(team) == ("America/New_York", 0, datetime.time(16, 30))
