"""Completing, moving, cancelling and editing an activity through the UI, and who may do it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory
from tests.web.conftest import local_noon
from totonou.activities.models import Activity
from totonou.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, activity: Activity) -> str:
    return reverse(f"activities:activity_{name}", args=[activity.pk])


def snapshot(activity: Activity) -> tuple:
    activity.refresh_from_db()
    return (
        activity.status,
        activity.starts_at,
        activity.ends_at,
        activity.notes,
        activity.cancel_reason,
        activity.version,
        activity.updated_at,
    )


def test_owner_completes_a_plan(world, client_for):
    activity = world.key_activity
    client = client_for(world.rep)
    response = client.post(
        url("complete", activity), {"notes": "Agreed on a trial", "next_step": "Send quote", "version": 1}
    )
    assert response.status_code == 302
    assert response["Location"] == activity.get_absolute_url()
    activity.refresh_from_db()
    assert activity.status == Activity.Status.DONE
    assert activity.notes == "Agreed on a trial"
    assert activity.next_step == "Send quote"
    assert activity.completed_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "The activity is done." in page
    assert "Record the result" not in page  # a done activity has no result actions


def test_owner_moves_a_plan_and_the_original_start_is_kept(world, client_for):
    activity = world.plain_activity
    original = activity.starts_at
    response = client_for(world.rep).post(
        url("reschedule", activity), {"starts_at": "2026/05/11 09:30", "version": 1}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    local = timezone.localtime(activity.starts_at, datetime.timezone(datetime.timedelta(hours=9)))
    assert local.strftime("%Y/%m/%d %H:%M") == "2026/05/11 09:30"
    assert activity.ends_at - activity.starts_at == datetime.timedelta(hours=1)
    assert activity.original_starts_at == original
    assert activity.status == Activity.Status.PLANNED


def test_cancel_without_a_reason_shows_the_field_error_and_changes_nothing(world, client_for):
    activity = world.key_activity
    before = snapshot(activity)
    audit_before = AuditEntry.objects.count()
    response = client_for(world.rep).post(url("cancel", activity), {"reason": "  ", "version": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<ul class="field__errors" id="cancel_reason_errors"><li>Say why the activity is cancelled.</li></ul>'
        in html
    )
    assert 'aria-invalid="true"' in html
    assert '<details class="action" open>\n      <summary><span aria-hidden="true">✕</span>' in html
    assert snapshot(activity) == before
    assert AuditEntry.objects.count() == audit_before


def test_cancel_with_a_reason(world, client_for):
    activity = world.key_activity
    response = client_for(world.rep).post(url("cancel", activity), {"reason": "Buyer is ill", "version": 1})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CANCELLED
    assert activity.cancel_reason == "Buyer is ill"


def test_reschedule_with_an_end_before_the_start_shows_the_service_error(world, client_for):
    activity = world.plain_activity
    before = snapshot(activity)
    response = client_for(world.rep).post(
        url("reschedule", activity),
        {"starts_at": "2026-05-11T10:00", "ends_at": "2026-05-11T09:00", "version": 1},
    )
    assert response.status_code == 200
    assert b"The end must not be before the start." in response.content
    assert snapshot(activity) == before


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {"notes": "hijacked", "version": 1}),
        ("reschedule", {"starts_at": "2026-05-11T10:00", "version": 1}),
        ("cancel", {"reason": "hijacked", "version": 1}),
        ("cancel", {"reason": "", "version": 1}),
        (
            "edit",
            {
                "type": 1,
                "subject": "hijacked",
                "starts_at": "2026-05-11T10:00",
                "ends_at": "2026-05-11T11:00",
            },
        ),
    ],
)
def test_a_rep_posting_to_another_reps_activity_gets_403_and_nothing_changes(world, client_for, action, data):
    activity = world.key_activity
    before = snapshot(activity)
    audit_before = AuditEntry.objects.count()
    response = client_for(world.other_rep).post(url(action, activity), data)
    assert response.status_code == 403
    assert b"You may not change this activity" in response.content
    assert b"Nothing was changed." in response.content
    assert snapshot(activity) == before
    assert AuditEntry.objects.count() == audit_before


def test_a_rep_sees_no_edit_controls_on_another_reps_activity(world, client_for):
    html = client_for(world.other_rep).get(world.key_activity.get_absolute_url()).content.decode()
    assert "Record the result" not in html
    assert url("edit", world.key_activity) not in html
    assert url("complete", world.key_activity) not in html
    assert url("cancel", world.key_activity) not in html
    assert client_for(world.other_rep).get(url("edit", world.key_activity)).status_code == 403


def test_the_owner_and_their_manager_see_the_controls(world, client_for):
    for user in (world.rep, world.manager):
        html = client_for(user).get(world.key_activity.get_absolute_url()).content.decode()
        assert "Record the result" in html
        assert url("edit", world.key_activity) in html


def test_the_manager_completes_a_team_members_plan(world, client_for):
    response = client_for(world.manager).post(url("complete", world.key_activity), {"version": 1})
    assert response.status_code == 302
    world.key_activity.refresh_from_db()
    assert world.key_activity.status == Activity.Status.DONE


def test_a_stale_version_is_a_conflict_with_a_clear_message(world, client_for):
    activity = world.key_activity
    client_for(world.manager).post(
        url("reschedule", activity), {"starts_at": "2026-05-11T10:00", "version": 1}
    )
    before = snapshot(activity)
    response = client_for(world.rep).post(url("cancel", activity), {"reason": "Too late", "version": 1})
    assert response.status_code == 409
    assert b'class="message message--error" role="alert"' in response.content
    assert b"changed by someone else" in response.content
    assert snapshot(activity) == before


def test_completing_a_done_activity_is_a_conflict(world, client_for):
    activity = ActivityFactory(
        owner=world.rep, starts_at=local_noon(-1), status=Activity.Status.DONE, completed_at=timezone.now()
    )
    response = client_for(world.rep).post(url("complete", activity), {"notes": "again"})
    assert response.status_code == 409
    assert b"Only a planned activity can be completed." in response.content
    activity.refresh_from_db()
    assert activity.notes == ""


def test_edit_saves_only_what_changed_through_the_service(world, client_for):
    activity = world.plain_activity
    client = client_for(world.rep)
    form = client.get(url("edit", activity)).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        subject="Tasting",
        starts_at=timezone.localtime(activity.starts_at).strftime("%Y-%m-%dT%H:%M"),
        ends_at=timezone.localtime(activity.ends_at).strftime("%Y-%m-%dT%H:%M"),
    )
    response = client.post(url("edit", activity), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.subject == "Tasting"
    assert activity.version == 2
    entry = AuditEntry.objects.filter(object_id=activity.pk, action="update").latest("id")
    assert set(entry.changes) == {"subject"}


def test_edit_shows_service_errors_on_the_field(world, client_for):
    activity = world.plain_activity  # its customer is Plain Foods; the deal belongs to Key Mart
    client = client_for(world.rep)
    response = client.post(
        url("edit", activity),
        {
            "type": activity.type_id,
            "customer": activity.customer_id,
            "deal": world.deal.pk,
            "starts_at": "2026-05-11T10:00",
            "ends_at": "2026-05-11T11:00",
            "version": activity.version,
        },
    )
    assert response.status_code == 200
    assert b'id="id_deal_errors"><li>This deal belongs to another customer.</li>' in response.content
    activity.refresh_from_db()
    assert activity.deal is None
    assert activity.version == 1


def test_move_or_cancel_link_opens_those_panels(world, client_for):
    html = client_for(world.rep).get(world.key_activity.get_absolute_url(), {"open": "move"}).content.decode()
    assert '<details class="action">\n      <summary><span aria-hidden="true">✓</span>' in html
    assert '<details class="action" open>\n      <summary><span aria-hidden="true">↻</span>' in html
    assert '<details class="action" open>\n      <summary><span aria-hidden="true">✕</span>' in html
