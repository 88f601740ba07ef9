"""A channel whose saved URL no longer passes the address check (issue 19, item 8) can still be disabled,
over the API and on its settings page: saving only ``enabled=false`` does not check the unchanged address
again. Enabling it again, or giving it another refused address, is still refused and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import JsonClient, detail
from totonou.integrations.services import channel_create
from totonou.notifications.models import Channel

pytestmark = pytest.mark.django_db

REFUSED = "http://10.20.30.40/services/T0/B0/old"


@pytest.fixture
def stale_channel(team_a, settings):
    """A channel saved when its address was allowed, which the current check refuses: the URL is
    stored straight into the database, as an old row (or a tightened guard) leaves it."""
    _team, manager, _reps = team_a
    channel = channel_create(
        actor=manager,
        name="#sales",
        kind="slack",
        url="https://hooks.example.com/services/T0/B0/x",
        team_id=team_a[0].pk,
        events=["comment.created"],
        language="en",
    )
    Channel.objects.filter(pk=channel.pk).update(url=REFUSED)
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = False
    channel.refresh_from_db()
    return channel


def rows():
    return list(Channel.objects.order_by("pk").values())


def test_disabling_over_the_api_does_not_check_the_address_again(team_a, token_for, stale_channel):
    _team, manager, _reps = team_a
    client = JsonClient(
        Client(headers={"Authorization": f"Bearer {token_for(manager)}", "Accept-Language": "en"})
    )
    before = rows()
    refused = client.patch(f"/channels/{stale_channel.pk}", {"name": "#sales-2"})
    assert refused.status_code == 422
    assert detail(refused) == {
        "url": ["The address 10.20.30.40 of 10.20.30.40 is private or local; it is not allowed."]
    }
    assert rows() == before

    response = client.patch(f"/channels/{stale_channel.pk}", {"enabled": False})
    assert response.status_code == 200, response.content
    assert (response.json()["enabled"], response.json()["url"]) == (False, REFUSED)
    stale_channel.refresh_from_db()
    assert (stale_channel.enabled, stale_channel.url, stale_channel.name) == (False, REFUSED, "#sales")

    # Disabled, it can be renamed; enabling it again or giving it another refused address cannot.
    assert client.patch(f"/channels/{stale_channel.pk}", {"name": "#old"}).status_code == 200
    disabled = rows()
    for change in ({"enabled": True}, {"url": "http://10.9.9.9/hook"}):
        response = client.patch(f"/channels/{stale_channel.pk}", change)
        assert response.status_code == 422 and set(detail(response)) == {"url"}
        assert rows() == disabled


def test_disabling_on_the_settings_page(team_a, stale_channel):
    _team, manager, _reps = team_a
    client = Client()
    client.force_login(manager)
    url = reverse("notifications:channel_edit", args=[stale_channel.pk])
    form = {
        "name": "#sales",
        "kind": "slack",
        "url": REFUSED,
        "language": "en",
        "events": ["comment.created"],
        "team": team_a[0].pk,
        "digest_time": "08:30",
        "time_zone": "Asia/Tokyo",
        # "enabled" unticked
    }
    before = rows()
    refused = client.post(url, {**form, "enabled": "on"})
    assert refused.status_code == 400 and "url" in refused.context["form"].errors
    assert rows() == before
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()
    stale_channel.refresh_from_db()
    assert (stale_channel.enabled, stale_channel.url) == (False, REFUSED)
