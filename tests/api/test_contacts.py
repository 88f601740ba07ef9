"""Contacts (担当者): who may change them follows their customer's owner."""

from __future__ import annotations

import pytest

from tests.api.conftest import MATRIX, counts, detail
from tests.factories import ContactFactory, CustomerFactory
from totonou.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_list_detail_and_filters(people, api):
    customer = CustomerFactory(owner=people.owner)
    buyer = ContactFactory(customer=customer, name="Buyer", name_kana="バイヤー", title="Head buyer")
    ContactFactory(name="Elsewhere")
    client = api(people.rep_b)
    body = client.get("/contacts", {"customer": customer.pk}).json()
    assert [row["id"] for row in body["results"]] == [buyer.pk]
    assert [row["name"] for row in client.get("/contacts", {"q": "head"}).json()["results"]] == ["Buyer"]
    row = client.get(f"/contacts/{buyer.pk}").json()
    assert row["customer"] == customer.pk
    assert (row["name"], row["name_kana"], row["title"]) == ("Buyer", "バイヤー", "Head buyer")
    assert row["version"] == 1
    assert row["web_url"] == f"http://127.0.0.1:8000/customers/{customer.pk}/#contact-{buyer.pk}"
    assert client.get("/contacts/999999").status_code == 404


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_create_permissions(people, api, role, allowed):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.get(role))
    before = counts()
    response = client.post("/contacts", {"customer": customer.pk, "name": "New", "email": "a@example.com"})
    if allowed:
        assert response.status_code == 201, response.content
        assert response.json()["customer"] == customer.pk
        assert Contact.objects.get(name="New").email == "a@example.com"
    else:
        assert response.status_code == 403
        assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No customer"}, "customer"),
        ({"customer": 999999, "name": "Unknown customer"}, "customer"),
        ({"customer": "CUSTOMER", "name": ""}, "name"),
        ({"customer": "CUSTOMER", "name": "Bad mail", "email": "not-an-email"}, "email"),
        ({"customer": "CUSTOMER"}, "name"),
    ],
)
def test_create_validation(people, api, body, field):
    customer = CustomerFactory(owner=people.owner)
    body = {key: customer.pk if value == "CUSTOMER" else value for key, value in body.items()}
    client = api(people.owner)
    before = counts()
    response = client.post("/contacts", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    assert counts() == before


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_update_permissions(people, api, role, allowed):
    contact = ContactFactory(customer=CustomerFactory(owner=people.owner), title="Before")
    client = api(people.get(role))
    before = counts()
    response = client.patch(f"/contacts/{contact.pk}", {"title": "After", "is_decision_maker": True})
    contact.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert (contact.title, contact.is_decision_maker, contact.version) == ("After", True, 2)
    else:
        assert response.status_code == 403
        assert (contact.title, contact.version) == ("Before", 1)
        assert counts() == before


def test_update_validation_and_version(people, api):
    contact = ContactFactory(customer=CustomerFactory(owner=people.owner), name="Same")
    client = api(people.owner)
    before = counts()
    for body, field in [
        ({"email": "nope"}, "email"),
        ({"name": None}, "name"),
        ({"customer": 999999}, "customer"),  # a move needs a customer that exists
    ]:
        response = client.patch(f"/contacts/{contact.pk}", body)
        assert response.status_code == 422, response.content
        assert field in detail(response)
    assert counts() == before
    assert client.patch(f"/contacts/{contact.pk}", {"name": "New", "version": 1}).status_code == 200
    stale = client.patch(f"/contacts/{contact.pk}", {"name": "Newer", "version": 1})
    assert stale.status_code == 409
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("New", 2)
    assert client.patch("/contacts/999999", {"name": "x"}).status_code == 404


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_delete_permissions(people, api, role, allowed):
    contact = ContactFactory(customer=CustomerFactory(owner=people.owner))
    client = api(people.get(role))
    before = counts()
    response = client.delete(f"/contacts/{contact.pk}")
    if allowed:
        assert response.status_code == 204
        assert not Contact.objects.filter(pk=contact.pk).exists()
    else:
        assert response.status_code == 403
        assert Contact.objects.filter(pk=contact.pk).exists()
        assert counts() == before
    assert client.delete("/contacts/999999").status_code == 404
