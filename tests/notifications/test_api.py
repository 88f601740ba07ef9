"""/api/v1/channels (CRUD, test) and /api/v1/deliveries (list, retry): managers and admins only,
secrets write-only, the core error and pagination conventions, constant query counts."""

from __future__ import annotations

import pytest

from tests.api.conftest import JsonClient, detail
from tests.notifications.helpers import make_channel, plan_visit, pump_all
from tests.notifications.receivers import Receiver
from totonou.core.models import AuditEntry
from totonou.integrations.services import channel_create
from totonou.notifications.models import Channel, Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(token_for):
    from django.test import Client

    def make(user) -> JsonClient:
        return JsonClient(
            Client(headers={"Authorization": f"Bearer {token_for(user)}", "Accept-Language": "en"})
        )

    return make


def test_reps_cannot_see_or_manage_channels(team_a, api, receiver):
    _team, manager, (rep, _other) = team_a
    channel = make_channel(manager, receiver.url)
    client = api(rep)
    for method, path in [
        ("get", "/channels"),
        ("post", "/channels"),
        ("get", f"/channels/{channel.pk}"),
        ("patch", f"/channels/{channel.pk}"),
        ("delete", f"/channels/{channel.pk}"),
        ("post", f"/channels/{channel.pk}/test"),
        ("get", "/deliveries"),
    ]:
        data = {"name": "x", "kind": "slack", "url": receiver.url} if method == "post" else {}
        response = client.request(method, path, data)
        assert response.status_code == 403, (method, path, response.content)
    assert Channel.objects.count() == 1 and receiver.requests == []


def test_create_webhook_channel_secret_is_write_only(team_a, api, receiver):
    _team, manager, _reps = team_a
    response = api(manager).post(
        "/channels",
        {
            "name": "社内システム",
            "kind": "webhook",
            "url": receiver.url + "/hook",
            "secret": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
            "events": ["activity.completed", "deal.won"],
            "team": team_a[0].pk,
            "key_only": True,
            "digest_time": "07:45",
            "language": "en",
        },
    )
    assert response.status_code == 201, response.content
    channel = Channel.objects.get()
    body = response.json()
    assert body == {
        "id": channel.pk,
        "name": "社内システム",
        "kind": "webhook",
        "url": receiver.url + "/hook",
        "room_id": "",
        "has_token": False,
        "has_secret": True,
        "language": "en",
        "events": ["activity.completed", "deal.won"],
        "team": team_a[0].pk,
        "segment": None,
        "owner": None,
        "key_only": True,
        "digest_time": "07:45",
        "time_zone": "Asia/Tokyo",
        "enabled": True,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "web_url": f"http://127.0.0.1:8000/settings/channels/{channel.pk}/",
    }
    assert "whsec_c2Vj" not in response.content.decode()
    assert "whsec_c2Vj" not in api(manager).get(f"/channels/{channel.pk}").content.decode()
    assert "whsec" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))

    # A PATCH without the secret keeps it; a new one replaces it, and is not in the audit trail either.
    response = api(manager).patch(f"/channels/{channel.pk}", {"name": "基幹連携", "secret": ""})
    assert response.status_code == 200, response.content
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("基幹連携", "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
    assert api(manager).patch(f"/channels/{channel.pk}", {"secret": "whsec_bmV3"}).status_code == 200
    channel.refresh_from_db()
    assert channel.secret == "whsec_bmV3"
    assert "whsec" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": "a", "kind": "slack"}, {"url": ["Enter the webhook URL."]}),
        (
            {"name": "a", "kind": "chatwork"},
            {"room_id": ["Enter the Chatwork room id."], "token": ["Enter the Chatwork API token."]},
        ),
        ({"name": "a", "kind": "webhook", "url": "https://example.com/x"}, {"secret": None}),
        ({"name": "a", "kind": "fax", "url": "https://example.com/x"}, {"kind": None}),
        (
            {"name": "a", "kind": "slack", "url": "https://example.com/x", "events": ["activity.eaten"]},
            {"events": ["Unknown events: activity.eaten"]},
        ),
        ({"name": "a", "kind": "slack", "url": "https://example.com/x", "team": 99999}, {"team": None}),
        ({"name": "a", "kind": "slack", "url": "ftp://example.com/x"}, {"url": None}),
    ],
)
def test_invalid_channels_are_422(team_a, api, data, errors):
    _team, manager, _reps = team_a
    response = api(manager).post("/channels", data)
    assert response.status_code == 422, response.content
    found = detail(response)
    assert set(found) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert found[field] == messages
    assert Channel.objects.count() == 0


