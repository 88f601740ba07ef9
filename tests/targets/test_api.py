"""``/api/v1/targets`` (CRUD) and ``/api/v1/insights/attainment``: the permission matrix, bad input with
nothing changed, and exact answers."""

from __future__ import annotations

import pytest

from totonou.core.models import AuditEntry
from totonou.targets.models import Target


def snapshot() -> list[tuple]:
    return list(
        Target.objects.order_by("pk").values_list("pk", "user_id", "team_id", "metric", "period", "value")
    )


def body(user=None, team=None, metric="revenue", period="2026-04", value=1_000_000) -> dict:
    data = {"metric": metric, "period": period, "value": value}
    if user is not None:
        data["user"] = user.pk
    if team is not None:
        data["team"] = team.pk
    return data


# Who may set a target for ``people.owner`` (a rep of team A): their manager and admins.
SET_MATRIX = [("owner", 403), ("other_rep", 403), ("manager", 201), ("other_manager", 403), ("admin", 201)]


@pytest.mark.parametrize(("role", "status"), SET_MATRIX)
def test_create_a_rep_target_matrix(api, people, role, status):
    client = api(people.get(role))
    before, audits = snapshot(), AuditEntry.objects.count()
    response = client.post("/targets", body(user=people.owner))
    assert response.status_code == status, response.content
    if status == 201:
        data = response.json()
        assert (data["user"], data["team"], data["metric"], data["period"], data["value"]) == (
            people.owner.pk,
            None,
            "revenue",
            "2026-04",
            1_000_000,
        )
        assert (data["first_day"], data["last_day"], data["period_label"]) == (
            "2026-04-01",
            "2026-04-30",
            "April 2026",
        )
        assert AuditEntry.objects.count() == audits + 1
    else:
        assert "detail" in response.json()
        assert snapshot() == before and AuditEntry.objects.count() == audits


@pytest.mark.parametrize(("role", "status"), SET_MATRIX)
def test_create_a_team_target_matrix(api, people, team_a, role, status):
    team = team_a[0]
    before = snapshot()
    response = api(people.get(role)).post("/targets", body(team=team, period="FY2026", value=50_000_000))
    assert response.status_code == status, response.content
    if status == 201:
        assert Target.objects.get().team_id == team.pk
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 403), ("other_rep", 404), ("manager", 200), ("other_manager", 404), ("admin", 200)],
)
def test_update_matrix(api, people, role, status):
    target = Target.objects.create(user=people.owner, metric="revenue", period="2026-Q1", value=10)
    before = snapshot()
    response = api(people.get(role)).patch(f"/targets/{target.pk}", {"value": 30, "version": 1})
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["value"] == 30 and response.json()["version"] == 2
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 403), ("other_rep", 404), ("manager", 204), ("other_manager", 404), ("admin", 204)],
)
def test_delete_matrix(api, people, role, status):
    target = Target.objects.create(user=people.owner, metric="won_deals", period="2026-H1", value=10)
    before = snapshot()
    response = api(people.get(role)).delete(f"/targets/{target.pk}")
    assert response.status_code == status, response.content
    assert snapshot() == ([] if status == 204 else before)


def test_reps_read_their_own_and_their_team_targets(api, people, team_a, team_b):
    own = Target.objects.create(user=people.owner, metric="revenue", period="2026-04", value=1)
    mate = Target.objects.create(user=people.other_rep, metric="revenue", period="2026-04", value=2)
    team = Target.objects.create(team=team_a[0], metric="revenue", period="2026-04", value=3)
    other_team = Target.objects.create(team=team_b[0], metric="revenue", period="2026-04", value=4)
    other_rep = Target.objects.create(user=people.rep_b, metric="revenue", period="2026-04", value=5)

    def ids(user):
        response = api(user).get("/targets", {"fiscal_year": 2026})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(people.owner) == {own.pk, team.pk}
    assert ids(people.manager) == {own.pk, mate.pk, team.pk}
    assert ids(people.other_manager) == {other_team.pk, other_rep.pk}
    assert ids(people.admin) == {own.pk, mate.pk, team.pk, other_team.pk, other_rep.pk}
    assert api(people.owner).get(f"/targets/{mate.pk}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": -1}, "value"),
        ({"period": "2026-Q5"}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "FY26"}, "period"),
        ({"metric": "profit"}, "metric"),
    ],
)
def test_bad_input_is_a_422_and_changes_nothing(api, people, change, field):
    client = api(people.manager)
    before, audits = snapshot(), AuditEntry.objects.count()
    response = client.post("/targets", {**body(user=people.owner), **change})
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]
    assert snapshot() == before and AuditEntry.objects.count() == audits


