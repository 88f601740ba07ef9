"""The result of a plan: POST /activities/{id}/complete, /reschedule and /cancel."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import MATRIX, counts, detail, iso, soon
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def planned(owner, start=None):
    start = start or soon()
    return ActivityFactory(owner=owner, starts_at=start, ends_at=start + HOUR, notes="")


# --- complete ---------------------------------------------------------------------------------------


def test_complete_with_notes_and_next_step(people, api):
    activity = planned(people.owner)
    response = api(people.owner).post(
        f"/activities/{activity.pk}/complete", {"notes": "Went well", "next_step": "Send a quote"}
    )
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["status"], row["notes"], row["next_step"], row["version"]) == (
        "done",
        "Went well",
        "Send a quote",
        2,
    )
    assert row["completed_at"] is not None
    assert row["planned_at"] is not None  # the plan stays recorded


def test_complete_without_a_body(people, api):
    activity = planned(people.owner)
    response = api(people.owner).post(f"/activities/{activity.pk}/complete")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_complete_permissions(people, api, role, allowed):
    activity = planned(people.owner)
    client = api(people.get(role))
    before = counts()
    response = client.post(f"/activities/{activity.pk}/complete", {"notes": "x"})
    activity.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert activity.status == "done"
    else:
        assert response.status_code == 403
        assert (activity.status, activity.notes, activity.version) == ("planned", "", 1)
        assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": None}, "notes"),
        ({"notes": 5}, "notes"),
        ({"version": "x"}, "version"),
        ({"mood": 1}, "mood"),
    ],
)
def test_complete_validation(people, api, body, field):
    activity = planned(people.owner)
    client = api(people.owner)
    before = counts()
    response = client.post(f"/activities/{activity.pk}/complete", body)
    assert response.status_code == 422
    assert set(detail(response)) == {field}
    activity.refresh_from_db()
    assert activity.status == "planned"
    assert counts() == before


def test_complete_twice_or_stale_is_409(people, api):
    activity = planned(people.owner)
    client = api(people.owner)
    before = counts()
    assert client.post(f"/activities/{activity.pk}/complete", {"version": 7}).status_code == 409
    assert counts() == before
    assert client.post(f"/activities/{activity.pk}/complete", {"version": 1}).status_code == 200
    assert client.post(f"/activities/{activity.pk}/complete").status_code == 409
    assert client.post("/activities/999999/complete").status_code == 404


# --- reschedule -------------------------------------------------------------------------------------


def test_reschedule_keeps_the_duration_and_the_original_start(people, api):
    start = soon()
    activity = planned(people.owner, start)
    later = start + datetime.timedelta(days=3)
    response = api(people.owner).post(f"/activities/{activity.pk}/reschedule", {"starts_at": iso(later)})
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["starts_at"], row["ends_at"]) == (later.isoformat(), (later + HOUR).isoformat())
    assert row["original_starts_at"] == start.isoformat()
    assert row["status"] == "planned"


def test_reschedule_with_an_end(people, api):
    activity = planned(people.owner)
    later = soon(days=5)
    response = api(people.owner).post(
        f"/activities/{activity.pk}/reschedule",
        {"starts_at": iso(later), "ends_at": iso(later + 2 * HOUR), "version": 1},
    )
    assert response.status_code == 200
    assert response.json()["ends_at"] == (later + 2 * HOUR).isoformat()


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_reschedule_permissions(people, api, role, allowed):
    start = soon()
    activity = planned(people.owner, start)
    client = api(people.get(role))
    before = counts()
    response = client.post(f"/activities/{activity.pk}/reschedule", {"starts_at": iso(soon(days=4))})
    activity.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert activity.starts_at == soon(days=4)
    else:
        assert response.status_code == 403
        assert (activity.starts_at, activity.version) == (start, 1)
        assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": "next week"}, "starts_at"),
        ({"starts_at": "2026-04-01T10:00:00"}, "starts_at"),  # no offset
        ({"starts_at": "START", "ends_at": "BEFORE_START"}, "ends_at"),
    ],
)
def test_reschedule_validation(people, api, body, field):
    start = soon()
    activity = planned(people.owner, start)
    new_start = soon(days=4)
    values = {"START": iso(new_start), "BEFORE_START": iso(new_start - HOUR)}
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    client = api(people.owner)
    before = counts()
    response = client.post(f"/activities/{activity.pk}/reschedule", body)
    assert response.status_code == 422, response.content
    assert set(detail(response)) == {field}
    activity.refresh_from_db()
    assert activity.starts_at == start
    assert counts() == before


def test_reschedule_a_done_activity_is_409(people, api):
    activity = planned(people.owner)
    client = api(people.owner)
    client.post(f"/activities/{activity.pk}/complete")
    before = counts()
    response = client.post(f"/activities/{activity.pk}/reschedule", {"starts_at": iso(soon(days=9))})
    assert response.status_code == 409
    assert counts() == before
    assert client.post("/activities/999999/reschedule", {"starts_at": iso(soon())}).status_code == 404


# --- cancel -----------------------------------------------------------------------------------------


def test_cancel_with_a_reason(people, api):
    activity = planned(people.owner)
    response = api(people.owner).post(f"/activities/{activity.pk}/cancel", {"reason": "Buyer is ill"})
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["status"], row["cancel_reason"]) == ("cancelled", "Buyer is ill")
    assert row["cancelled_at"] is not None


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_cancel_permissions(people, api, role, allowed):
    activity = planned(people.owner)
    client = api(people.get(role))
    before = counts()
    response = client.post(f"/activities/{activity.pk}/cancel", {"reason": "No time"})
    activity.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert activity.status == "cancelled"
    else:
        assert response.status_code == 403
        assert (activity.status, activity.cancel_reason) == ("planned", "")
        assert counts() == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
def test_cancel_needs_a_reason(people, api, body):
    activity = planned(people.owner)
    client = api(people.owner)
    before = counts()
    response = client.post(f"/activities/{activity.pk}/cancel", body)
    assert response.status_code == 422
    assert set(detail(response)) == {"reason"}
    activity.refresh_from_db()
    assert activity.status == "planned"
    assert counts() == before


def test_cancel_a_cancelled_activity_is_409(people, api):
    activity = planned(people.owner)
    client = api(people.owner)
    assert client.post(f"/activities/{activity.pk}/cancel", {"reason": "x", "version": 1}).status_code == 200
    assert client.post(f"/activities/{activity.pk}/cancel", {"reason": "again"}).status_code == 409
    assert client.post("/activities/999999/cancel", {"reason": "x"}).status_code == 404
