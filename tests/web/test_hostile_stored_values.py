"""Values outside the input bounds (ADR 0029) that an old row may still hold never break a shared page.

The inputs refuse them now, but rows written before (or by hand) may hold an activity at
9999-12-31T20:00Z (year 10000 in Tokyo) or 0001-01-01T00:30Z (year 0 in Los Angeles), a cadence of a
million days on a customer or a segment, a stage stalled after a million days. Every page of the app
(found by walking the URLconf, as tests/browser/test_every_page.py does) and every API list answers for
users in Asia/Tokyo and America/Los_Angeles, a rep and a manager.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from tests.browser.test_every_page import NOT_PAGES, _ids, _url, _walk
from tests.factories import ActivityFactory, DealFactory
from totonou.activities.models import Activity, ActivityEvent
from totonou.customers.models import Customer, Segment
from totonou.deals.models import Deal, Stage
from totonou.imports.exports import EXPORTS
from totonou.search.models import Document
from totonou.users.models import User

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LATE = datetime.datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
EARLY = datetime.datetime(1, 1, 1, 0, 30, tzinfo=UTC)
HUGE_DAYS = 1_000_000
ZONES = ("Asia/Tokyo", "America/Los_Angeles")


def _store_hostile_values(world) -> dict[str, int]:
    """Write the hostile values straight into the rows, as an old database might hold them."""
    late = ActivityFactory(owner=world.rep, customer=world.key_customer, subject="Far future")
    early = ActivityFactory(owner=world.rep, customer=world.customer, subject="Far past")
    Activity.objects.filter(pk=late.pk).update(
        starts_at=LATE, ends_at=LATE, original_starts_at=LATE, planned_at=LATE
    )
    Activity.objects.filter(pk=early.pk).update(
        status=Activity.Status.DONE,
        starts_at=EARLY,
        ends_at=EARLY,
        original_starts_at=EARLY,
        planned_at=EARLY,
        completed_at=EARLY,
    )
    for activity, moment in ((late, LATE), (early, EARLY)):
        ActivityEvent.objects.create(activity=activity, actor=world.rep, kind=ActivityEvent.Kind.PLANNED)
        Document.objects.filter(kind="activity", object_id=activity.pk).update(date=moment)
    Customer.objects.filter(pk=world.customer.pk).update(cadence_days=HUGE_DAYS, last_contact_at=EARLY)
    Customer.objects.filter(pk=world.key_customer.pk).update(last_contact_at=LATE)
    Segment.objects.filter(pk=world.customer.segment_id).update(
        cadence_days=HUGE_DAYS, key_cadence_days=HUGE_DAYS
    )
    Stage.objects.filter(pk=world.deal.stage_id).update(stagnation_days=HUGE_DAYS)
    far_deal = DealFactory(customer=world.customer, owner=world.rep, title="Far deal")
    Deal.objects.filter(pk=far_deal.pk).update(
        expected_close_date=datetime.date(9999, 12, 31), stage_entered_at=EARLY, last_activity_at=LATE
    )
    Deal.objects.filter(pk=world.deal.pk).update(
        expected_close_date=datetime.date(1, 1, 1), stage_entered_at=LATE, last_activity_at=EARLY
    )
    return {"late": late.pk, "early": early.pk, "far_deal": far_deal.pk}


def _page_urls() -> list[str]:
    from django.urls import get_resolver

    ids = _ids()
    urls = []
    for route, name in _walk(get_resolver().url_patterns):
        if name in NOT_PAGES:
            continue  # the fragments and downloads among them are in the test's own list
        url = _url(route, ids)
        if url is not None:
            urls.append(url)
    return urls


def _api_lists(client: Client) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        "/api/v1" + path.removeprefix("/api/v1")
        for path, operations in schema["paths"].items()
        if "get" in operations and "{" not in path
    ]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("who", ["rep", "manager"])
def test_every_page_and_api_list_answers_with_hostile_values_stored(world, admin_user, zone, who):
    hostile = _store_hostile_values(world)
    user: User = getattr(world, who)
    User.objects.filter(pk=user.pk).update(time_zone=zone)
    client = Client(raise_request_exception=False)  # a server error is a status to report, not a raise
    client.force_login(user)
    extra = [
        f"/activities/{hostile['late']}/",
        f"/activities/{hostile['early']}/",
        f"/deals/{hostile['far_deal']}/",
        f"/customers/{world.customer.pk}/",
        "/feed/new/?after=1",
        *(f"/exports/{kind}.{fmt}" for kind in EXPORTS for fmt in ("csv", "xlsx")),
        "/search/?q=Far",
        "/calendar/?view=month",
        "/calendar/?view=agenda",
        "/insights/uncontacted/",
        "/insights/uncontacted/?days=3650",
        "/insights/pipeline/",
        "/insights/stalled/",
    ]
    failures = []
    urls = _page_urls() + extra
    assert len(urls) >= 40, urls  # the walk found the app's pages
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500 or response.status_code not in {200, 204, 301, 302, 403, 404, 405}:
            failures.append((url, response.status_code))
    api_urls = _api_lists(client)
    assert len(api_urls) >= 20, api_urls
    for url in [
        *api_urls,
        f"/api/v1/activities/{hostile['late']}",
        f"/api/v1/activities/{hostile['early']}",
        f"/api/v1/deals/{hostile['far_deal']}",
        "/api/v1/search?q=Far",
    ]:
        response = client.get(url)
        if response.status_code >= 500 or response.status_code not in {200, 403, 404, 422}:
            failures.append((url, response.status_code))
    assert failures == []


#: Query keys that name a day, a week or a period on some page.
DATE_KEYS = (
    "date",
    "week",
    "from",
    "to",
    "month",
    "start",
    "end",
    "close_from",
    "close_to",
    "active_on",
    "date_from",
    "date_to",
    "closed_from",
    "closed_to",
    "entered_from",
    "entered_to",
)


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_no_page_answers_500_to_a_date_outside_the_bounds_in_its_query(world, admin_user, who):
    """Item 1's query-string side: far dates, far ISO weeks, numbers and NULs in every date parameter
    of every page (and a report week in the path) are a field message, today or 404, never a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, who))
    failures = []
    urls = [*_page_urls(), "/reports/week/9999-W52/", "/reports/week/0001-W01/"]
    for url in urls:
        for value in (
            "9999-12-31",
            "0001-01-01",
            "9999-W52",
            "0001-W01",
            "-3.3e-79",
            "9999-12-31T23:59",
            "a\x00b",
        ):
            response = client.get(url, dict.fromkeys(DATE_KEYS, value))
            if response.status_code >= 500:
                failures.append((url, value, response.status_code))
    assert failures == []
