"""The channel settings pages, the "send test message" button and the delivery log (managers, admins)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.notifications.helpers import make_channel, plan_visit, pump_all
from tests.notifications.receivers import Receiver
from totonou.notifications.models import Channel, Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_reps_get_403_everywhere(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    channel = make_channel(manager, receiver.url)
    client = signed_in(rep)
    for method, name, args in [
        ("get", "notifications:channel_list", []),
        ("get", "notifications:channel_create", []),
        ("post", "notifications:channel_create", []),
        ("get", "notifications:channel_edit", [channel.pk]),
        ("post", "notifications:channel_delete", [channel.pk]),
        ("post", "notifications:channel_test", [channel.pk]),
        ("get", "notifications:delivery_list", []),
    ]:
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 403, name
    assert Channel.objects.count() == 1 and receiver.requests == []
    assert "Chat channels" not in client.get(reverse("web:settings")).content.decode()


def test_manager_adds_a_slack_channel_and_sends_a_test_message(team_a, receiver):
    _team, manager, _reps = team_a
    client = signed_in(manager)
    assert reverse("notifications:channel_list") in client.get(reverse("web:settings")).content.decode()
    form = client.get(reverse("notifications:channel_create")).content.decode()
    assert 'name="url"' in form and 'name="room_id"' in form and 'type="password"' in form
    response = client.post(
        reverse("notifications:channel_create"),
        {
            "name": "#sales",
            "kind": "slack",
            "url": receiver.url + "/services/T0/B0/x",
            "language": "en",
            "events": ["activity.completed", "comment.created", "digest.daily"],
            "digest_time": "08:30",
            "time_zone": "Asia/Tokyo",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert (channel.kind, channel.events, channel.enabled) == (
        "slack",
        ["activity.completed", "comment.created", "digest.daily"],
        True,
    )
    listing = client.get(reverse("notifications:channel_list")).content.decode()
    assert "#sales" in listing and "Send test message" in listing

    result = client.post(
        reverse("notifications:channel_test", args=[channel.pk]), headers={"HX-Request": "true"}
    )
    assert result.status_code == 200
    assert "Delivered." in result.content.decode()
    assert receiver.requests[0].path == "/services/T0/B0/x"


def test_the_test_button_shows_the_receivers_error(team_a):
    _team, manager, _reps = team_a
    receiver = Receiver(script=[(404, {}, b"no_service")]).start()
    try:
        channel = make_channel(manager, receiver.url)
        result = signed_in(manager).post(
            reverse("notifications:channel_test", args=[channel.pk]), headers={"HX-Request": "true"}
        )
    finally:
        receiver.stop()
    assert "HTTP 404: no_service" in result.content.decode()


def test_chatwork_form_errors_and_secrets_are_never_shown(team_a, receiver, settings):
    _team, manager, _reps = team_a
    client = signed_in(manager)
    data = {
        "name": "営業部",
        "kind": "chatwork",
        "language": "ja",
        "events": ["activity.completed"],
        "digest_time": "08:30",
        "time_zone": "Asia/Tokyo",
        "enabled": "on",
    }
    response = client.post(reverse("notifications:channel_create"), data)
    assert response.status_code == 400
    assert "Enter the Chatwork room id." in response.content.decode()
    assert Channel.objects.count() == 0

    response = client.post(
        reverse("notifications:channel_create"), {**data, "room_id": "42", "token": "s3cr3t-token"}
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    edit = client.get(reverse("notifications:channel_edit", args=[channel.pk])).content.decode()
    assert "s3cr3t-token" not in edit
    assert "Set. Leave blank to keep it" in edit
    # Saving with the token left blank keeps it.
    response = client.post(
        reverse("notifications:channel_edit", args=[channel.pk]), {**data, "room_id": "43"}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.room_id, channel.token) == ("43", "s3cr3t-token")


def test_delivery_log_filters_and_retry(team_a, django_assert_num_queries):
    _team, manager, (rep, _other) = team_a
    receiver = Receiver(script=[(400, {}, b"invalid_payload")]).start()
    try:
        channel = make_channel(manager, receiver.url)
        for index in range(3):
            plan_visit(rep, subject=f"訪問{index}")
        assert pump_all() == 3
        client = signed_in(manager)
        client.get(reverse("notifications:delivery_list"))
        # session, user (with the bell's count), count, unread mentions, channels for the filter,
        # deliveries (channel and event joined), their attempts: the same for any number of rows
        with django_assert_num_queries(6):
            page = client.get(reverse("notifications:delivery_list"), {"status": "failed"}).content.decode()
        assert page.count("HTTP 400: invalid_payload") == 3
        assert page.count(">Retry<") == 3
        empty = client.get(reverse("notifications:delivery_list"), {"status": "succeeded"}).content.decode()
        assert "No deliveries yet." in empty

        receiver.script[:] = [(200, {}, b"ok")]
        delivery = Delivery.objects.order_by("pk").first()
        response = client.post(
            reverse("notifications:delivery_retry", args=[delivery.pk]),
            {"next": f"{reverse('notifications:delivery_list')}?channel={channel.pk}"},
        )
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('notifications:delivery_list')}?channel={channel.pk}"
        assert pump_all() == 1
    finally:
        receiver.stop()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
