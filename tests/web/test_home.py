"""My day: today's activities in time order, plans waiting for a result, and the quick log form."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, activity_type
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from totonou.activities.models import Activity

pytestmark = pytest.mark.django_db


def test_today_lists_only_my_activities_of_today_in_time_order(world, client_for):
    late = ActivityFactory(
        owner=world.rep, customer=world.customer, starts_at=local_noon() + datetime.timedelta(hours=5)
    )
    early = ActivityFactory(
        owner=world.rep, customer=world.customer, starts_at=local_noon() - datetime.timedelta(hours=3)
    )
    tomorrow = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(1))
    someone_elses = ActivityFactory(owner=world.other_rep, starts_at=local_noon())

    html = client_for(world.rep).get(reverse("web:home")).content.decode()
    today = html[html.index('id="today-title"') : html.index('id="overdue-title"')]
    order = [early.pk, world.key_activity.pk, world.plain_activity.pk, late.pk]
    positions = [today.index(f'data-activity="{pk}"') for pk in order]
    assert positions == sorted(positions)
    assert f'data-activity="{tomorrow.pk}"' not in html
    assert f'data-activity="{someone_elses.pk}"' not in html


def test_overdue_lists_my_past_plans_without_a_result(world, client_for):
    waiting = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(-2))
    done = ActivityFactory(
        owner=world.rep,
        customer=world.customer,
        starts_at=local_noon(-1),
        status=Activity.Status.DONE,
        completed_at=timezone.now(),
    )
    html = client_for(world.rep).get(reverse("web:home")).content.decode()
    overdue = html[html.index('id="overdue-title"') :]
    item = find_one(overdue, "data-activity", str(waiting.pk))
    assert "is-overdue" in item.classes
    assert "Waiting for result" in item.text
    plan = find_one(overdue, "id", f"waiting-{waiting.pk}")
    for action in ("complete", "reschedule", "cancel"):
        assert reverse(f"activities:activity_{action}", args=[waiting.pk]) in plan.html
    assert f'data-activity="{done.pk}"' not in overdue


def test_one_tap_done_from_my_day_keeps_the_notes(world, client_for):
    waiting = ActivityFactory(
        owner=world.rep, customer=world.customer, starts_at=local_noon(-2), notes="Bring samples"
    )
    response = client_for(world.rep).post(
        reverse("activities:activity_complete", args=[waiting.pk]),
        {"version": waiting.version, "next": reverse("web:home")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    waiting.refresh_from_db()
    assert waiting.status == Activity.Status.DONE
    assert waiting.notes == "Bring samples"


def test_quick_log_of_a_result_ends_now_and_started_the_types_usual_duration_ago(world, client_for):
    """Logged after the fact without opening "Time and duration": it ended now, it did not start now."""
    before = Activity.objects.count()
    started = timezone.now().replace(second=0, microsecond=0)
    client = client_for(world.rep)
    response = client.post(
        reverse("web:home"),
        {
            "customer": world.customer.pk,
            "type": activity_type("call").pk,
            "notes": "Asked about prices",
            "status": "done",
        },
    )
    finished = timezone.now()
    assert response.status_code == 302
    assert Activity.objects.count() == before + 1
    activity = Activity.objects.latest("id")
    assert activity.owner == world.rep
    assert activity.customer == world.customer
    assert activity.type.slug == "call"
    assert activity.notes == "Asked about prices"
    assert activity.status == Activity.Status.DONE
    assert activity.planned_at is None
    assert started <= activity.ends_at <= finished  # ends now, never in the future
    assert activity.ends_at - activity.starts_at == datetime.timedelta(minutes=10)  # a call's usual length
    page = client.get(response["Location"]).content.decode()
    assert '<p class="message message--success" role="status">Activity logged.</p>' in page
    assert "Asked about prices" in find_one(page, "data-activity", str(activity.pk)).text


def test_quick_log_of_a_visit_uses_the_visits_usual_hour_and_a_plan_starts_now(world, client_for):
    client = client_for(world.rep)
    data = {"customer": world.customer.pk, "type": activity_type("visit").pk}
    client.post(reverse("web:home"), {**data, "status": "done"})
    done = Activity.objects.latest("id")
    assert done.ends_at <= timezone.now()
    assert done.ends_at - done.starts_at == datetime.timedelta(minutes=60)
    started = timezone.now().replace(second=0, microsecond=0)
    client.post(reverse("web:home"), {**data, "status": "planned"})
    planned = Activity.objects.latest("id")
    assert (planned.status, planned.starts_at - started <= datetime.timedelta(minutes=1)) == ("planned", True)
    assert planned.starts_at >= started
    assert planned.ends_at - planned.starts_at == datetime.timedelta(minutes=60)


def test_quick_log_of_a_result_ending_in_the_future_is_refused_on_the_duration(world, client_for):
    before = Activity.objects.count()
    start = timezone.localtime() - datetime.timedelta(minutes=10)
    response = client_for(world.rep).post(
        reverse("web:home"),
        {
            "customer": world.customer.pk,
            "type": activity_type("visit").pk,
            "status": "done",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "duration": "90",
        },
    )
    assert response.status_code == 200
    errors = find_one(response.content.decode(), "id", "id_duration_errors").text
    assert "A result cannot end in the future" in errors
    assert Activity.objects.count() == before


def test_quick_log_with_htmx_answers_with_the_refreshed_panel(world, client_for):
    before = Activity.objects.count()
    response = client_for(world.rep).post(
        reverse("web:home"),
        {
            "customer": world.key_customer.pk,
            "type": activity_type().pk,
            "notes": "Met the buyer",
            "status": "done",
        },
        headers={"HX-Request": "true", "HX-Target": "my-day"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="my-day"')
    assert "Activity logged." in html
    assert Activity.objects.count() == before + 1
    new = Activity.objects.latest("id")
    assert "is-key" in find_one(html, "data-activity", str(new.pk)).classes


@pytest.mark.parametrize("typed", ["2026/04/01 10:00", "2026-04-01T10:00", "2026-04-01 10:00"])
def test_quick_log_accepts_japanese_and_datetime_local_formats(world, client_for, typed):
    client_for(world.rep).post(
        reverse("web:home"),
        {
            "customer": world.customer.pk,
            "type": activity_type().pk,
            "status": "planned",
            "starts_at": typed,
            "duration": "30",
        },
    )
    activity = Activity.objects.latest("id")
    assert (
        timezone.localtime(activity.starts_at, timezone.get_fixed_timezone(9 * 60)).strftime("%Y-%m-%d %H:%M")
        == "2026-04-01 10:00"
    )
    assert activity.ends_at - activity.starts_at == datetime.timedelta(minutes=30)
    assert activity.status == Activity.Status.PLANNED
    assert activity.planned_at is not None


def test_quick_log_with_bad_input_shows_errors_and_creates_nothing(world, client_for):
    before = Activity.objects.count()
    response = client_for(world.rep).post(
        reverse("web:home"),
        {"customer": world.customer.pk, "type": 999999, "status": "done", "starts_at": "soon"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_type_errors"' in html
    assert 'id="id_starts_at_errors"' in html
    assert 'aria-invalid="true"' in html
    assert Activity.objects.count() == before


def test_quick_log_offers_my_customers_and_a_preselected_one(world, client_for):
    elsewhere = CustomerFactory(owner=world.other_rep, name="Colleague's Shop")
    client = client_for(world.rep)
    html = client.get(reverse("web:home")).content.decode()
    assert "Key Mart" in html and "Plain Foods" in html
    assert "Colleague&#x27;s Shop" not in html
    html = client.get(reverse("web:home"), {"customer": elsewhere.pk}).content.decode()
    assert f'<option value="{elsewhere.pk}" selected>' in html


def test_quick_log_lists_are_scoped(world, client_for):
    """Every option is one the user may pick; unknown and activity-less days render an empty state."""
    html = client_for(world.other_rep).get(reverse("web:home")).content.decode()
    assert find_all(html, "data-activity", str(world.key_activity.pk)) == []
    assert "Nothing planned or logged today yet." in html
