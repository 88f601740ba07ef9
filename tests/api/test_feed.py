"""The team feed: GET /feed (events newest first, filters, paging) and GET /feed/latest (polling)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api.conftest import detail, soon
from tests.factories import ContactFactory, CustomerFactory, DealFactory, SegmentFactory, activity_type
from totonou.activities.models import ActivityEvent
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_mark_reviewed,
    activity_reschedule,
    comment_create,
    reaction_toggle,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def plan(owner, *, customer=None, type_slug="visit", days=1, **kwargs):
    start = soon(days)
    return activity_create(
        actor=owner,
        type=activity_type(type_slug),
        customer=customer if customer is not None else CustomerFactory(owner=owner),
        starts_at=start,
        ends_at=start + HOUR,
        **kwargs,
    )


def local(value: datetime.datetime) -> str:
    """How the API shows a stored datetime to a user in Asia/Tokyo (the factories' default zone)."""
    return value.astimezone(TOKYO).isoformat()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def event_ids(**lookups) -> list[int]:
    return list(ActivityEvent.objects.filter(**lookups).order_by("-id").values_list("id", flat=True))


# --- Order and content ------------------------------------------------------------------------------


def test_feed_tells_the_story_of_an_activity_newest_first(people, api):
    customer = CustomerFactory(owner=people.owner, is_key=True)
    contact = ContactFactory(customer=customer)
    deal = DealFactory(customer=customer)
    # Planned for two days ago and moved to two hours later: completed now, its times stay.
    activity = plan(people.owner, customer=customer, deal=deal, contacts=[contact], days=-2)
    original = activity.starts_at
    activity = activity_reschedule(actor=people.owner, activity=activity, starts_at=original + 2 * HOUR)
    activity = activity_complete(actor=people.owner, activity=activity)
    comment = comment_create(
        actor=people.manager, activity=activity, body=f"Good visit. @{people.owner.username} send the quote"
    )
    activity_mark_reviewed(actor=people.manager, activity=activity)
    reaction_toggle(actor=people.other_rep, activity=activity)

    response = api(people.other_rep).get("/feed")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["page"], body["page_size"], body["has_next"], body["next"]) == (1, 50, False, None)
    rows = body["results"]
    assert [row["kind"] for row in rows] == ["reviewed", "commented", "completed", "moved", "planned"]
    events = list(ActivityEvent.objects.order_by("-id"))
    assert [row["id"] for row in rows] == [event.pk for event in events]
    assert [row["actor"] for row in rows] == [
        people.manager.pk,
        people.manager.pk,
        people.owner.pk,
        people.owner.pk,
        people.owner.pk,
    ]
    assert [row["created_at"] for row in rows] == [local(event.created_at) for event in events]
    assert [row["data"] for row in rows] == [event.data for event in events]
    assert [rows[0]["data"], rows[1]["data"], rows[2]["data"], rows[4]["data"]] == [
        {},
        {"mentions": [people.owner.pk]},
        {},
        {},
    ]
    # The move's details as the service stored them: ISO 8601 with an offset (not always the same one).
    moved = {key: datetime.datetime.fromisoformat(value) for key, value in rows[3]["data"].items()}
    assert moved == {"from": original, "to": original + 2 * HOUR}
    assert [row["comment"] is None for row in rows] == [True, False, True, True, True]
    assert rows[1]["comment"] == {
        "id": comment.pk,
        "author": people.manager.pk,
        "body": f"Good visit. @{people.owner.username} send the quote",
        "activity": activity.pk,
        "deal": None,
        "weekly_report": None,
        "mentions": [people.owner.pk],
        "created_at": local(comment.created_at),
        "web_url": f"http://127.0.0.1:8000/activities/{activity.pk}/#comment-{comment.pk}",
    }

    # Every event carries the activity as it is now, in the activity-list shape.
    activity.refresh_from_db()
    shown = rows[4]["activity"]
    assert all(row["activity"] == shown for row in rows)
    assert (shown["id"], shown["owner"], shown["type"], shown["customer"], shown["deal"]) == (
        activity.pk,
        people.owner.pk,
        "visit",
        customer.pk,
        deal.pk,
    )
    assert shown["contacts"] == [contact.pk]
    assert (shown["status"], shown["is_key_customer"]) == ("done", True)
    assert shown["starts_at"] == (original + 2 * HOUR).isoformat()
    assert shown["original_starts_at"] == original.isoformat()
    assert (shown["reviewed_by"], shown["reviewed_at"]) == (people.manager.pk, local(activity.reviewed_at))
    assert (shown["reactions"], shown["reacted_by_me"]) == ({"like": 1}, ["like"])
    assert shown["web_url"] == f"http://127.0.0.1:8000/activities/{activity.pk}/"