def test_private_addresses_are_refused_without_the_setting(team_a, api, settings):
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = False
    _team, manager, _reps = team_a
    for url in (
        "http://127.0.0.1:9/hook",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/x",
    ):
        response = api(manager).post("/channels", {"name": "a", "kind": "slack", "url": url})
        assert response.status_code == 422, url
        assert "is private or local" in detail(response)["url"][0]
    assert Channel.objects.count() == 0


def test_send_test_message_reports_success_and_the_receivers_error(team_a, api):
    _team, manager, _reps = team_a
    receiver = Receiver(script=[(200, {}, b"ok"), (403, {}, b"invalid_token")]).start()
    try:
        channel = make_channel(manager, receiver.url)
        first = api(manager).post(f"/channels/{channel.pk}/test")
        second = api(manager).post(f"/channels/{channel.pk}/test")
    finally:
        receiver.stop()
    assert first.status_code == 200
    assert first.json() == {
        "ok": True,
        "status_code": 200,
        "detail": "",
        "delivery": first.json()["delivery"],
    }
    assert second.json() == {
        "ok": False,
        "status_code": 403,
        "detail": "HTTP 403: invalid_token",
        "delivery": second.json()["delivery"],
    }
    assert len(receiver.requests) == 2
    assert "Totonou テストメッセージ" in receiver.requests[0].json()["text"]  # the channel speaks ja
    assert list(Delivery.objects.order_by("pk").values_list("event_name", "status", "attempt_count")) == [
        ("channel.test", "succeeded", 1),
        ("channel.test", "failed", 1),
    ]


def test_delivery_list_filters_queries_and_retry(team_a, api, django_assert_num_queries):
    _team, manager, (rep, _other) = team_a
    receiver = Receiver(script=[(410, {}, b"gone")]).start()
    try:
        channel = make_channel(manager, receiver.url)
        for index in range(3):
            plan_visit(rep, subject=f"訪問{index}")
        assert pump_all() == 3
        client = api(manager)
        client.get("/deliveries")  # authenticate once (the token's first use is written)
        with django_assert_num_queries(3):  # token, deliveries (channel and event joined), their attempts
            response = client.get("/deliveries", {"status": "failed", "channel": channel.pk})
        results = response.json()["results"]
        assert [row["status"] for row in results] == ["failed"] * 3
        assert results[0]["attempts"] == [
            {
                "number": 1,
                "started_at": results[0]["attempts"][0]["started_at"],
                "duration_ms": results[0]["attempts"][0]["duration_ms"],
                "status_code": 410,
                "error": "HTTP 410: gone",
            }
        ]
        assert client.get("/deliveries", {"status": "succeeded"}).json()["results"] == []
        assert client.get("/deliveries", {"event": "activity.planned"}).json()["results"] != []

        receiver.script[:] = [(200, {}, b"ok")]
        delivery_id = results[0]["id"]
        retried = client.post(f"/deliveries/{delivery_id}/retry")
        assert retried.status_code == 200
        assert (retried.json()["status"], retried.json()["attempt_count"]) == ("pending", 1)
        assert pump_all() == 1
        again = client.post(f"/deliveries/{delivery_id}/retry")
        assert again.status_code == 422
    finally:
        receiver.stop()
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 410), (2, 200)]


def test_channel_list_query_count_is_constant(team_a, api, receiver, django_assert_num_queries):
    _team, manager, _reps = team_a
    client = api(manager)
    client.get("/channels")
    for index in range(3):
        channel_create(actor=manager, name=f"channel {index}", kind="google_chat", url=receiver.url)
        with django_assert_num_queries(2):  # the token, the channels
            response = client.get("/channels")
        assert [row["name"] for row in response.json()["results"]] == [
            f"channel {n}" for n in range(index + 1)
        ]
