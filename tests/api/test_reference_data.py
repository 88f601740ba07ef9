"""Reading users, teams, stages, loss reasons, activity types (their writes: test_setup.py)."""

from __future__ import annotations

import pytest

from tests.api.conftest import detail
from totonou.activities.models import ActivityType
from totonou.deals.models import LossReason, Stage

pytestmark = pytest.mark.django_db

READ_ONLY = [
    ("/users", "/users/{id}"),
    ("/teams", "/teams/{id}"),
    ("/stages", "/stages/{id}"),
    ("/loss-reasons", "/loss-reasons/{id}"),
    ("/activity-types", "/activity-types/{id}"),
]


@pytest.mark.parametrize(("list_path", "detail_path"), READ_ONLY)
@pytest.mark.parametrize("role", ["owner", "manager", "other_manager", "admin"])
def test_everyone_signed_in_reads(people, api, list_path, detail_path, role):
    client = api(people.get(role))
    response = client.get(list_path)
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert client.get(detail_path.format(id=first["id"])).json() == first
    assert client.get(detail_path.format(id=999999)).status_code == 404


@pytest.mark.parametrize("detail_path", ["/users/{id}", "/teams/{id}"])
def test_users_and_teams_are_never_deleted(people, api, detail_path):
    """Users are deactivated and teams emptied instead (writes: tests/api/test_setup.py)."""
    client = api(people.admin)
    response = client.delete(detail_path.format(id=people.owner.team_id))
    assert response.status_code == 405
    assert isinstance(detail(response), str)
    assert "GET" in response["Allow"]


def test_users(people, api):
    client = api(people.owner)
    row = client.get(f"/users/{people.manager.pk}").json()
    assert row == {
        "id": people.manager.pk,
        "username": people.manager.username,
        "display_name": people.manager.display_name,
        "name": str(people.manager),
        "role": "manager",
        "team": people.manager.team_id,
        "is_active": True,
        "language": "",
        "time_zone": "Asia/Tokyo",
        "calendar_color": people.manager.calendar_color,
        "web_url": f"http://127.0.0.1:8000/calendar/?members={people.manager.pk}",
    }
    assert "password" not in row and "email" not in row


def test_user_filters(people, api):
    client = api(people.owner)

    def usernames(**params):
        response = client.get("/users", params)
        assert response.status_code == 200, response.content
        return {row["username"] for row in response.json()["results"]}

    assert usernames(team=people.owner.team_id) == {
        people.owner.username,
        people.other_rep.username,
        people.manager.username,
    }
    assert usernames(role="admin") == {people.admin.username}
    assert usernames(q=people.other_manager.username) == {people.other_manager.username}
    people.other_rep.is_active = False
    people.other_rep.save(update_fields=["is_active"])
    assert people.other_rep.username not in usernames(is_active="true")
    response = client.get("/users", {"role": "boss"})
    assert response.status_code == 422
    assert set(detail(response)) == {"role"}


def test_teams(people, api):
    row = api(people.owner).get(f"/teams/{people.owner.team_id}").json()
    assert row["name"] == people.owner.team.name
    assert row["managers"] == [people.manager.pk]
    assert sorted(row["members"]) == sorted([people.manager.pk, people.owner.pk, people.other_rep.pk])
    assert row["web_url"].endswith(f"/feed/?team={people.owner.team_id}")


def test_stages_in_order_and_only_active(people, api):
    Stage.objects.filter(slug="qualified").update(is_active=False)
    client = api(people.owner)
    slugs = [row["slug"] for row in client.get("/stages").json()["results"]]
    assert slugs == ["lead", "proposal", "negotiation", "won", "lost"]
    lost = client.get(f"/stages/{Stage.objects.get(slug='lost').pk}").json()
    assert (lost["kind"], lost["probability"], lost["name_en"]) == ("lost", 0, "Lost")
    assert lost["web_url"].endswith(f"/deals/?stage={lost['id']}")
    qualified = Stage.objects.get(slug="qualified")
    assert client.get(f"/stages/{qualified.pk}").json()["is_active"] is False  # old deals still point there


def test_loss_reasons(people, api):
    rows = api(people.owner).get("/loss-reasons").json()["results"]
    assert [row["slug"] for row in rows] == list(
        LossReason.objects.filter(is_active=True).order_by("order", "id").values_list("slug", flat=True)
    )
    assert {"id", "slug", "name", "name_ja", "name_en"} <= set(rows[0])


def test_activity_types_by_slug_or_id(people, api):
    client = api(people.owner)
    rows = client.get("/activity-types").json()["results"]
    assert [row["slug"] for row in rows][:3] == ["visit", "web_meeting", "call"]
    visit = ActivityType.objects.get(slug="visit")
    by_slug = client.get("/activity-types/visit").json()
    assert by_slug == client.get(f"/activity-types/{visit.pk}").json()
    assert (by_slug["is_face_to_face"], by_slug["counts_as_contact"]) == (True, True)
    assert by_slug["web_url"].endswith("/feed/?type=visit")
    assert client.get("/activity-types/teleport").status_code == 404
    assert client.get("/activity-types/99999999999999999999999").status_code == 404