def test_reacted_by_me_is_the_callers(people, api):
    activity = plan(people.owner)
    reaction_toggle(actor=people.manager, activity=activity)
    shown = api(people.owner).get("/feed").json()["results"][0]["activity"]
    assert (shown["reactions"], shown["reacted_by_me"]) == ({"like": 1}, [])


def test_feed_shows_everyones_events_to_everyone(people, api):
    mine = plan(people.owner)
    other_team = plan(people.rep_b)
    activity_cancel(actor=people.rep_b, activity=other_team, reason="Typhoon")
    rows = api(people.owner).get("/feed").json()["results"]
    assert [(row["kind"], row["activity"]["id"]) for row in rows] == [
        ("cancelled", other_team.pk),
        ("planned", other_team.pk),
        ("planned", mine.pk),
    ]
    assert rows[0]["data"] == {"reason": "Typhoon"}
    assert rows[0]["activity"]["cancel_reason"] == "Typhoon"


def test_a_logged_activity_is_one_event(people, api):
    logged = plan(people.owner, status="done", days=-1)
    rows = api(people.owner).get("/feed").json()["results"]
    assert [(row["kind"], row["activity"]["id"], row["activity"]["status"]) for row in rows] == [
        ("logged", logged.pk, "done")
    ]


# --- Filters ----------------------------------------------------------------------------------------


@pytest.fixture
def scene(people):
    """Team A's owner visits a key customer of ``retail``; team B's rep calls a normal one of ``maker``;
    team A's other rep emails a customer of ``retail``. The manager has reviewed the call."""
    retail, maker = SegmentFactory(name="retail"), SegmentFactory(name="maker")
    key_visit = plan(people.owner, customer=CustomerFactory(owner=people.owner, is_key=True, segment=retail))
    call = plan(people.rep_b, customer=CustomerFactory(owner=people.rep_b, segment=maker), type_slug="call")
    email = plan(
        people.other_rep, customer=CustomerFactory(owner=people.other_rep, segment=retail), type_slug="email"
    )
    activity_complete(actor=people.rep_b, activity=call)
    activity_mark_reviewed(actor=people.other_manager, activity=call)
    return {"retail": retail, "maker": maker, "key_visit": key_visit, "call": call, "email": email}


def test_feed_filters(people, api, scene):
    client = api(people.manager)
    key_visit, call, email = scene["key_visit"], scene["call"], scene["email"]
    assert ids(client.get("/feed")) == event_ids()
    assert ids(client.get("/feed", {"owner": people.owner.pk})) == event_ids(activity=key_visit)
    assert ids(client.get("/feed", {"team": people.owner.team_id})) == event_ids(
        activity__in=[key_visit, email]
    )
    assert ids(client.get("/feed", {"team": people.rep_b.team_id})) == event_ids(activity=call)
    assert ids(client.get("/feed", {"key_only": "true"})) == event_ids(activity=key_visit)
    assert ids(client.get("/feed", {"key_only": "false"})) == event_ids()
    assert ids(client.get("/feed", {"segment": scene["retail"].pk})) == event_ids(
        activity__in=[key_visit, email]
    )
    assert ids(client.get("/feed", {"segment": scene["maker"].pk})) == event_ids(activity=call)
    assert ids(client.get("/feed", {"type": "call"})) == event_ids(activity=call)
    assert ids(client.get("/feed", {"type": "demo"})) == []
    assert ids(client.get("/feed", {"team": people.owner.team_id, "type": "email"})) == event_ids(
        activity=email
    )
    assert len(event_ids(activity=call)) == 3  # planned, completed, reviewed


def test_unreviewed_is_the_review_queue(people, api, scene):
    client = api(people.manager)
    unreviewed = event_ids(activity__in=[scene["key_visit"], scene["email"]])
    assert ids(client.get("/feed", {"unreviewed": "true"})) == unreviewed
    assert ids(client.get("/feed", {"unreviewed": "false"})) == event_ids()
    assert ids(client.get("/feed", {"unreviewed": "true", "team": people.owner.team_id})) == unreviewed

    activity_mark_reviewed(actor=people.manager, activity=scene["email"])
    assert ids(client.get("/feed", {"unreviewed": "true"})) == event_ids(activity=scene["key_visit"])
    assert ids(client.get("/feed", {"unreviewed": "true", "team": people.rep_b.team_id})) == []


def test_after_and_before(people, api, scene):
    client = api(people.owner)
    every = event_ids()  # newest first
    assert len(every) == 5
    newest, oldest = every[0], every[-1]
    assert ids(client.get("/feed", {"after": every[2]})) == every[:2]
    assert ids(client.get("/feed", {"before": every[2]})) == every[3:]
    assert ids(client.get("/feed", {"after": every[4], "before": every[1]})) == every[2:4]
    assert ids(client.get("/feed", {"after": newest})) == []
    assert ids(client.get("/feed", {"before": oldest})) == []
    assert ids(client.get("/feed", {"after": 0})) == every
    assert ids(client.get("/feed", {"after": every[2], "owner": people.owner.pk})) == []


