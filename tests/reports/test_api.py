"""The weekly report API: start, read, edit, submit, review and comment, with the permission matrix and
the bad input of the issue (a clear 4xx, nothing changed)."""

from __future__ import annotations

import pytest

from tests.reports.conftest import EXPECTED_FIGURES_KEYS, WEEK
from totonou.activities.models import Comment, Mention
from totonou.core.models import AuditEntry
from totonou.notifications.models import Notification
from totonou.reports.models import WeeklyReport

pytestmark = pytest.mark.django_db


def state() -> list[tuple]:
    rows = WeeklyReport.objects.order_by("pk").values_list(
        "pk", "status", "went_well", "help_needed", "version", "submitted_at", "reviewed_by", "snapshot"
    )
    audits = AuditEntry.objects.filter(content_type__model="weeklyreport").count()
    return [*rows, audits, Comment.objects.count()]


def start(api, user, week=WEEK):
    response = api(user).post("/weekly-reports", {"week": week})
    assert response.status_code in (200, 201), response.content
    return response.json()


def submitted(api, user, **fields):
    report = start(api, user)
    if fields:
        assert api(user).patch(f"/weekly-reports/{report['id']}", fields).status_code == 200
    response = api(user).post(f"/weekly-reports/{report['id']}/submit")
    assert response.status_code == 200, response.content
    return response.json()


def test_start_returns_the_existing_draft(api, people):
    first = api(people.owner).post("/weekly-reports", {"week": WEEK})
    assert first.status_code == 201
    body = first.json()
    assert (body["author"], body["week"], body["status"]) == (people.owner.pk, WEEK, "draft")
    assert set(body["summary"]) == EXPECTED_FIGURES_KEYS
    again = api(people.owner).post("/weekly-reports", {"week": WEEK})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert WeeklyReport.objects.count() == 1


@pytest.mark.parametrize("week", ["2026-W54", "2026-W00", "2026W49", "next week"])
def test_a_week_that_does_not_exist(api, people, week):
    response = api(people.owner).post("/weekly-reports", {"week": week})
    assert response.status_code == 422
    assert "week" in response.json()["detail"]
    assert WeeklyReport.objects.count() == 0
    assert api(people.owner).get("/weekly-reports", {"week": week}).status_code == 422


def test_the_author_edits_and_submits(api, people):
    report = start(api, people.owner)
    response = api(people.owner).patch(
        f"/weekly-reports/{report['id']}",
        {"went_well": "受注1件", "help_needed": "同行をお願いします", "version": report["version"]},
    )
    assert response.status_code == 200
    assert (response.json()["went_well"], response.json()["help_needed"]) == ("受注1件", "同行をお願いします")
    response = api(people.owner).post(f"/weekly-reports/{report['id']}/submit")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    assert body["submitted_at"] is not None
    assert body["changed_since_submitted"] == {}


def test_submitting_twice_and_editing_after_submit_are_refused(api, people):
    report = submitted(api, people.owner)
    before = state()
    assert api(people.owner).post(f"/weekly-reports/{report['id']}/submit").status_code == 409
    response = api(people.owner).patch(f"/weekly-reports/{report['id']}", {"went_well": "later"})
    assert response.status_code == 409
    assert state() == before


@pytest.mark.parametrize("role", ["other_rep", "manager", "other_manager", "admin", "rep_b"])
def test_another_reps_draft_is_neither_read_nor_written(api, people, role):
    report = start(api, people.owner)
    before = state()
    client = api(people.get(role))
    assert client.get(f"/weekly-reports/{report['id']}").status_code == 404
    assert client.patch(f"/weekly-reports/{report['id']}", {"went_well": "x"}).status_code == 404
    assert client.post(f"/weekly-reports/{report['id']}/submit").status_code == 404
    assert client.post(f"/weekly-reports/{report['id']}/review").status_code == 404
    assert state() == before


# Who reads a submitted report, and who may review it.
MATRIX = [
    ("owner", True, False),
    ("other_rep", True, False),
    ("manager", True, True),
    ("other_manager", False, False),
    ("admin", True, True),
    ("rep_b", False, False),
]