def test_both_or_neither_owner_is_a_422(api, people, team_a):
    before = snapshot()
    assert api(people.admin).post("/targets", body()).status_code == 422
    assert api(people.admin).post("/targets", body(user=people.owner, team=team_a[0])).status_code == 422
    assert snapshot() == before


def test_negative_update_is_refused(api, people):
    target = Target.objects.create(user=people.owner, metric="revenue", period="2026-04", value=10)
    response = api(people.manager).patch(f"/targets/{target.pk}", {"value": -5})
    assert response.status_code == 422
    assert Target.objects.get().value == 10


def test_a_duplicate_target_is_a_409(api, people):
    assert api(people.manager).post("/targets", body(user=people.owner)).status_code == 201
    before = snapshot()
    response = api(people.manager).post("/targets", body(user=people.owner, value=5))
    assert response.status_code == 409
    assert "already a target" in response.json()["detail"]
    assert snapshot() == before


def test_a_target_for_a_rep_outside_the_managers_teams_is_refused(api, people):
    before = snapshot()
    response = api(people.manager).post("/targets", body(user=people.rep_b))
    assert response.status_code == 403
    assert response.json()["detail"] == "You may set targets for the members of the teams you manage only."
    assert snapshot() == before


def test_unknown_user_is_a_422(api, people):
    response = api(people.admin).post(
        "/targets", {"user": 999999, "metric": "revenue", "period": "2026-04", "value": 1}
    )
    assert response.status_code == 422 and "user" in response.json()["detail"]


# --- /insights/attainment ------------------------------------------------------------------------------


def test_attainment_of_the_team_for_a_manager(api, people, team_a):
    team = team_a[0]
    Target.objects.create(user=people.owner, metric="revenue", period="2026-04", value=1_000_000)
    Target.objects.create(user=people.other_rep, metric="revenue", period="2026-Q1", value=3_000_000)
    response = api(people.manager).get(
        "/insights/attainment", {"period": "2026-04", "team": team.pk, "metric": "revenue"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["period"]["key"] == "2026-04" and data["period"]["kind"] == "month"
    assert data["period"]["working_days"] == 21  # April 2026: 22 weekdays, 29th is Showa Day
    rows = {(row["user"] or {}).get("id", "team"): row for row in data["rows"]}
    assert set(rows) == {people.manager.pk, people.owner.pk, people.other_rep.pk, "team"}
    assert rows[people.owner.pk]["target"] == 1_000_000 and rows[people.owner.pk]["target_source"] == "period"
    assert rows[people.other_rep.pk]["target"] is None  # a quarter's figure is not split into its months
    assert rows["team"]["team"] == {"id": team.pk, "name": team.name}
    assert (rows["team"]["target"], rows["team"]["target_source"], rows["team"]["actual"]) == (
        1_000_000,
        "members",
        0,
    )
    assert rows["team"]["gap"] == 1_000_000 and rows["team"]["attainment"] == 0.0


def test_a_rep_sees_their_own_row_and_the_team_total(api, people, team_a):
    response = api(people.owner).get("/insights/attainment", {"period": "2026-Q1", "metric": "activities"})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert [(row["user"] or {}).get("id") for row in rows] == [people.owner.pk, None]
    assert rows[1]["team"]["id"] == team_a[0].pk


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("other_rep", 403), ("manager", 200), ("other_manager", 403), ("admin", 200)],
)
def test_attainment_of_a_user_matrix(api, people, role, status):
    response = api(people.get(role)).get(
        "/insights/attainment", {"period": "FY2026", "user": people.owner.pk}
    )
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["rows"]) == 5


def test_attainment_of_another_team_is_refused_for_a_rep(api, people, team_b):
    response = api(people.owner).get("/insights/attainment", {"team": team_b[0].pk})
    assert response.status_code == 403


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "Q1"])
def test_attainment_of_a_period_that_does_not_exist(api, people, period):
    response = api(people.owner).get("/insights/attainment", {"period": period})
    assert response.status_code == 422 and "period" in response.json()["detail"]


def test_attainment_without_a_team_or_user_for_an_admin_without_team(api, people):
    response = api(people.admin).get("/insights/attainment", {"period": "2026-04"})
    assert response.status_code == 422 and "team" in response.json()["detail"]
