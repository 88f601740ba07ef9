"""``PATCH /api/v1/teams/{id}``: a team's managers change its settings (time zone, weekly-report deadline),
admins everything; reps, other teams' managers and bad values get a 4xx JSON with nothing changed."""

from __future__ import annotations

import datetime

import pytest

from totonou.users.models import Team
from totonou.users.services import team_update

pytestmark = pytest.mark.django_db

DEFAULT = ("Asia/Tokyo", 4, datetime.time(18, 0))


def _settings(team: Team) -> tuple[str, int, datetime.time]:
    team.refresh_from_db()
    return team.time_zone, team.report_deadline_weekday, team.report_deadline_time


def test_api_shows_and_changes_the_settings(api, people):
    team = people.manager.team
    path = f"/teams/{team.pk}"
    body = api(people.owner).get(path).json()
    assert (body["time_zone"], body["report_deadline_weekday"], body["report_deadline_time"]) == (
        "Asia/Tokyo",
        4,
        "18:00:00",
    )
    response = api(people.manager).patch(
        path, {"time_zone": "America/New_York", "report_deadline_weekday": 0, "report_deadline_time": "09:00"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["time_zone"], response.json()["report_deadline_weekday"]) == (
        "America/New_York",
        0,
    )
    assert _settings(team) == ("America/New_York", 0, datetime.time(9, 0))


@pytest.mark.parametrize(
    ("who", "payload", "status"),
    [
        ("owner", {"report_deadline_weekday": 1}, 403),
        ("other_manager", {"report_deadline_weekday": 1}, 403),
        ("manager", {"name": "改名", "report_deadline_weekday": 1}, 403),  # the name is the admins'
        ("manager", {"report_deadline_weekday": 7}, 422),
        ("manager", {"time_zone": "Mars/Olympus"}, 422),
        ("manager", {"report_deadline_time": "25:00"}, 422),
    ],
)
def test_api_refusals_change_nothing(api, people, who, payload, status):
    team = people.manager.team
    response = api(people.get(who)).patch(f"/teams/{team.pk}", payload)
    assert response.status_code == status, response.content
    assert "detail" in response.json()
    team.refresh_from_db()
    assert (team.name, *_settings(team)) == ("Team A", *DEFAULT)


def test_the_service_refuses_a_manager_the_admin_fields(team_a):
    from totonou.core.exceptions import PermissionDenied

    team, manager, _reps = team_a
    with pytest.raises(PermissionDenied):
        team_update(actor=manager, team=team, members=[], time_zone="UTC")
    assert _settings(team) == DEFAULT


def test_an_admin_creates_a_team_with_its_settings_and_a_manager_may_not(api, people):
    body = {"name": "NY Sales", "time_zone": "America/New_York", "report_deadline_weekday": 0}
    assert api(people.manager).post("/teams", body).status_code == 403
    assert not Team.objects.filter(name="NY Sales").exists()
    response = api(people.admin).post("/teams", {**body, "report_deadline_time": "08:45"})
    assert response.status_code == 201, response.content
    team = Team.objects.get(name="NY Sales")
    assert _settings(team) == ("America/New_York", 0, datetime.time(8, 45))
    assert (response.json()["report_deadline_weekday"], response.json()["report_deadline_time"]) == (
        0,
        "08:45:00",
    )
    # Left out: the defaults.
    assert (
        _settings(Team.objects.get(pk=api(people.admin).post("/teams", {"name": "Kobe"}).json()["id"]))
        == DEFAULT
    )
