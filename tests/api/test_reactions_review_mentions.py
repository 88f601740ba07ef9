"""Around an activity: POST /activities/{id}/reactions and /review; the caller's @mentions
(GET /mentions, GET /mentions/unread-count, POST /mentions/read)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api.conftest import MATRIX, detail, soon
from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, SegmentFactory
from totonou.activities.models import Activity, ActivityEvent, Comment, Mention, Reaction
from totonou.activities.services import comment_create, reaction_toggle

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def planned(owner):
    start = soon()
    return ActivityFactory(owner=owner, starts_at=start, ends_at=start + HOUR)


# --- Reactions --------------------------------------------------------------------------------------


def test_reaction_toggles_and_counts(people, api):
    activity = planned(people.owner)
    manager, rep_b = api(people.manager), api(people.rep_b)
    path = f"/activities/{activity.pk}/reactions"
    assert manager.post(path, {"kind": "like"}).json() == {"kind": "like", "reacted": True, "count": 1}
    assert rep_b.post(path, {"kind": "like"}).json() == {"kind": "like", "reacted": True, "count": 2}
    assert manager.post(path, {"kind": "like"}).json() == {"kind": "like", "reacted": False, "count": 1}
    assert list(Reaction.objects.values_list("activity_id", "user_id", "kind")) == [
        (activity.pk, people.rep_b.pk, "like")
    ]
    assert manager.post(path).json() == {"kind": "like", "reacted": True, "count": 2}  # like by default
    assert manager.post(path, {}).json() == {"kind": "like", "reacted": False, "count": 1}


def test_reactions_show_on_the_activity(people, api):
    activity, other = planned(people.owner), planned(people.owner)
    reaction_toggle(actor=people.manager, activity=activity)
    reaction_toggle(actor=people.other_rep, activity=activity)
    reaction_toggle(actor=people.owner, activity=other)

    as_manager = api(people.manager)
    row = as_manager.get(f"/activities/{activity.pk}").json()
    assert (row["reactions"], row["reacted_by_me"]) == ({"like": 2}, ["like"])
    listed = {row["id"]: row for row in as_manager.get("/activities").json()["results"]}
    assert (listed[activity.pk]["reactions"], listed[activity.pk]["reacted_by_me"]) == ({"like": 2}, ["like"])
    assert (listed[other.pk]["reactions"], listed[other.pk]["reacted_by_me"]) == ({"like": 1}, [])
    row = api(people.rep_b).get(f"/activities/{activity.pk}").json()
    assert (row["reactions"], row["reacted_by_me"]) == ({"like": 2}, [])
    fresh = planned(people.owner)
    row = api(people.owner).get(f"/activities/{fresh.pk}").json()
    assert (row["reactions"], row["reacted_by_me"]) == ({"like": 0}, [])


def _activities_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/activities", {"page_size": 100})
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def _add_reacted_activities(people, count: int) -> None:
    for index in range(count):
        customer = CustomerFactory(owner=people.owner, is_key=index % 2 == 0, segment=SegmentFactory())
        activity = ActivityFactory(owner=people.owner, customer=customer, deal=DealFactory(customer=customer))
        activity.contacts.set([ContactFactory(customer=customer)])
        reaction_toggle(actor=people.manager, activity=activity)
        if index % 3 == 0:
            reaction_toggle(actor=people.owner, activity=activity)


def test_reactions_cost_no_query_per_row(people, api):
    client = api(people.owner)
    client.get("/activities")
    _add_reacted_activities(people, 10)
    with_ten, rows = _activities_queries(client)
    assert rows == 10
    _add_reacted_activities(people, 50)
    with_sixty, rows = _activities_queries(client)
    assert rows == 60
    assert with_ten == with_sixty == 3  # token, activities (reactions annotated), contacts
    results = client.get("/activities", {"page_size": 100}).json()["results"]
    mine = 4 + 17  # every third activity of each batch (indexes 0, 3, 6, …)
    assert sum(row["reactions"]["like"] for row in results) == Reaction.objects.count() == 60 + mine
    assert sum(row["reacted_by_me"] == ["like"] for row in results) == mine
    assert {row["reactions"]["like"] for row in results} == {1, 2}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "angry"}, "kind"),
        ({"kind": None}, "kind"),
        ({"kind": 1}, "kind"),
        ({"kind": "like", "count": 3}, "count"),
    ],
)
def test_reaction_validation(people, api, body, field):
    activity = planned(people.owner)
    response = api(people.manager).post(f"/activities/{activity.pk}/reactions", body)
    assert response.status_code == 422
    assert set(detail(response)) == {field}
    assert Reaction.objects.count() == 0


def test_reaction_to_an_unknown_activity_is_404(people, api):
    response = api(people.manager).post("/activities/999999/reactions", {"kind": "like"})
    assert response.status_code == 404
    assert Reaction.objects.count() == 0


# --- Review -----------------------------------------------------------------------------------------

REVIEWERS = [
    ("manager", True),
    ("admin", True),
    ("owner", False),
    ("other_rep", False),
    ("other_manager", False),
    ("rep_b", False),
]
assert {role for role, _allowed in MATRIX} <= {role for role, _allowed in REVIEWERS}


@pytest.mark.parametrize(("role", "allowed"), REVIEWERS)
def test_review_permissions(people, api, role, allowed):
    activity = planned(people.owner)
    reviewer = people.get(role)
    response = api(reviewer).post(f"/activities/{activity.pk}/review")
    activity.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        row = response.json()
        assert (row["id"], row["reviewed_by"]) == (activity.pk, reviewer.pk)
        assert row["reviewed_at"] == activity.reviewed_at.astimezone(TOKYO).isoformat()
        assert (row["reactions"], row["reacted_by_me"]) == ({"like": 0}, [])
        assert (activity.reviewed_by_id, activity.version) == (reviewer.pk, 2)
        assert list(ActivityEvent.objects.values_list("kind", "actor_id")) == [("reviewed", reviewer.pk)]
    else:
        assert response.status_code == 403
        assert isinstance(detail(response), str)
        assert (activity.reviewed_by_id, activity.reviewed_at, activity.version) == (None, None, 1)
        assert ActivityEvent.objects.count() == 0


def test_reviewing_twice_keeps_the_first_review(people, api):
    activity = planned(people.owner)
    first = api(people.manager).post(f"/activities/{activity.pk}/review").json()
    again = api(people.admin).post(f"/activities/{activity.pk}/review")
    assert again.status_code == 200
    assert (again.json()["reviewed_by"], again.json()["reviewed_at"]) == (
        people.manager.pk,
        first["reviewed_at"],
    )
    assert ActivityEvent.objects.filter(activity=activity, kind="reviewed").count() == 1


def test_review_of_an_unknown_activity_is_404(people, api):
    assert api(people.admin).post("/activities/999999/review").status_code == 404


# --- Mentions ---------------------------------------------------------------------------------------


@pytest.fixture
def mentions(people):
    """The manager mentions the owner three times (twice on activities, once on a deal) and the other
    rep once."""
    activity = planned(people.owner)
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    owner = f"@{people.owner.username}"
    first = comment_create(actor=people.manager, activity=activity, body=f"{owner} call them back")
    second = comment_create(
        actor=people.manager, deal=deal, body=f"{owner} discount? @{people.other_rep.username}"
    )
    third = comment_create(actor=people.manager, activity=activity, body=f"{owner} well done")
    return {"activity": activity, "deal": deal, "comments": [first, second, third]}


def test_mentions_newest_first_with_their_comment(people, api, mentions):
    first, second, third = mentions["comments"]
    response = api(people.owner).get("/mentions", {"unread": "true"})
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [row["comment"]["id"] for row in rows] == [third.pk, second.pk, first.pk]
    assert [(row["activity"], row["deal"]) for row in rows] == [
        (mentions["activity"].pk, None),
        (None, mentions["deal"].pk),
        (mentions["activity"].pk, None),
    ]
    assert [row["read_at"] for row in rows] == [None, None, None]
    mention = Mention.objects.get(comment=second, user=people.owner)
    assert rows[1] == {
        "id": mention.pk,
        "comment": {
            "id": second.pk,
            "author": people.manager.pk,
            "body": second.body,
            "activity": None,
            "deal": mentions["deal"].pk,
            "weekly_report": None,
            "mentions": sorted([people.owner.pk, people.other_rep.pk]),
            "created_at": second.created_at.astimezone(TOKYO).isoformat(),
            "web_url": f"http://127.0.0.1:8000/deals/{mentions['deal'].pk}/#comment-{second.pk}",
        },
        "activity": None,
        "deal": mentions["deal"].pk,
        "read_at": None,
        "web_url": f"http://127.0.0.1:8000/deals/{mentions['deal'].pk}/#comment-{second.pk}",
    }
    other = api(people.other_rep).get("/mentions").json()["results"]
    assert [row["comment"]["id"] for row in other] == [second.pk]
    assert api(people.manager).get("/mentions").json()["results"] == []


def test_unread_count_and_mark_read(people, api, mentions):
    first, second, third = mentions["comments"]
    client = api(people.owner)
    assert client.get("/mentions/unread-count").json() == {"count": 3}

    assert client.post("/mentions/read", {"comment_ids": [first.pk, third.pk]}).json() == {"marked": 2}
    assert client.get("/mentions/unread-count").json() == {"count": 1}
    unread = client.get("/mentions", {"unread": "true"}).json()["results"]
    assert [row["comment"]["id"] for row in unread] == [second.pk]
    read = client.get("/mentions", {"unread": "false"}).json()["results"]
    assert [row["comment"]["id"] for row in read] == [third.pk, first.pk]
    assert all(row["read_at"] is not None for row in read)
    assert [row["comment"]["id"] for row in client.get("/mentions").json()["results"]] == [
        third.pk,
        second.pk,
        first.pk,
    ]

    assert client.post("/mentions/read", {"comment_ids": [first.pk]}).json() == {"marked": 0}  # already read
    assert client.post("/mentions/read").json() == {"marked": 1}  # all the rest
    assert client.get("/mentions/unread-count").json() == {"count": 0}
    assert client.post("/mentions/read", {"comment_ids": None}).json() == {"marked": 0}
    # The other rep's mention of the same comment is theirs to read.
    assert api(people.other_rep).get("/mentions/unread-count").json() == {"count": 1}
    assert Mention.objects.filter(user=people.other_rep, read_at__isnull=True).count() == 1


def test_marking_someone_elses_comment_ids_marks_nothing(people, api, mentions):
    second = mentions["comments"][1]
    assert api(people.manager).post("/mentions/read", {"comment_ids": [second.pk]}).json() == {"marked": 0}
    assert Mention.objects.filter(read_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"comment_ids": ["x"]}, "comment_ids"),
        ({"comment_ids": [0]}, "comment_ids"),
        ({"comment_ids": 5}, "comment_ids"),
        ({"ids": [1]}, "ids"),
    ],
)
def test_mark_read_validation(people, api, mentions, body, field):
    response = api(people.owner).post("/mentions/read", body)
    assert response.status_code == 422
    assert set(detail(response)) == {field}
    assert Mention.objects.filter(read_at__isnull=False).count() == 0


def test_mentions_filter_validation(people, api):
    response = api(people.owner).get("/mentions", {"unread": "sometimes"})
    assert response.status_code == 422
    assert set(detail(response)) == {"unread"}


def test_mention_queries(people, api, mentions, django_assert_num_queries):
    client = api(people.owner)
    client.get("/mentions/unread-count")
    with django_assert_num_queries(2):  # the token, one COUNT
        assert client.get("/mentions/unread-count").json() == {"count": 3}
    for _index in range(20):
        comment_create(
            actor=people.manager, activity=mentions["activity"], body=f"@{people.owner.username} !"
        )
    with django_assert_num_queries(3):  # the token, the mentions (comment and author joined), mentions
        response = client.get("/mentions", {"unread": "true", "page_size": 100})
    assert len(response.json()["results"]) == 23


# --- Names and authentication -----------------------------------------------------------------------


def test_url_names():
    assert reverse("api:activity_reaction_toggle", args=[4]) == "/api/v1/activities/4/reactions"
    assert reverse("api:activity_review", args=[4]) == "/api/v1/activities/4/review"
    assert reverse("api:mention_list") == "/api/v1/mentions"
    assert reverse("api:mention_unread_count") == "/api/v1/mentions/unread-count"
    assert reverse("api:mention_mark_read") == "/api/v1/mentions/read"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/activities/{activity}/reactions"),
        ("post", "/activities/{activity}/review"),
        ("get", "/mentions"),
        ("get", "/mentions/unread-count"),
        ("post", "/mentions/read"),
    ],
)
def test_anonymous_is_401(people, anonymous, mentions, method, path):
    response = anonymous.request(method, path.format(activity=mentions["activity"].pk), {"kind": "like"})
    assert response.status_code == 401
    assert isinstance(detail(response), str)
    assert Reaction.objects.count() == 0
    assert Mention.objects.filter(read_at__isnull=False).count() == 0
    assert Activity.objects.filter(reviewed_at__isnull=False).count() == 0
    assert Comment.objects.count() == 3
