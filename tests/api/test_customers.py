"""Customers (顧客): list with the shared filters, detail, create, partial update, delete."""

from __future__ import annotations

import pytest

from tests.api.conftest import MATRIX, counts, detail
from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory
from totonou.core.audit import audit_history
from totonou.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_detail_shape(people, api):
    segment = SegmentFactory(name="Retail")
    customer = CustomerFactory(
        owner=people.owner, segment=segment, name="株式会社サンプル", name_kana="サンプル", is_key=True
    )
    row = api(people.other_rep).get(f"/customers/{customer.pk}").json()
    assert row["id"] == customer.pk
    assert row["name"] == "株式会社サンプル"
    assert row["name_kana"] == "サンプル"
    assert row["segment"] == segment.pk
    assert row["owner"] == people.owner.pk
    assert row["is_key"] is True
    assert row["cadence_days"] is None
    assert row["status"] == "active"
    assert row["version"] == 1
    assert row["web_url"] == f"http://127.0.0.1:8000/customers/{customer.pk}/"
    assert row["created_at"].endswith("+09:00")


def test_list_filters(people, api):
    segment = SegmentFactory(name="Retail")
    key = CustomerFactory(owner=people.owner, segment=segment, is_key=True, name="Key Co", name_kana="A")
    CustomerFactory(owner=people.other_rep, name="Other Co", name_kana="B")
    CustomerFactory(owner=people.rep_b, name="Team B Co", name_kana="C", status="prospect")
    client = api(people.owner)

    def names(**params):
        response = client.get("/customers", params)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names() == ["Key Co", "Other Co", "Team B Co"]
    assert names(is_key="true") == ["Key Co"]
    assert names(segment=segment.pk) == ["Key Co"]
    assert names(owner=people.other_rep.pk) == ["Other Co"]
    assert names(team=people.rep_b.team_id) == ["Team B Co"]
    assert names(status="prospect") == ["Team B Co"]
    assert names(q="other") == ["Other Co"]
    assert key.pk


def test_list_filter_validation(people, api):
    response = api(people.owner).get("/customers", {"segment": "x"})
    assert response.status_code == 422
    assert set(detail(response)) == {"segment"}


def test_unknown_customer_is_404(people, api):
    response = api(people.owner).get("/customers/999999")
    assert response.status_code == 404


def test_create_defaults_owner_to_caller(people, api):
    segment = SegmentFactory()
    response = api(people.owner).post(
        "/customers", {"name": "New Co", "name_kana": "ニュー", "segment": segment.pk, "is_key": True}
    )
    assert response.status_code == 201, response.content
    row = response.json()
    customer = Customer.objects.get(pk=row["id"])
    assert customer.owner == people.owner
    assert row["owner"] == people.owner.pk
    assert (customer.segment, customer.is_key, customer.name_kana) == (segment, True, "ニュー")
    assert [entry.action for entry in audit_history(customer)] == ["create"]


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_create_for_another_owner(people, api, role, allowed):
    client = api(people.get(role))
    before = counts()
    response = client.post("/customers", {"name": "For Owner", "owner": people.owner.pk})
    if allowed:
        assert response.status_code == 201, response.content
        assert Customer.objects.get(name="For Owner").owner == people.owner
    else:
        assert response.status_code == 403
        assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "segment": 999999}, "segment"),
        ({"name": "X", "owner": 999999}, "owner"),
        ({"name": "X", "website": "not a url"}, "website"),
        ({"name": "X", "status": "bogus"}, "status"),
        ({"name": "X", "cadence_days": 0}, "cadence_days"),
        ({"name": "X", "is_key": "maybe"}, "is_key"),
        ({"name": "X", "is_key": None}, "is_key"),
        ({"name": "X", "segment": "abc"}, "segment"),
        ({"name": "X", "unknown_field": 1}, "unknown_field"),
    ],
)
def test_create_validation(people, api, body, field):
    client = api(people.owner)
    before = counts()
    response = client.post("/customers", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    assert all(isinstance(message, str) for message in detail(response)[field])
    assert counts() == before


def test_create_reports_every_unknown_reference(people, api):
    response = api(people.owner).post("/customers", {"name": "X", "segment": 999998, "owner": 999999})
    assert response.status_code == 422
    assert set(detail(response)) == {"segment", "owner"}


def test_create_with_an_inactive_owner_is_422(people, api):
    people.other_rep.is_active = False
    people.other_rep.save(update_fields=["is_active"])
    response = api(people.manager).post("/customers", {"name": "X", "owner": people.other_rep.pk})
    assert response.status_code == 422
    assert set(detail(response)) == {"owner"}


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_update_permissions(people, api, role, allowed):
    customer = CustomerFactory(owner=people.owner, name="Before")
    client = api(people.get(role))
    before = counts()
    response = client.patch(f"/customers/{customer.pk}", {"name": "After"})
    customer.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert response.json()["name"] == "After"
        assert response.json()["version"] == 2
        assert customer.name == "After"
    else:
        assert response.status_code == 403
        assert (customer.name, customer.version) == ("Before", 1)
        assert counts() == before


def test_update_is_partial(people, api):
    segment = SegmentFactory()
    customer = CustomerFactory(owner=people.owner, name="Keep", segment=segment, phone="03-0000-0000")
    response = api(people.owner).patch(f"/customers/{customer.pk}", {"is_key": True, "segment": None})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.is_key, customer.segment) == (
        "Keep",
        "03-0000-0000",
        True,
        None,
    )


