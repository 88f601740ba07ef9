"""GET /notifications (?unread=true), POST /notifications/read (ids or all), GET/PATCH
/me/notification-preferences, GET /me/calendar-feed, POST /me/calendar-feed/rotate and DELETE
/me/calendar-feed: every caller reaches only their own, whatever their role."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import detail
from totonou.notifications.models import Notification, NotificationPreference
from totonou.notifications.personal import notification_record
from totonou.users.models import CalendarFeed

pytestmark = pytest.mark.django_db

ROLES = ["owner", "other_rep", "manager", "other_manager", "admin"]


def record(user, title: str, kind: str = "mention") -> Notification:
    return notification_record(recipient=user, kind=kind, title=title, link="/activities/1/")


@pytest.mark.parametrize("role", ROLES)
def test_each_caller_lists_and_marks_only_their_own(people, api, role, settings):
    settings.TOTONOU_BASE_URL = "https://totonou.example.com"
    me = people.get(role)
    others = [record(user, f"For {user.username}") for user in {people.get(r) for r in ROLES} - {me}]
    first, second = record(me, "First"), record(me, "Second", kind="like")
    client = api(me)

    body = client.get("/notifications").json()
    assert [item["id"] for item in body["results"]] == [second.pk, first.pk]
    assert body["results"][0] == {
        "id": second.pk,
        "kind": "like",
        "title": "Second",
        "body": "",
        "is_key": False,
        "read": False,
        "read_at": None,
        "created_at": body["results"][0]["created_at"],
        "web_url": "https://totonou.example.com/activities/1/",
    }

    marked = client.post("/notifications/read", {"ids": [first.pk, *[o.pk for o in others]]})
    assert marked.json() == {"marked": 1, "unread": 1}
    assert all(Notification.objects.get(pk=o.pk).read_at is None for o in others)  # nothing changed
    unread = client.get("/notifications", {"unread": "true"}).json()["results"]
    assert [item["id"] for item in unread] == [second.pk]
    assert client.post("/notifications/read", {"all": True}).json() == {"marked": 1, "unread": 0}
    assert client.get("/notifications", {"unread": "true"}).json()["results"] == []


def test_kind_filter_and_bad_input(people, api):
    record(people.owner, "A"), record(people.owner, "B", kind="reminder")
    client = api(people.owner)
    assert [
        item["title"] for item in client.get("/notifications", {"kind": "reminder"}).json()["results"]
    ] == ["B"]
    assert client.get("/notifications", {"kind": "deal.won"}).status_code == 422
    for bad in ({}, {"ids": [1], "all": True}, {"ids": "x"}, {"all": False}):
        response = client.post("/notifications/read", bad)
        assert response.status_code == 422, bad
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_preferences_read_and_patch(people, api):
    client = api(people.owner)
    body = client.get("/me/notification-preferences").json()
    assert body == {
        "channels": {
            "mention": "both",
            "comment": "both",
            "review": "in_app",
            "like": "in_app",
            "deal": "both",
            "reminder": "both",
        },
        "digest": False,
        "digest_time": "08:00:00",
        "quiet_start": None,
        "quiet_end": None,
    }
    patched = client.patch(
        "/me/notification-preferences",
        {"channels": {"like": "none"}, "digest": True, "quiet_start": "22:00", "quiet_end": "07:00"},
    ).json()
    assert patched["channels"]["like"] == "none" and patched["channels"]["mention"] == "both"
    assert (patched["digest"], patched["quiet_start"], patched["quiet_end"]) == (True, "22:00:00", "07:00:00")
    assert (
        client.patch("/me/notification-preferences", {"quiet_start": None, "quiet_end": None}).json()[
            "quiet_start"
        ]
        is None
    )

    refused = client.patch("/me/notification-preferences", {"channels": {"like": "sometimes"}})
    assert refused.status_code == 422
    half = client.patch("/me/notification-preferences", {"quiet_start": "22:00"})
    assert half.status_code == 422 and "quiet_end" in detail(half)
    assert dict(NotificationPreference.objects.values_list("kind", "channels")) == {"like": "none"}
    assert api(people.other_rep).get("/me/notification-preferences").json()["channels"]["like"] == "in_app"


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_feed_url_is_made_rotated_and_revoked_for_the_caller_only(people, api, role, settings):
    settings.TOTONOU_BASE_URL = "https://totonou.example.com"
    me = people.get(role)
    client = api(me)
    assert client.get("/me/calendar-feed").json() == {
        "url": None,
        "include_team": False,
        "created_at": None,
        "last_used_at": None,
    }
    made = client.post("/me/calendar-feed/rotate", {"include_team": True}).json()
    assert (
        made["url"].startswith("https://totonou.example.com/calendar/feed/") and made["include_team"] is True
    )
    assert client.get("/me/calendar-feed").json()["url"] == made["url"]
    path = made["url"].removeprefix("https://totonou.example.com")
    assert Client().get(path).status_code == 200

    rotated = client.post("/me/calendar-feed/rotate").json()
    assert rotated["url"] != made["url"] and rotated["include_team"] is True
    assert Client().get(path).status_code == 404
    assert list(CalendarFeed.objects.values_list("user", flat=True)) == [me.pk]

    assert client.delete("/me/calendar-feed").status_code == 204
    assert not CalendarFeed.objects.exists()
    assert Client().get(rotated["url"].removeprefix("https://totonou.example.com")).status_code == 404


def test_signed_out_callers_get_401(anonymous):
    for method, path in (
        ("get", "/notifications"),
        ("post", "/notifications/read"),
        ("get", "/me/notification-preferences"),
        ("get", "/me/calendar-feed"),
        ("post", "/me/calendar-feed/rotate"),
    ):
        assert anonymous.request(method, path).status_code == 401, path
