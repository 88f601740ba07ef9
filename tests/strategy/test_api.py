"""Strategies over the API: everyone signed in reads; managers and admins write; 422 with field
messages; 404 for unknown ids; 401 without credentials."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import counts, detail
from tests.factories import SegmentFactory, TeamFactory
from totonou.core.models import AuditEntry
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

WRITERS = [
    ("owner", False),
    ("other_rep", False),
    ("manager", True),
    ("other_manager", True),
    ("admin", True),
]


@pytest.fixture
def segments(db):
    return SegmentFactory(name="食品スーパー"), SegmentFactory(name="ドラッグストア")


def body(pair, **fields):
    return {
        "name": "スーパーのバイヤー",
        "hypothesis": "食品スーパーのバイヤーに会えば受注が増える",
        "starts_on": "2026-04-01",
        "ends_on": "2026-06-30",
        "target_share": 40,
        "segments": [pair[0].pk],
        "title_keywords": ["バイヤー"],
        **fields,
    }


@pytest.fixture
def strategy(people, api, segments):
    response = api(people.manager).post("/strategies", body(segments))
    assert response.status_code == 201, response.content
    return Strategy.objects.get(pk=response.json()["id"])


def test_create_returns_the_strategy(people, api, segments):
    response = api(people.manager).post("/strategies", body(segments, team=people.manager.team_id))
    assert response.status_code == 201
    data = response.json()
    strategy = Strategy.objects.get(pk=data["id"])
    assert data == {
        "id": strategy.pk,
        "name": "スーパーのバイヤー",
        "hypothesis": "食品スーパーのバイヤーに会えば受注が増える",
        "starts_on": "2026-04-01",
        "ends_on": "2026-06-30",
        "team": people.manager.team_id,
        "segments": [segments[0].pk],
        "title_keywords": ["バイヤー"],
        "target_share": 40,
        "created_by": people.manager.pk,
        "version": 1,
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "web_url": f"http://127.0.0.1:8000/insights/?strategy={strategy.pk}",
    }
    assert data["created_at"].endswith("+09:00")


@pytest.mark.parametrize(("role", "allowed"), WRITERS)
def test_who_may_create(people, api, segments, role, allowed):
    client = api(people.get(role))
    before = counts()
    response = client.post("/strategies", body(segments))
    assert response.status_code == (201 if allowed else 403)
    if not allowed:
        assert isinstance(detail(response), str)
        assert counts() == before and Strategy.objects.count() == 0


@pytest.mark.parametrize(("role", "allowed"), WRITERS)
def test_who_may_update_and_delete(people, api, strategy, role, allowed):
    client = api(people.get(role))
    response = client.patch(f"/strategies/{strategy.pk}", {"target_share": 55})
    assert response.status_code == (200 if allowed else 403)
    strategy.refresh_from_db()
    assert strategy.target_share == (55 if allowed else 40)
    response = client.delete(f"/strategies/{strategy.pk}")
    assert response.status_code == (204 if allowed else 403)
    assert Strategy.objects.filter(pk=strategy.pk).exists() is not allowed


def test_everyone_reads(people, api, strategy):
    client = api(people.rep_b)
    listed = client.get("/strategies").json()
    assert [row["id"] for row in listed["results"]] == [strategy.pk]
    assert client.get(f"/strategies/{strategy.pk}").json()["name"] == "スーパーのバイヤー"


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/strategies"), ("post", "/strategies"), ("get", "/strategies/1")]
)
def test_credentials_are_required(anonymous, method, path):
    response = anonymous.request(method, path)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"segments": []}, {"segments"}),
        ({"segments": [999999]}, {"segments"}),
        ({"team": 999999}, {"team"}),
        ({"ends_on": "2026-03-01"}, {"ends_on"}),
        ({"starts_on": "April"}, {"starts_on"}),
        ({"target_share": 0}, {"target_share"}),
        ({"target_share": "half"}, {"target_share"}),
        ({"title_keywords": [""]}, {"title_keywords"}),
        ({"title_keywords": "バイヤー"}, {"title_keywords"}),
        ({"name": None}, {"name"}),
        ({"colour": "red"}, {"colour"}),
    ],
)
def test_bad_bodies_are_422(people, api, segments, fields, errors):
    client = api(people.manager)
    before = counts()
    response = client.post("/strategies", body(segments, **fields))
    assert response.status_code == 422, response.content
    assert set(detail(response)) == errors
    assert counts() == before and Strategy.objects.count() == 0


def test_missing_fields_are_422(people, api, segments):
    response = api(people.manager).post("/strategies", {"name": "x"})
    assert response.status_code == 422
    assert set(detail(response)) == {"hypothesis", "starts_on", "ends_on", "target_share", "segments"}


def test_patch_with_a_stale_version_is_409(people, api, strategy, segments):
    client = api(people.manager)
    response = client.patch(f"/strategies/{strategy.pk}", {"segments": [segments[1].pk], "version": 1})
    assert response.status_code == 200
    assert (response.json()["segments"], response.json()["version"]) == ([segments[1].pk], 2)
    response = client.patch(f"/strategies/{strategy.pk}", {"name": "x", "version": 1})
    assert response.status_code == 409
    assert AuditEntry.objects.filter(content_type__model="strategy").count() == 2


def test_unknown_ids_are_404(people, api):
    client = api(people.manager)
    assert client.get("/strategies/999999").status_code == 404
    assert client.patch("/strategies/999999", {"name": "x"}).status_code == 404
    assert client.delete("/strategies/999999").status_code == 404


def test_list_filters(people, api, segments):
    client = api(people.admin)  # a strategy for another team: an admin's
    other_team = TeamFactory(name="Team Z")
    first = client.post("/strategies", body(segments)).json()
    second = client.post(
        "/strategies",
        body(
            segments,
            name="ドラッグストア店長",
            hypothesis="店長が決める",
            starts_on="2026-07-01",
            ends_on="2026-09-30",
            segments=[segments[1].pk],
            team=other_team.pk,
        ),
    ).json()

    def ids(params):
        return [row["id"] for row in client.get("/strategies", params).json()["results"]]

    assert ids({}) == [second["id"], first["id"]]  # the latest period first
    assert ids({"active_on": "2026-05-01"}) == [first["id"]]
    assert ids({"active_on": datetime.date(2026, 9, 30).isoformat()}) == [second["id"]]
    assert ids({"segment": segments[1].pk}) == [second["id"]]
    assert ids({"team": other_team.pk}) == [second["id"]]
    assert ids({"q": "店長"}) == [second["id"]]
    assert client.get("/strategies", {"active_on": "soon"}).status_code == 422


def test_list_queries_do_not_grow(people, api, segments, django_assert_num_queries):
    client = api(people.manager)
    client.get("/strategies")
    for index in range(3):
        client.post("/strategies", body(segments, name=f"S{index}"))
    with django_assert_num_queries(3):  # token, strategies, their segments
        assert len(client.get("/strategies").json()["results"]) == 3
    for index in range(10):
        client.post("/strategies", body(segments, name=f"T{index}"))
    with django_assert_num_queries(3):
        assert len(client.get("/strategies").json()["results"]) == 13
