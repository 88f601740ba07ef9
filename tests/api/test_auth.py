"""Authentication: bearer tokens and the browser session (with CSRF), 401 for everything else."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import API, counts, detail
from tests.factories import CustomerFactory
from totonou.customers.models import Customer
from totonou.users.models import ApiToken

pytestmark = pytest.mark.django_db

# Every endpoint, with ids that need not exist: authentication comes before any lookup.
ENDPOINTS = [
    ("get", "/users"),
    ("get", "/users/1"),
    ("get", "/teams"),
    ("get", "/teams/1"),
    ("get", "/segments"),
    ("get", "/segments/1"),
    ("post", "/segments"),
    ("patch", "/segments/1"),
    ("delete", "/segments/1"),
    ("get", "/customers"),
    ("get", "/customers/1"),
    ("post", "/customers"),
    ("patch", "/customers/1"),
    ("delete", "/customers/1"),
    ("get", "/contacts"),
    ("get", "/contacts/1"),
    ("post", "/contacts"),
    ("patch", "/contacts/1"),
    ("delete", "/contacts/1"),
    ("get", "/stages"),
    ("get", "/stages/1"),
    ("get", "/loss-reasons"),
    ("get", "/loss-reasons/1"),
    ("get", "/deals"),
    ("get", "/deals/1"),
    ("post", "/deals"),
    ("patch", "/deals/1"),
    ("delete", "/deals/1"),
    ("get", "/activity-types"),
    ("get", "/activity-types/visit"),
    ("get", "/activities"),
    ("get", "/activities/1"),
    ("post", "/activities"),
    ("patch", "/activities/1"),
    ("delete", "/activities/1"),
    ("post", "/activities/1/complete"),
    ("post", "/activities/1/reschedule"),
    ("post", "/activities/1/cancel"),
]


def _call(client: Client, method: str, path: str):
    if method in {"post", "patch"}:
        return getattr(client, method)(API + path, json.dumps({}), content_type="application/json")
    return getattr(client, method)(API + path)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_needs_credentials(method, path):
    before = counts()
    response = _call(Client(), method, path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert isinstance(detail(response), str)
    assert counts() == before


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_bad_token(method, path):
    before = counts()
    response = _call(Client(headers={"Authorization": "Bearer tot_not-a-real-token"}), method, path)
    assert response.status_code == 401
    assert isinstance(detail(response), str)
    assert counts() == before


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer nonsense", "Token tot_abc", "Basic dXNlcjpwdw==", "tot_abc"]
)
def test_malformed_authorization_headers_are_401(header):
    response = Client(headers={"Authorization": header}).get(f"{API}/customers")
    assert response.status_code == 401


def test_a_valid_token_authenticates(people, api):
    response = api(people.owner).get("/users/" + str(people.owner.pk))
    assert response.status_code == 200
    assert response.json()["username"] == people.owner.username


def test_a_revoked_token_is_401(people, token_for):
    raw = token_for(people.owner)
    ApiToken.objects.filter(user=people.owner).update(revoked_at=timezone.now())
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/customers")
    assert response.status_code == 401


def test_an_inactive_users_token_is_401(people, token_for):
    raw = token_for(people.owner)
    people.owner.is_active = False
    people.owner.save(update_fields=["is_active"])
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/customers")
    assert response.status_code == 401


def test_a_bad_token_is_401_even_with_a_session(people):
    client = Client(headers={"Authorization": "Bearer tot_wrong"})
    client.force_login(people.owner)
    assert client.get(f"{API}/customers").status_code == 401


# --- Session ----------------------------------------------------------------------------------------


def test_session_reads_without_csrf(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.owner)
    response = client.get(f"{API}/customers")
    assert response.status_code == 200


def test_session_post_without_csrf_token_is_rejected(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.owner)
    before = counts()
    response = client.post(f"{API}/customers", json.dumps({"name": "CSRF"}), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in detail(response)
    assert counts() == before
    assert not Customer.objects.filter(name="CSRF").exists()


def test_session_patch_and_delete_without_csrf_token_are_rejected(people):
    customer = CustomerFactory(owner=people.owner, name="Before")
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.owner)
    before = counts()
    response = client.patch(
        f"{API}/customers/{customer.pk}", json.dumps({"name": "After"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert client.delete(f"{API}/customers/{customer.pk}").status_code == 403
    assert counts() == before
    customer.refresh_from_db()
    assert customer.name == "Before"


def test_session_post_with_csrf_token_is_accepted(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.owner)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.post(
        f"{API}/customers",
        json.dumps({"name": "With CSRF"}),
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get(name="With CSRF").owner == people.owner


def test_bearer_token_needs_no_csrf(people, token_for):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_for(people.owner)}"})
    response = client.post(f"{API}/customers", json.dumps({"name": "Token"}), content_type="application/json")
    assert response.status_code == 201


def test_token_use_is_recorded(people, token_for):
    raw = token_for(people.owner)
    Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/customers")
    assert ApiToken.objects.get(user=people.owner).last_used_at is not None


def test_datetimes_follow_the_token_users_time_zone(people, api):
    people.owner.time_zone = "UTC"
    people.owner.save(update_fields=["time_zone"])
    customer = CustomerFactory(owner=people.owner)
    created = api(people.owner).get(f"/customers/{customer.pk}").json()["created_at"]
    assert created.endswith("+00:00")
    people.owner.time_zone = "Asia/Tokyo"
    people.owner.save(update_fields=["time_zone"])
    assert api(people.owner).get(f"/customers/{customer.pk}").json()["created_at"].endswith("+09:00")
