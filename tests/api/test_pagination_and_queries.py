"""Lists: page-number pagination without a COUNT, and a number of queries that does not grow with rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import detail
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    SegmentFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_pages_and_next_links(people, api, settings):
    for index in range(5):
        CustomerFactory(owner=people.owner, name=f"C{index}", name_kana=f"{index}")
    client = api(people.owner)
    first = client.get("/customers", {"page_size": 2, "owner": people.owner.pk}).json()
    assert [row["name"] for row in first["results"]] == ["C0", "C1"]
    assert (first["page"], first["page_size"], first["has_next"]) == (1, 2, True)
    assert first["next"].startswith("http://testserver/api/v1/customers?")
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    assert f"owner={people.owner.pk}" in first["next"]  # filters carry over
    assert "count" not in first and "total" not in first

    second = client.client.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["C2", "C3"]
    third = client.client.get(second["next"]).json()
    assert [row["name"] for row in third["results"]] == ["C4"]
    assert (third["has_next"], third["next"]) == (False, None)
    beyond = client.get("/customers", {"page": 9, "page_size": 2}).json()
    assert (beyond["results"], beyond["has_next"], beyond["next"]) == ([], False, None)


def test_page_size_defaults_and_limits(people, api, settings):
    client = api(people.owner)
    assert client.get("/customers").json()["page_size"] == settings.TOTONOU_API_PAGE_SIZE == 50
    maximum = settings.TOTONOU_API_MAX_PAGE_SIZE
    assert client.get("/customers", {"page_size": maximum}).json()["page_size"] == maximum
    for params, field in [
        ({"page_size": maximum + 1}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"page": 10**18}, "page"),
    ]:
        response = client.get("/customers", params)
        assert response.status_code == 422, params
        assert set(detail(response)) == {field}


def test_page_size_follows_settings(people, api, settings):
    settings.TOTONOU_API_PAGE_SIZE = 3
    for _index in range(4):
        CustomerFactory(owner=people.owner)
    body = api(people.owner).get("/customers").json()
    assert (len(body["results"]), body["page_size"], body["has_next"]) == (3, 3, True)


# --- Query counts -----------------------------------------------------------------------------------
# One query authenticates the token; then one per list, plus one per prefetched relation. The counts
# are the same with 10 and with 50 rows.


def _make_segments(count: int, people) -> None:
    for _index in range(count):
        SegmentFactory()


def _make_customers(count: int, people) -> None:
    for _index in range(count):
        CustomerFactory(owner=people.owner, segment=SegmentFactory())


def _make_contacts(count: int, people) -> None:
    for _index in range(count):
        ContactFactory(customer=CustomerFactory(owner=people.owner))


def _make_deals(count: int, people) -> None:
    for _index in range(count):
        DealFactory(customer=CustomerFactory(owner=people.owner))


def _make_activities(count: int, people) -> None:
    for index in range(count):
        customer = CustomerFactory(owner=people.owner, is_key=index % 2 == 0, segment=SegmentFactory())
        activity = ActivityFactory(owner=people.owner, customer=customer, deal=DealFactory(customer=customer))
        activity.contacts.set([ContactFactory(customer=customer), ContactFactory(customer=customer)])


def _make_users(count: int, people) -> None:
    for _index in range(count):
        UserFactory(team=people.owner.team)


def _make_teams(count: int, people) -> None:
    for _index in range(count):
        team = TeamFactory()
        manager = UserFactory(team=team, role="manager")
        team.managers.add(manager)
        UserFactory(team=team)


LISTS: list[tuple[str, Callable[..., None], int]] = [
    ("/segments", _make_segments, 2),
    ("/customers", _make_customers, 2),
    ("/contacts", _make_contacts, 2),
    ("/deals", _make_deals, 2),
    ("/activities", _make_activities, 3),  # + contacts
    ("/users", _make_users, 2),
    ("/teams", _make_teams, 4),  # + members + managers
]


def _queries(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 50})
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize(("path", "make", "expected"), LISTS)
def test_list_queries_do_not_grow_with_rows(people, api, path, make, expected):
    client = api(people.owner)
    client.get(path)  # the first use of a token records last_used_at; measure the steady state
    make(10, people)
    with_ten, rows = _queries(client, path)
    assert rows >= 10
    make(40, people)
    with_fifty, rows = _queries(client, path)
    assert rows == 50
    assert with_ten == with_fifty == expected


def test_fixed_size_lists_query_counts(people, api):
    client = api(people.owner)
    client.get("/stages")
    for path in ("/stages", "/loss-reasons", "/activity-types"):
        queries, rows = _queries(client, path)
        assert rows > 0
        assert queries == 2, path


def test_activity_detail_queries(people, api, django_assert_num_queries):
    activity = ActivityFactory(owner=people.owner)
    activity.contacts.set([ContactFactory(customer=activity.customer) for _index in range(5)])
    client = api(people.owner)
    client.get("/activities")
    with django_assert_num_queries(3):  # token, activity (joined), contacts
        assert client.get(f"/activities/{activity.pk}").status_code == 200


def test_filtered_activity_list_by_time_range(people, api, django_assert_num_queries):
    start = datetime.datetime.now(tz=datetime.UTC)
    for _index in range(3):
        ActivityFactory(owner=people.owner)
    client = api(people.owner)
    client.get("/activities")
    with django_assert_num_queries(3):
        response = client.get("/activities", {"start": start.isoformat(), "team": people.owner.team_id})
    assert len(response.json()["results"]) == 3