def test_pages(people, api, scene):
    client = api(people.owner)
    every = event_ids()
    first = client.get("/feed", {"page_size": 4}).json()
    assert [row["id"] for row in first["results"]] == every[:4]
    assert first["has_next"] is True
    assert "page=2" in first["next"] and "page_size=4" in first["next"]
    second = client.client.get(first["next"]).json()
    assert ([row["id"] for row in second["results"]], second["has_next"]) == (every[4:], False)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
        ({"before": 2**63}, "before"),
        ({"owner": "me"}, "owner"),
        ({"owner": 0}, "owner"),
        ({"team": 2**64}, "team"),
        ({"segment": "retail"}, "segment"),
        ({"key_only": "maybe"}, "key_only"),
        ({"unreviewed": "perhaps"}, "unreviewed"),
        ({"page_size": 0}, "page_size"),
    ],
)
def test_filter_validation(people, api, params, field):
    for path in ("/feed", "/feed/latest"):
        if path == "/feed/latest" and "page_size" in params:
            continue
        response = api(people.owner).get(path, params)
        assert response.status_code == 422, (path, params)
        assert set(detail(response)) == {field}


# --- Polling ----------------------------------------------------------------------------------------


def test_latest_is_the_newest_matching_event(people, api, scene):
    client = api(people.owner)
    every = event_ids()
    assert client.get("/feed/latest").json() == {"latest_id": every[0]}
    assert client.get("/feed/latest", {"owner": people.owner.pk}).json() == {
        "latest_id": event_ids(activity=scene["key_visit"])[0]
    }
    assert client.get("/feed/latest", {"unreviewed": "true"}).json() == {
        "latest_id": event_ids(activity=scene["email"])[0]
    }
    assert client.get("/feed/latest", {"type": "demo"}).json() == {"latest_id": 0}
    assert client.get("/feed/latest", {"after": every[0]}).json() == {"latest_id": 0}

    comment_create(actor=people.manager, activity=scene["key_visit"], body="Nice")
    newest = ActivityEvent.objects.latest("id").pk
    assert newest > every[0]
    assert client.get("/feed/latest").json() == {"latest_id": newest}
    assert ids(client.get("/feed", {"after": every[0]})) == [newest]


def test_latest_with_no_events_is_zero(people, api):
    assert api(people.owner).get("/feed/latest").json() == {"latest_id": 0}


def test_latest_costs_one_query(people, api, scene, django_assert_num_queries):
    client = api(people.owner)
    client.get("/feed/latest")  # the first use of a token records last_used_at; measure the steady state
    with django_assert_num_queries(2):  # the token, then one aggregate
        response = client.get(
            "/feed/latest", {"team": people.owner.team_id, "key_only": "true", "unreviewed": "true"}
        )
    assert response.json() == {"latest_id": event_ids(activity=scene["key_visit"])[0]}


# --- Query budget -----------------------------------------------------------------------------------


def _add_events(people, count: int) -> None:
    """``count`` more events of every shape: plans with customers, deals and contacts, comments with
    mentions, results."""
    made = 0
    while made < count:
        customer = CustomerFactory(owner=people.owner, is_key=made % 2 == 0, segment=SegmentFactory())
        activity = plan(
            people.owner,
            customer=customer,
            deal=DealFactory(customer=customer),
            contacts=[ContactFactory(customer=customer), ContactFactory(customer=customer)],
        )
        reaction_toggle(actor=people.manager, activity=activity)
        made += 1
        if made < count:
            comment_create(actor=people.manager, activity=activity, body=f"@{people.owner.username} ok")
            made += 1
        if made < count:
            activity_complete(actor=people.owner, activity=activity)
            made += 1


def _feed_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/feed", {"page_size": 100})
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def test_feed_queries_do_not_grow_with_events(people, api):
    client = api(people.owner)
    client.get("/feed")
    _add_events(people, 10)
    with_ten, rows = _feed_queries(client)
    assert rows == 10
    _add_events(people, 50)
    with_sixty, rows = _feed_queries(client)
    assert rows == 60
    # The token, the events (with actor and comment joined), their activities (owner, type, customer,
    # deal joined; reactions annotated), the activities' contacts, the comments' mentions.
    assert with_ten == with_sixty == 5


# --- Names and authentication -----------------------------------------------------------------------


def test_url_names():
    assert reverse("api:feed_list") == "/api/v1/feed"
    assert reverse("api:feed_latest") == "/api/v1/feed/latest"


@pytest.mark.parametrize("path", ["/feed", "/feed/latest"])
def test_anonymous_is_401(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401
    assert isinstance(detail(response), str)
