"""Pages read the ids in their query strings as the API does (``core.bounds``: ``Id`` in the
FilterSchemas, ``parse_id`` where a view reads one by hand): an out-of-range or garbled id is a field
message on a list, ignored by a helper, or a 404 for the record it names — never a 500 (issue 19)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.web.test_hostile_stored_values import _page_urls
from totonou.core.bounds import MAX_ID, parse_id

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
#: Query keys that name records on some page (FilterSchema fields and the ids views read by hand).
ID_KEYS = (
    "owner",
    "owners",
    "customer",
    "deal",
    "contact",
    "segment",
    "team",
    "stage",
    "user",
    "member",
    "members",
    "strategy",
    "duplicate",
    "after",
    "before",
    "year",
    "fiscal_year",
)


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/customers/", "owner"),
        ("/customers/", "segment"),
        ("/customers/", "team"),
        ("/deals/", "owner"),
        ("/deals/", "customer"),
        ("/deals/", "stage"),
        ("/deals/", "team"),
    ],
)
def test_a_list_reports_an_out_of_range_id_on_its_field(world, path, field):
    response = _client(world.rep).get(path, {field: HUGE})
    assert response.status_code == 200
    assert field in response.context["filter_errors"]
    # the rest of the list still answers: the bad filter is dropped, not the page
    assert len(response.context["page"].object_list) >= 1


@pytest.mark.parametrize(
    "path",
    ["/activities/new/customers/", "/activities/new/relations/", "/activities/new/", "/deals/new/customer/"],
)
@pytest.mark.parametrize("value", [HUGE, "-1", "0", "1e3", "１", " 7"])
def test_the_form_helpers_ignore_an_id_that_is_not_one(world, path, value):
    response = _client(world.rep).get(path, {"customer": value, "owner": value, "deal": value})
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_no_page_answers_500_to_out_of_range_ids(world, admin_user, who):
    client = _client(getattr(world, who))
    failures = []
    for url in _page_urls():
        for value in (HUGE, "-5", "1.5", "x"):
            response = client.get(url, dict.fromkeys(ID_KEYS, value))
            if response.status_code >= 500:
                failures.append((url, value, response.status_code))
    assert failures == []


def test_the_api_answers_422_for_the_same_ids(world, api_client):
    client = api_client(world.rep)
    for path, field in (
        ("/api/v1/customers", "owner"),
        ("/api/v1/deals", "stage"),
        ("/api/v1/activities", "owners"),
    ):
        response = client.get(path, {field: HUGE})
        assert response.status_code == 422, path
        assert field in response.json()["detail"], path


def test_parse_id():
    assert [parse_id(value) for value in ("7", " 7 ", str(MAX_ID), 7)] == [7, 7, MAX_ID, 7]
    assert [
        parse_id(value) for value in (HUGE, str(MAX_ID + 1), "0", "-1", "1e3", "１", "", None, True, 1.0)
    ] == [None] * 10
