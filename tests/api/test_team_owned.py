"""Managers act inside their teams (issue 19, item 5), over the API.

Team-owned things — strategies, chat channels filtered to a team (whose webhook URL is a secret) and
their deliveries — are changed by that team's managers and admins only; reps are refused (403); the
manager of another team is refused with 403 where everyone reads the thing (a strategy) and 404 where
it is not theirs to see (a channel, a delivery), and nothing in the database changes. A thing for every
team (no team) is shared like the reference data: managers change it only while
TOTONOU_MANAGERS_EDIT_REFERENCE_DATA is on. Reviewing is never of one's own activity. Targets and weekly
reports have their matrices in tests/targets/test_api.py and tests/reports/test_api.py; the reference
lists in tests/api/test_setup.py (both values of the setting).
"""

from __future__ import annotations

import pytest

from tests.api.conftest import detail
from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory
from tests.notifications.receivers import Receiver
from totonou.activities.models import Activity
from totonou.core.models import AuditEntry
from totonou.customers.models import Segment
from totonou.integrations.services import channel_create
from totonou.notifications.models import Channel, Delivery, Event
from totonou.notifications.services import deliveries_create
from totonou.strategy.models import Strategy
from totonou.strategy.services import strategy_create

pytestmark = pytest.mark.django_db

ROLES = ["owner", "other_rep", "manager", "other_manager", "admin"]


