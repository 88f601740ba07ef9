"""Segments (顧客群): everyone reads, managers and admins write."""

from __future__ import annotations

import pytest

from tests.api.conftest import counts, detail
from tests.factories import CustomerFactory, SegmentFactory
from totonou.customers.models import Segment

pytestmark = pytest.mark.django_db

WRITERS = [
    ("owner", False),
    ("other_rep", False),
    ("manager", True),
    ("other_manager", True),
    ("admin", True),
]


def test_list_and_detail(people, api):
    first = SegmentFactory(name="Supermarkets", sort_order=1)
    SegmentFactory(name="Drugstores", sort_order=2)
    client = api(people.owner)
    body = client.get("/segments").json()
    assert [row["name"] for row in body["results"]] == ["Supermarkets", "Drugstores"]
    row = client.get(f"/segments/{first.pk}").json()
    assert row == {
        "id": first.pk,
        "name": "Supermarkets",
        "color": first.color,
        "cadence_days": 30,
        "key_cadence_days": 14,
        "sort_order": 1,
        "web_url": f"http://127.0.0.1:8000/customers/?segment={first.pk}",
    }


def test_list_filters_by_name(people, api):
    SegmentFactory(name="Supermarkets")
    SegmentFactory(name="Drugstores")
    body = api(people.owner).get("/segments", {"q": "drug"}).json()
    assert [row["name"] for row in body["results"]] == ["Drugstores"]


def test_unknown_segment_is_404(people, api):
    response = api(people.owner).get("/segments/999999")
    assert response.status_code == 404
    assert isinstance(detail(response), str)


@pytest.mark.parametrize(("role", "allowed"), WRITERS)
def test_create_permissions(people, api, role, allowed):
    client = api(people.get(role))
    before = counts()
    response = client.post("/segments", {"name": "New", "cadence_days": 21})
    if allowed:
        assert response.status_code == 201, response.content
        assert response.json()["cadence_days"] == 21
        assert Segment.objects.get(name="New").key_cadence_days == 14
    else:
        assert response.status_code == 403
        assert counts() == before


def test_create_validation(people, api):
    SegmentFactory(name="Taken")
    client = api(people.manager)
    before = counts()
    assert set(detail(client.post("/segments", {"cadence_days": 3}))) == {"name"}
    assert set(detail(client.post("/segments", {"name": "Taken"}))) == {"name"}
    assert set(detail(client.post("/segments", {"name": "Zero", "key_cadence_days": 0}))) == {
        "key_cadence_days"
    }
    assert set(detail(client.post("/segments", {"name": "Days", "cadence_days": "x"}))) == {"cadence_days"}
    # Only the database constraints guard these (no field validator yet): still a 422, nothing written.
    assert client.post("/segments", {"name": "Zero", "cadence_days": 0}).status_code == 422
    assert client.post("/segments", {"name": "Red", "color": "red"}).status_code == 422
    assert set(detail(client.post("/segments", {"name": "X", "bogus": 1}))) == {"bogus"}
    assert counts() == before


@pytest.mark.parametrize(("role", "allowed"), WRITERS)
def test_update_permissions(people, api, role, allowed):
    segment = SegmentFactory(name="Before")
    client = api(people.get(role))
    before = counts()
    response = client.patch(f"/segments/{segment.pk}", {"name": "After"})
    segment.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert response.json()["name"] == "After"
        assert segment.name == "After"
    else:
        assert response.status_code == 403
        assert segment.name == "Before"
        assert counts() == before


def test_update_is_partial_and_validated(people, api):
    segment = SegmentFactory(name="Keep", cadence_days=30)
    client = api(people.manager)
    response = client.patch(f"/segments/{segment.pk}", {"key_cadence_days": 7})
    assert response.status_code == 200
    assert response.json()["name"] == "Keep"
    assert response.json()["key_cadence_days"] == 7
    response = client.patch(f"/segments/{segment.pk}", {"key_cadence_days": 0})
    assert response.status_code == 422
    assert set(detail(response)) == {"key_cadence_days"}
    response = client.patch(f"/segments/{segment.pk}", {"name": None})
    assert response.status_code == 422
    assert set(detail(response)) == {"name"}
    segment.refresh_from_db()
    assert (segment.name, segment.cadence_days, segment.key_cadence_days) == ("Keep", 30, 7)


def test_update_unknown_is_404(people, api):
    assert api(people.manager).patch("/segments/999999", {"name": "x"}).status_code == 404


@pytest.mark.parametrize(("role", "allowed"), WRITERS)
def test_delete_permissions(people, api, role, allowed):
    segment = SegmentFactory(name="Gone")
    client = api(people.get(role))
    before = counts()
    response = client.delete(f"/segments/{segment.pk}")
    if allowed:
        assert response.status_code == 204
        assert response.content == b""
        assert not Segment.objects.filter(pk=segment.pk).exists()
    else:
        assert response.status_code == 403
        assert counts() == before


def test_delete_segment_with_customers_is_409(people, api):
    segment = SegmentFactory(name="Used")
    CustomerFactory(segment=segment, owner=people.owner)
    client = api(people.admin)
    before = counts()
    response = client.delete(f"/segments/{segment.pk}")
    assert response.status_code == 409
    assert isinstance(detail(response), str)
    assert counts() == before
