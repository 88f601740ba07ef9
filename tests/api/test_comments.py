"""Comments on activities and deals: GET/POST /comments, GET/DELETE /comments/{id}."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from tests.api.conftest import detail, soon
from tests.factories import CustomerFactory, DealFactory, activity_type
from totonou.activities.models import ActivityEvent, Comment, Mention
from totonou.activities.services import activity_create, comment_create

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def plan(owner):
    start = soon()
    return activity_create(
        actor=owner,
        type=activity_type(),
        customer=CustomerFactory(owner=owner),
        starts_at=start,
        ends_at=start + HOUR,
    )


def written() -> dict[str, int]:
    """The rows a comment request may write, to prove a refused one wrote nothing."""
    return {
        "comments": Comment.objects.count(),
        "mentions": Mention.objects.count(),
        "events": ActivityEvent.objects.count(),
    }


# --- Create -----------------------------------------------------------------------------------------


def test_comment_on_an_activity_with_mentions(people, api):
    activity = plan(people.owner)
    body = f"@{people.owner.username} good work. @{people.other_rep.username} join next time. @nobody"
    response = api(people.manager).post("/comments", {"body": body, "activity": activity.pk})
    assert response.status_code == 201, response.content
    comment = Comment.objects.get()
    assert response.json() == {
        "id": comment.pk,
        "author": people.manager.pk,
        "body": body,
        "activity": activity.pk,
        "deal": None,
        "weekly_report": None,
        "mentions": sorted([people.owner.pk, people.other_rep.pk]),
        "created_at": comment.created_at.astimezone(TOKYO).isoformat(),
        "web_url": f"http://127.0.0.1:8000/activities/{activity.pk}/#comment-{comment.pk}",
    }
    assert sorted(Mention.objects.values_list("user_id", "read_at")) == sorted(
        [(people.owner.pk, None), (people.other_rep.pk, None)]
    )
    event = ActivityEvent.objects.get(kind="commented")
    assert (event.activity_id, event.actor_id, event.comment_id) == (
        activity.pk,
        people.manager.pk,
        comment.pk,
    )


def test_comment_on_a_deal(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    response = api(people.owner).post("/comments", {"body": "  Price talk next week  ", "deal": deal.pk})
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["author"], row["body"], row["activity"], row["deal"], row["mentions"]) == (
        people.owner.pk,
        "Price talk next week",
        None,
        deal.pk,
        [],
    )
    assert row["web_url"] == f"http://127.0.0.1:8000/deals/{deal.pk}/#comment-{row['id']}"
    assert ActivityEvent.objects.filter(kind="commented").count() == 0


def test_the_other_target_may_be_null(people, api):
    activity = plan(people.owner)
    response = api(people.rep_b).post("/comments", {"body": "x", "activity": activity.pk, "deal": None})
    assert response.status_code == 201, response.content
    assert response.json()["activity"] == activity.pk


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (lambda a, d: {"body": "x", "activity": 999_999}, "activity"),
        (lambda a, d: {"body": "x", "deal": 999_999}, "deal"),
        (lambda a, d: {"body": "x", "activity": 2**63}, "activity"),
        (lambda a, d: {"body": "x", "activity": 0}, "activity"),
        (lambda a, d: {"body": "x", "activity": "first"}, "activity"),
        (lambda a, d: {"body": "", "activity": a}, "body"),
        (lambda a, d: {"body": "   \n ", "activity": a}, "body"),
        (lambda a, d: {"body": None, "activity": a}, "body"),
        (lambda a, d: {"body": 5, "activity": a}, "body"),
        (lambda a, d: {"activity": a}, "body"),
        (lambda a, d: {"body": "x"}, "__all__"),
        (lambda a, d: {"body": "x", "activity": None, "deal": None}, "__all__"),
        (lambda a, d: {"body": "x", "activity": a, "deal": d}, "__all__"),
        (lambda a, d: {"body": "x", "activity": a, "weekly_report": 1}, "weekly_report"),
        (lambda a, d: {"body": "x", "activity": a, "author": 1}, "author"),
    ],
)
def test_create_validation_writes_nothing(people, api, make_body, field):
    activity = plan(people.owner)
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    before = written()
    response = api(people.manager).post("/comments", make_body(activity.pk, deal.pk))
    assert response.status_code == 422, response.content
    assert set(detail(response)) == {field}
    assert written() == before


def test_a_body_that_is_not_json_is_400(people, api):
    client = api(people.owner)
    response = client.client.post("/api/v1/comments", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert detail(response) == "The request body is not valid JSON."
    assert Comment.objects.count() == 0


# --- Read -------------------------------------------------------------------------------------------


def test_list_by_activity_or_deal_oldest_first(people, api):
    activity, other = plan(people.owner), plan(people.other_rep)
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    first = comment_create(actor=people.manager, activity=activity, body="first")
    comment_create(actor=people.manager, activity=other, body="elsewhere")
    second = comment_create(actor=people.owner, activity=activity, body=f"@{people.manager.username} thanks")
    on_deal = comment_create(actor=people.owner, deal=deal, body="deal note")
    client = api(people.rep_b)

    rows = client.get("/comments", {"activity": activity.pk}).json()["results"]
    assert [(row["id"], row["body"], row["author"]) for row in rows] == [
        (first.pk, "first", people.manager.pk),
        (second.pk, f"@{people.manager.username} thanks", people.owner.pk),
    ]
    assert [row["mentions"] for row in rows] == [[], [people.manager.pk]]
    rows = client.get("/comments", {"deal": deal.pk}).json()["results"]
    assert [(row["id"], row["deal"], row["activity"]) for row in rows] == [(on_deal.pk, deal.pk, None)]
    assert client.get("/comments", {"activity": 999_999}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "__all__"),
        ({"activity": 1, "deal": 1}, "__all__"),
        ({"activity": "x"}, "activity"),
        ({"deal": -3}, "deal"),
        ({"activity": 2**64}, "activity"),
    ],
)
def test_list_needs_exactly_one_target(people, api, params, field):
    response = api(people.owner).get("/comments", params)
    assert response.status_code == 422
    assert set(detail(response)) == {field}


def test_detail(people, api):
    activity = plan(people.owner)
    comment = comment_create(actor=people.manager, activity=activity, body=f"@{people.owner.username} hi")
    row = api(people.rep_b).get(f"/comments/{comment.pk}").json()
    assert (row["id"], row["activity"], row["mentions"], row["weekly_report"]) == (
        comment.pk,
        activity.pk,
        [people.owner.pk],
        None,
    )
    client = api(people.owner)
    assert client.get("/comments/999999").json() == {"detail": "Not found."}
    for bad in (0, 2**63):
        response = client.get(f"/comments/{bad}")
        assert response.status_code == 422
        assert set(detail(response)) == {"comment_id"}


def test_list_queries_do_not_grow(people, api, django_assert_num_queries):
    activity = plan(people.owner)
    client = api(people.owner)
    client.get("/comments", {"activity": activity.pk})
    for count in (3, 30):
        while Comment.objects.count() < count:
            comment_create(actor=people.manager, activity=activity, body=f"@{people.owner.username} note")
        with django_assert_num_queries(3):  # the token, the comments (author joined), their mentions
            response = client.get("/comments", {"activity": activity.pk})
        assert len(response.json()["results"]) == count


# --- Delete -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("manager", True),  # the author
        ("admin", True),
        ("owner", False),  # owns the activity, not the comment
        ("other_rep", False),
        ("other_manager", False),
    ],
)
def test_delete_permissions(people, api, role, allowed):
    activity = plan(people.owner)
    comment = comment_create(actor=people.manager, activity=activity, body=f"@{people.owner.username} hi")
    before = written()
    response = api(people.get(role)).delete(f"/comments/{comment.pk}")
    if allowed:
        assert response.status_code == 204
        assert response.content == b""
        # The comment goes with its mentions and its feed line; the activity's own events stay.
        assert written() == {"comments": 0, "mentions": 0, "events": before["events"] - 1}
        assert list(ActivityEvent.objects.values_list("kind", flat=True)) == ["planned"]
    else:
        assert response.status_code == 403
        assert detail(response) == "Only the author or an administrator may delete a comment."
        assert written() == before


def test_delete_unknown_is_404(people, api):
    assert api(people.admin).delete("/comments/999999").status_code == 404


# --- Names and authentication -----------------------------------------------------------------------


def test_url_names():
    assert reverse("api:comment_list") == reverse("api:comment_create") == "/api/v1/comments"
    assert (
        reverse("api:comment_detail", args=[3])
        == reverse("api:comment_delete", args=[3])
        == "/api/v1/comments/3"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/comments?activity={activity}"),
        ("post", "/comments"),
        ("get", "/comments/{comment}"),
        ("delete", "/comments/{comment}"),
    ],
)
def test_anonymous_is_401(people, anonymous, method, path):
    activity = plan(people.owner)
    comment = comment_create(actor=people.owner, activity=activity, body="x")
    before = written()
    response = anonymous.request(
        method, path.format(activity=activity.pk, comment=comment.pk), {"body": "y", "activity": activity.pk}
    )
    assert response.status_code == 401
    assert written() == before


def test_a_nul_character_is_refused_on_its_field_on_every_database(team_a, api_client):
    from totonou.activities.models import Comment

    _, manager, (rep, _) = team_a
    from tests.factories import ActivityFactory

    activity = ActivityFactory(owner=rep)
    response = api_client(manager).post(
        "/api/v1/comments",
        {"activity": activity.pk, "body": "a\x00b"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": {"body": ["Null characters are not allowed."]}}
    assert Comment.objects.count() == 0