@pytest.mark.parametrize(("role", "reads", "reviews"), MATRIX)
def test_reading_and_reviewing_a_submitted_report(api, people, role, reads, reviews):
    report = submitted(api, people.owner, help_needed="価格の相談")
    client = api(people.get(role))
    assert client.get(f"/weekly-reports/{report['id']}").status_code == (200 if reads else 404)
    listed = [row["id"] for row in client.get("/weekly-reports").json()["results"]]
    assert listed == ([report["id"]] if reads else [])
    before = state()
    response = client.post(f"/weekly-reports/{report['id']}/review")
    if reviews:
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["reviewed_by"]) == ("reviewed", people.get(role).pk)
        assert body["reviewed_at"] is not None
        assert Notification.objects.filter(recipient=people.owner, kind="review").count() == 1
    else:
        assert response.status_code == (403 if reads else 404)
        assert state() == before
    # nobody but the author writes
    if role != "owner":
        assert client.patch(f"/weekly-reports/{report['id']}", {"went_well": "x"}).status_code in (403, 404)


def test_reviewing_ones_own_report_and_reviewing_twice(api, people):
    manager_report = submitted(api, people.manager)
    before = state()
    response = api(people.manager).post(f"/weekly-reports/{manager_report['id']}/review")
    assert response.status_code == 403
    assert state() == before
    report = submitted(api, people.owner)
    assert api(people.manager).post(f"/weekly-reports/{report['id']}/review").status_code == 200
    before = state()
    assert api(people.manager).post(f"/weekly-reports/{report['id']}/review").status_code == 409
    assert state() == before


def test_a_draft_cannot_be_reviewed(api, people):
    report = start(api, people.owner)
    # the manager cannot see the draft at all
    assert api(people.manager).post(f"/weekly-reports/{report['id']}/review").status_code == 404


def test_list_filters(api, people):
    mine = submitted(api, people.owner)
    other = submitted(api, people.other_rep)
    client = api(people.manager)
    ids = lambda params: [row["id"] for row in client.get("/weekly-reports", params).json()["results"]]  # noqa: E731
    assert sorted(ids({})) == sorted([mine["id"], other["id"]])
    assert ids({"user": people.owner.pk}) == [mine["id"]]
    assert sorted(ids({"team": people.owner.team_id, "week": WEEK, "status": "submitted"})) == sorted(
        [mine["id"], other["id"]]
    )
    assert ids({"status": "reviewed"}) == []
    assert client.get("/weekly-reports", {"status": "lost"}).status_code == 422
    row = client.get("/weekly-reports", {"user": people.owner.pk}).json()["results"][0]
    assert set(row["summary"]) == EXPECTED_FIGURES_KEYS


def test_comments_with_mentions_on_a_report(api, people):
    report = submitted(api, people.owner)
    response = api(people.manager).post(
        "/comments", {"body": f"@{people.owner.username} 来週同行します", "weekly_report": report["id"]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["weekly_report"], body["activity"], body["deal"]) == (report["id"], None, None)
    assert body["mentions"] == [people.owner.pk]
    assert Mention.objects.filter(user=people.owner).count() == 1
    listed = api(people.owner).get("/comments", {"weekly_report": report["id"]}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


def test_nobody_comments_on_a_draft_they_cannot_see(api, people):
    report = start(api, people.owner)
    before = state()
    response = api(people.manager).post("/comments", {"body": "見えない", "weekly_report": report["id"]})
    assert response.status_code == 422
    assert state() == before


def test_anonymous(anonymous):
    assert anonymous.get("/weekly-reports").status_code == 401
    assert anonymous.post("/weekly-reports", {"week": WEEK}).status_code == 401


def test_comments_on_a_report_are_read_only_by_who_may_read_the_report(api, people):
    """A submitted report is read by its author's team and their managers and by admins: its comments
    too. Another team's rep and manager see neither the report nor its comments, by list or by id."""
    report = submitted(api, people.owner)
    created = api(people.manager).post("/comments", {"body": "来週同行します", "weekly_report": report["id"]})
    assert created.status_code == 201, created.content
    comment_id = created.json()["id"]
    readers = {"owner": True, "other_rep": True, "manager": True, "admin": True}
    readers |= {"other_manager": False, "rep_b": False}
    seen = {}
    for name in readers:
        client = api(getattr(people, name))
        listed = client.get("/comments", {"weekly_report": report["id"]})
        assert listed.status_code == 200
        by_id = client.get(f"/comments/{comment_id}").status_code
        seen[name] = ([row["id"] for row in listed.json()["results"]], by_id)
    assert seen == {name: ([comment_id], 200) if may else ([], 404) for name, may in readers.items()}