def state() -> dict[str, object]:
    """Everything these endpoints write, to prove a refused request wrote nothing."""
    return {
        "strategies": list(Strategy.objects.order_by("pk").values()),
        "strategy_segments": list(
            Strategy.segments.through.objects.order_by("pk").values_list("strategy_id", "segment_id")
        ),
        "channels": list(Channel.objects.order_by("pk").values()),
        "deliveries": list(Delivery.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "segments": list(Segment.objects.order_by("pk").values()),
        "activities": list(
            Activity.objects.order_by("pk").values("pk", "reviewed_by", "reviewed_at", "version")
        ),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def receiver(settings):
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = True
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def segment(db):
    return SegmentFactory(name="食品スーパー")


def strategy_body(segment, **fields):
    return {
        "name": "スーパーのバイヤー",
        "hypothesis": "食品スーパーのバイヤーに会えば受注が増える",
        "starts_on": "2026-04-01",
        "ends_on": "2026-06-30",
        "target_share": 40,
        "segments": [segment.pk],
        **fields,
    }


def make_strategy(people, segment, team):
    return strategy_create(
        actor=people.admin,
        name="チームの戦略",
        hypothesis="仮説",
        starts_on="2026-04-01",
        ends_on="2026-06-30",
        target_share=30,
        segments=[segment],
        team=team,
    )


# --- Strategies ----------------------------------------------------------------------------------------

TEAM_A_WRITERS = [
    ("owner", 403),
    ("other_rep", 403),
    ("manager", None),
    ("other_manager", 403),
    ("admin", None),
]


@pytest.mark.parametrize(("role", "refusal"), TEAM_A_WRITERS)
def test_a_teams_strategy_is_changed_by_its_managers_and_admins(people, api, segment, role, refusal):
    strategy = make_strategy(people, segment, people.manager.team)
    client = api(people.get(role))
    before = state()
    created = client.post("/strategies", strategy_body(segment, team=people.manager.team_id))
    changed = client.patch(f"/strategies/{strategy.pk}", {"name": "改名", "target_share": 90})
    if refusal is not None:
        assert (created.status_code, changed.status_code) == (refusal, refusal)
        assert isinstance(detail(created), str) and isinstance(detail(changed), str)
        assert client.delete(f"/strategies/{strategy.pk}").status_code == refusal
        assert state() == before
        return
    assert created.status_code == 201, created.content
    assert changed.status_code == 200, changed.content
    strategy.refresh_from_db()
    assert (strategy.name, strategy.target_share) == ("改名", 90)
    assert client.delete(f"/strategies/{strategy.pk}").status_code == 204
    assert not Strategy.objects.filter(pk=strategy.pk).exists()


def test_a_manager_cannot_move_a_strategy_out_of_or_into_another_team(people, api, segment):
    team_a, team_b = people.manager.team, people.other_manager.team
    ours = make_strategy(people, segment, team_a)
    theirs = make_strategy(people, segment, team_b)
    client = api(people.manager)
    before = state()
    assert client.patch(f"/strategies/{ours.pk}", {"team": team_b.pk}).status_code == 403
    assert client.patch(f"/strategies/{theirs.pk}", {"team": team_a.pk}).status_code == 403
    assert client.patch(f"/strategies/{theirs.pk}", {"name": "乗っ取り"}).status_code == 403
    assert client.delete(f"/strategies/{theirs.pk}").status_code == 403
    assert state() == before
    # Reading stays open to everyone (sharing is the point).
    assert client.get(f"/strategies/{theirs.pk}").json()["name"] == "チームの戦略"
    # An admin moves it.
    response = api(people.admin).patch(f"/strategies/{ours.pk}", {"team": team_b.pk})
    assert response.status_code == 200 and response.json()["team"] == team_b.pk


@pytest.mark.parametrize("managers_edit", [True, False])
@pytest.mark.parametrize("role", ROLES)
def test_a_strategy_for_every_team_follows_the_reference_data_setting(
    people, api, segment, settings, managers_edit, role
):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = managers_edit
    strategy = make_strategy(people, segment, None)
    allowed = role == "admin" or (managers_edit and role in {"manager", "other_manager"})
    client = api(people.get(role))
    before = state()
    created = client.post("/strategies", strategy_body(segment))
    changed = client.patch(f"/strategies/{strategy.pk}", {"target_share": 77})
    if not allowed:
        assert (created.status_code, changed.status_code) == (403, 403)
        assert client.delete(f"/strategies/{strategy.pk}").status_code == 403
        assert state() == before
        return
    assert (created.status_code, changed.status_code) == (201, 200)
    assert client.delete(f"/strategies/{strategy.pk}").status_code == 204


# --- Channels ------------------------------------------------------------------------------------------


def team_channel(people, url, team):
    return channel_create(
        actor=people.admin,
        name=f"#{team.name}" if team else "#all",
        kind="slack",
        url=url,
        team_id=team.pk if team else None,
        events=["comment.created"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_teams_channel_and_its_secret_url_stay_in_the_team(people, api, receiver, role):
    secret_url = receiver.url + "/services/T0/B0/team-a-secret"
    channel = team_channel(people, secret_url, people.manager.team)
    client = api(people.get(role))
    before = state()
    listed = client.get("/channels")
    detail_response = client.get(f"/channels/{channel.pk}")
    changed = client.patch(f"/channels/{channel.pk}", {"url": receiver.url + "/evil", "name": "乗っ取り"})
    tested = client.post(f"/channels/{channel.pk}/test")
    if role in {"owner", "other_rep"}:
        statuses = (listed.status_code, detail_response.status_code, changed.status_code, tested.status_code)
        assert statuses == (403, 403, 403, 403)
        assert client.delete(f"/channels/{channel.pk}").status_code == 403
        assert state() == before and receiver.requests == []
        return
    if role == "other_manager":
        assert listed.status_code == 200 and listed.json()["results"] == []
        assert (detail_response.status_code, changed.status_code, tested.status_code) == (404, 404, 404)
        assert client.delete(f"/channels/{channel.pk}").status_code == 404
        for response in (listed, detail_response, changed, tested):
            assert "team-a-secret" not in response.content.decode()
        assert state() == before and receiver.requests == []
        return
    assert [row["id"] for row in listed.json()["results"]] == [channel.pk]
    assert detail_response.json()["url"] == secret_url
    assert changed.status_code == 200 and changed.json()["url"] == receiver.url + "/evil"
    assert tested.status_code == 200 and tested.json()["ok"] is True
    assert [request.path for request in receiver.requests] == ["/evil"]
    assert client.delete(f"/channels/{channel.pk}").status_code == 204
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_a_manager_cannot_create_a_channel_for_another_team_or_move_one_there(people, api, receiver):
    team_a, team_b = people.manager.team, people.other_manager.team
    ours = team_channel(people, receiver.url + "/a", team_a)
    client = api(people.manager)
    before = state()
    response = client.post(
        "/channels", {"name": "#b", "kind": "slack", "url": receiver.url + "/b", "team": team_b.pk}
    )
    assert response.status_code == 403
    assert detail(response) == "You may change this for the teams you manage only."
    assert client.patch(f"/channels/{ours.pk}", {"team": team_b.pk}).status_code == 403
    assert state() == before


@pytest.mark.parametrize("managers_edit", [True, False])
@pytest.mark.parametrize("role", ROLES)
def test_a_channel_for_every_team_follows_the_reference_data_setting(
    people, api, receiver, settings, managers_edit, role
):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = managers_edit
    channel = team_channel(people, receiver.url + "/all-secret", None)
    client = api(people.get(role))
    before = state()
    created = client.post("/channels", {"name": "#new", "kind": "slack", "url": receiver.url + "/new"})
    changed = client.patch(f"/channels/{channel.pk}", {"name": "改名"})
    if role in {"owner", "other_rep"}:
        assert (created.status_code, changed.status_code) == (403, 403)
        assert state() == before
        return
    if role != "admin" and not managers_edit:
        assert (created.status_code, changed.status_code) == (403, 404)
        assert "all-secret" not in client.get("/channels").content.decode()
        assert client.delete(f"/channels/{channel.pk}").status_code == 404
        assert state() == before
        return
    assert (created.status_code, changed.status_code) == (201, 200)
    assert client.delete(f"/channels/{channel.pk}").status_code == 204


def test_a_managers_team_channel_cannot_be_moved_to_every_team_when_that_is_for_admins(
    people, api, receiver, settings
):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = False
    ours = team_channel(people, receiver.url + "/a", people.manager.team)
    client = api(people.manager)
    before = state()
    response = client.patch(f"/channels/{ours.pk}", {"team": None})
    assert response.status_code == 403
    assert detail(response) == "In this organisation only administrators change what every team shares."
    assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_a_teams_deliveries_are_listed_and_retried_in_the_team_only(people, api, receiver, role):
    channel = team_channel(people, receiver.url + "/a", people.manager.team)
    event = Event.objects.create(name="comment.created", payload={}, context={"web_url": ""})
    (delivery,) = deliveries_create(event, [channel])
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.DEAD, attempt_count=8)
    client = api(people.get(role))
    before = state()
    listed = client.get("/deliveries")
    one = client.get(f"/deliveries/{delivery.pk}")
    retried = client.post(f"/deliveries/{delivery.pk}/retry")
    if role in {"owner", "other_rep"}:
        assert (listed.status_code, one.status_code, retried.status_code) == (403, 403, 403)
        assert state() == before
        return
    if role == "other_manager":
        assert listed.status_code == 200 and listed.json()["results"] == []
        assert (one.status_code, retried.status_code) == (404, 404)
        assert state() == before
        return
    assert [row["id"] for row in listed.json()["results"]] == [delivery.pk]
    assert retried.status_code == 200 and retried.json()["status"] == "pending"


# --- Reference data: what the issue saw (a manager renamed and deleted a segment) ------------------------


@pytest.mark.parametrize("managers_edit", [True, False])
@pytest.mark.parametrize("role", ROLES)
def test_renaming_and_deleting_a_segment_follows_the_setting(people, api, settings, managers_edit, role):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = managers_edit
    segment = SegmentFactory(name="Supermarkets")
    allowed = role == "admin" or (managers_edit and role in {"manager", "other_manager"})
    client = api(people.get(role))
    before = state()
    renamed = client.patch(f"/segments/{segment.pk}", {"name": "Renamed"})
    deleted = client.delete(f"/segments/{segment.pk}")
    if not allowed:
        assert (renamed.status_code, deleted.status_code) == (403, 403)
        assert state() == before
        return
    assert (renamed.status_code, renamed.json()["name"], deleted.status_code) == (200, "Renamed", 204)
    assert not Segment.objects.filter(pk=segment.pk).exists()


# --- Review (item 8): never one's own activity ------------------------------------------------------------


def test_a_manager_cannot_mark_their_own_activity_reviewed(people, api):
    manager = people.manager
    own = ActivityFactory(owner=manager, customer=CustomerFactory(owner=manager))
    members = ActivityFactory(owner=people.owner, customer=CustomerFactory(owner=people.owner))
    client = api(manager)
    before = state()
    response = client.post(f"/activities/{own.pk}/review")
    assert response.status_code == 403
    assert detail(response) == "You cannot review your own activity."
    assert state() == before
    assert client.post(f"/activities/{members.pk}/review").status_code == 200
    members.refresh_from_db()
    assert members.reviewed_by_id == manager.pk


def test_an_admin_cannot_mark_their_own_activity_reviewed(people, api):
    admin = people.admin
    own = ActivityFactory(owner=admin, customer=CustomerFactory(owner=admin))
    client = api(admin)
    before = state()
    assert client.post(f"/activities/{own.pk}/review").status_code == 403
    assert state() == before
