"""The input bounds (``core/bounds.py``, ADR 0029): dates between 1900-01-01 and 2200-12-31, given as
ISO 8601 text, and day counts between 1 and 3650, in every input — API bodies and query strings, page
forms and query strings, imports — refused with a field message before anything is written."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import counts, detail, iso, soon
from tests.factories import ActivityFactory, CustomerFactory, DealFactory, SegmentFactory
from totonou.activities.models import Activity
from totonou.customers.models import Customer, Segment
from totonou.deals.models import Deal, Stage
from totonou.imports.parsing import ValueError_, parse_date, parse_datetime
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

MESSAGE = "Give a date between 1900-01-01 and 2200-12-31."
#: Each is outside the bounds in its own offset or in UTC; the first two broke shared pages (issue 19).
HOSTILE_DATETIMES = [
    "9999-12-31T20:00:00Z",
    "0001-01-01T00:30:00Z",
    "2200-12-31T23:00:00-05:00",  # 2201 in UTC
    "1900-01-01T05:00:00+09:00",  # 1899 in UTC
    "1899-12-31T10:00:00Z",
]


@pytest.mark.parametrize("moment", HOSTILE_DATETIMES)
def test_an_activity_outside_the_bounds_is_refused_before_anything_is_written(people, api, moment):
    client = api(people.owner)
    before = counts()
    response = client.post("/activities", {"type": "visit", "starts_at": moment, "ends_at": moment})
    assert response.status_code == 422
    assert detail(response) == {"starts_at": [MESSAGE], "ends_at": [MESSAGE]}
    assert counts() == before


def test_the_last_and_first_days_inside_the_bounds_are_accepted(people, api):
    client = api(people.owner)
    for start in ("2200-12-31T10:00:00+09:00", "1900-01-01T10:00:00+09:00"):
        response = client.post(
            "/activities", {"type": "visit", "starts_at": start, "ends_at": start, "status": "planned"}
        )
        # a plan in 1900 is refused by the domain (a plan lies ahead), never by an overflow
        assert response.status_code in {201, 422}, response.content
        if response.status_code == 201:
            assert response.json()["starts_at"] == start


def test_moving_or_editing_an_activity_outside_the_bounds_is_refused(people, api):
    start = soon()
    activity = ActivityFactory(
        owner=people.owner, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    client = api(people.owner)
    late = "9999-12-31T20:00:00Z"
    assert detail(client.patch(f"/activities/{activity.pk}", {"starts_at": late})) == {"starts_at": [MESSAGE]}
    response = client.post(f"/activities/{activity.pk}/reschedule", {"starts_at": late})
    assert (response.status_code, detail(response)) == (422, {"starts_at": [MESSAGE]})
    activity.refresh_from_db()
    assert (activity.starts_at, activity.version) == (start, 1)


def test_deal_and_strategy_dates_outside_the_bounds_are_refused(people, api):
    client = api(people.owner)
    customer = CustomerFactory(owner=people.owner)
    response = client.post(
        "/deals", {"customer": customer.pk, "title": "Far", "expected_close_date": "9999-12-31"}
    )
    assert detail(response) == {"expected_close_date": [MESSAGE]}
    deal = DealFactory(customer=customer)
    won = Stage.objects.get(slug="won")
    response = api(people.admin).post(f"/deals/{deal.pk}/stage", {"stage": won.pk, "closed_on": "0001-01-01"})
    assert detail(response) == {"closed_on": [MESSAGE]}
    segment = SegmentFactory()
    response = api(people.manager).post(
        "/strategies",
        {
            "name": "Far",
            "hypothesis": "h",
            "starts_on": "0001-01-01",
            "ends_on": "9999-12-31",
            "target_share": 10,
            "segments": [segment.pk],
        },
    )
    assert detail(response) == {"starts_on": [MESSAGE], "ends_on": [MESSAGE]}
    assert Strategy.objects.count() == 0
    assert list(Deal.objects.values_list("pk", flat=True)) == [deal.pk]  # only the one made here


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/strategies?active_on=-3.3e-79", "active_on"),
        ("/strategies?active_on=1700000000", "active_on"),
        ("/strategies?active_on=9999-12-31", "active_on"),
        ("/activities?start=9999-12-31T23:00:00", "start"),
        ("/activities?end=0001-01-01", "end"),
        ("/search?q=visit&date_from=0001-01-01", "date_from"),
        ("/insights/pipeline?close_to=9999-12-31", "close_to"),
        ("/insights/coverage?month=9999-12-31", "month"),
        ("/insights/plan-vs-actual?date=0001-01-01", "date"),
    ],
)
def test_date_query_parameters_outside_the_bounds_or_numbers_are_422(people, api, path, field):
    response = api(people.owner).get(path)
    assert response.status_code == 422, response.content
    assert field in detail(response)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/segments", {"name": "Huge", "cadence_days": 1_000_000}, "cadence_days"),
        ("/segments", {"name": "Huge", "key_cadence_days": 3651}, "key_cadence_days"),
        ("/stages", {"name_ja": "長い", "name_en": "Long", "stagnation_days": 1_000_000}, "stagnation_days"),
    ],
)
def test_day_counts_beyond_ten_years_are_refused(people, api, path, body, field):
    client = api(people.admin)
    before = counts()
    response = client.post(path, body)
    assert (response.status_code, detail(response)) == (
        422,
        {field: ["Ensure this value is less than or equal to 3650."]},
    )
    assert counts() == before


def test_a_customer_cadence_beyond_ten_years_is_refused_and_ten_years_is_accepted(people, api):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.owner)
    response = client.patch(f"/customers/{customer.pk}", {"cadence_days": 1_000_000})
    assert detail(response) == {"cadence_days": ["Ensure this value is less than or equal to 3650."]}
    assert client.patch(f"/customers/{customer.pk}", {"cadence_days": 3650}).status_code == 200
    assert Customer.objects.get(pk=customer.pk).cadence_days == 3650


def test_model_validation_refuses_what_the_api_schema_would(people):
    """The services' ``full_clean`` is the last guard (the admin, imports, any future caller)."""
    from django.core.exceptions import ValidationError

    segment = SegmentFactory()
    segment.cadence_days = 1_000_000
    with pytest.raises(ValidationError) as error:
        segment.full_clean()
    assert set(error.value.message_dict) == {"cadence_days"}
    activity = ActivityFactory(owner=people.owner)
    activity.starts_at = datetime.datetime(9999, 12, 31, 20, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as error:
        activity.full_clean()
    assert error.value.message_dict["starts_at"] == [MESSAGE]


# --- Pages ---------------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_activity_form_refuses_a_date_outside_the_bounds(people):
    before = counts()
    response = _client(people.owner).post(
        reverse("activities:activity_create"),
        {"mode": "plan", "type": "visit", "owner": people.owner.pk, "starts_at": "9999-12-31T23:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "1900-01-01 から 2200-12-31 までの日付を指定してください。"  # the user's language
    ]
    assert counts() == before


def test_the_segment_settings_form_refuses_a_cadence_beyond_ten_years(people):
    response = _client(people.admin).post(
        reverse("setup:segment_create"),
        {
            "name": "Huge",
            "color": "#123456",
            "cadence_days": 1_000_000,
            "key_cadence_days": 14,
            "sort_order": 0,
        },
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["cadence_days"]
    assert not Segment.objects.filter(name="Huge").exists()


def test_the_calendar_ignores_a_date_outside_the_bounds(people):
    response = _client(people.owner).get(reverse("activities:calendar"), {"date": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()


# --- Imports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["9999-12-31", "0001-01-01", "1899/12/31", 2958465, datetime.date(2201, 1, 1)]
)
def test_an_import_cell_outside_the_bounds_is_a_row_error(cell):
    with pytest.raises(ValueError_, match="1900-01-01 and 2200-12-31"):
        parse_date(cell)
    with pytest.raises(ValueError_, match="1900-01-01 and 2200-12-31"):
        parse_datetime(cell)
    assert parse_date("2200-12-31") == datetime.date(2200, 12, 31)


def test_nothing_is_stored_after_a_refused_activity(people, api):
    """The 500 of issue 19 came after the row was saved; now the request is refused first."""
    client = api(people.owner)
    client.post(
        "/activities",
        {"type": "visit", "starts_at": "9999-12-31T20:00:00Z", "ends_at": "9999-12-31T21:00:00Z"},
    )
    assert not Activity.objects.filter(starts_at__year=9999).exists()
    assert Deal.objects.count() == 0
    assert iso  # the shared helpers stay imported for the module's other tests