def test_update_hands_over_to_a_team_member(people, api):
    customer = CustomerFactory(owner=people.owner)
    response = api(people.manager).patch(f"/customers/{customer.pk}", {"owner": people.other_rep.pk})
    assert response.status_code == 200
    assert response.json()["owner"] == people.other_rep.pk


def test_rep_cannot_hand_over_to_someone_else(people, api):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.owner)
    before = counts()
    response = client.patch(f"/customers/{customer.pk}", {"owner": people.rep_b.pk})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.owner == people.owner
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"segment": 999999}, "segment"),
        ({"owner": 999999}, "owner"),
        ({"website": "nope"}, "website"),
        ({"version": "x"}, "version"),
        ({"created_at": "2026-01-01T00:00:00+09:00"}, "created_at"),
    ],
)
def test_update_validation(people, api, body, field):
    customer = CustomerFactory(owner=people.owner, name="Same")
    client = api(people.owner)
    before = counts()
    response = client.patch(f"/customers/{customer.pk}", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("Same", 1)
    assert counts() == before


def test_update_with_a_stale_version_is_409(people, api):
    customer = CustomerFactory(owner=people.owner, name="Before")
    client = api(people.owner)
    assert client.patch(f"/customers/{customer.pk}", {"name": "First", "version": 1}).status_code == 200
    before = counts()
    response = client.patch(f"/customers/{customer.pk}", {"name": "Second", "version": 1})
    assert response.status_code == 409
    assert isinstance(detail(response), str)
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("First", 2)
    assert counts() == before


def test_update_unknown_is_404(people, api):
    assert api(people.owner).patch("/customers/999999", {"name": "x"}).status_code == 404


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_delete_permissions(people, api, role, allowed):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.get(role))
    before = counts()
    response = client.delete(f"/customers/{customer.pk}")
    if allowed:
        assert response.status_code == 204
        assert [entry.action for entry in audit_history(customer)] == ["delete"]
        assert not Customer.objects.filter(pk=customer.pk).exists()
    else:
        assert response.status_code == 403
        assert Customer.objects.filter(pk=customer.pk).exists()
        assert counts() == before


def test_delete_customer_with_activities_is_409(people, api):
    activity = ActivityFactory(owner=people.owner)
    client = api(people.owner)
    before = counts()
    response = client.delete(f"/customers/{activity.customer_id}")
    assert response.status_code == 409
    assert counts() == before


def test_delete_unknown_is_404(people, api):
    assert api(people.owner).delete("/customers/999999").status_code == 404
