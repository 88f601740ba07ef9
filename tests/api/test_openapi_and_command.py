"""The OpenAPI schema, the docs page and the ``createtoken`` command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.api.conftest import API
from tests.factories import UserFactory
from totonou.users.models import ApiToken
from totonou.users.services import api_token_authenticate

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/users",
    "/api/v1/users/{user_id}",
    "/api/v1/teams",
    "/api/v1/teams/{team_id}",
    "/api/v1/segments",
    "/api/v1/segments/{segment_id}",
    "/api/v1/customers",
    "/api/v1/customers/{customer_id}",
    "/api/v1/contacts",
    "/api/v1/contacts/{contact_id}",
    "/api/v1/stages",
    "/api/v1/stages/{stage_id}",
    "/api/v1/loss-reasons",
    "/api/v1/loss-reasons/{loss_reason_id}",
    "/api/v1/deals",
    "/api/v1/deals/{deal_id}",
    "/api/v1/deals/{deal_id}/stage",
    "/api/v1/deals/{deal_id}/archive",
    "/api/v1/deals/{deal_id}/restore",
    "/api/v1/activity-types",
    "/api/v1/activity-types/{type_key}",
    "/api/v1/activities",
    "/api/v1/activities/{activity_id}",
    "/api/v1/activities/{activity_id}/complete",
    "/api/v1/activities/{activity_id}/reschedule",
    "/api/v1/activities/{activity_id}/cancel",
}


def test_openapi_schema_lists_every_path():
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Totonou API"
    assert set(schema["paths"]) >= PATHS
    assert set(schema["paths"]["/api/v1/customers/{customer_id}"]) == {"get", "patch", "delete"}
    assert set(schema["paths"]["/api/v1/activities"]) == {"get", "post"}
    security = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in security.values()} == {"http", "apiKey"}
    activity = schema["components"]["schemas"]["ActivityOut"]["properties"]
    assert {"type", "contacts", "is_key_customer", "web_url", "version"} <= set(activity)


def test_docs_page_uses_bundled_assets():
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page


def test_createtoken_prints_one_working_token():
    user = UserFactory(username="tokenuser")
    out = StringIO()
    call_command("createtoken", "tokenuser", "--name", "laptop", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    raw = lines[0]
    assert api_token_authenticate(raw) == user
    assert ApiToken.objects.get(user=user).name == "laptop"
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/users/{user.pk}")
    assert response.status_code == 200


def test_createtoken_tokens_differ():
    UserFactory(username="twice")
    first, second = StringIO(), StringIO()
    call_command("createtoken", "twice", stdout=first)
    call_command("createtoken", "twice", stdout=second)
    assert first.getvalue() != second.getvalue()
    assert ApiToken.objects.filter(user__username="twice").count() == 2


def test_createtoken_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="nobody"):
        call_command("createtoken", "nobody", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_createtoken_inactive_user_is_an_error():
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError):
        call_command("createtoken", "gone", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_createtoken_name_too_long_is_an_error():
    UserFactory(username="longname")
    with pytest.raises(CommandError):
        call_command("createtoken", "longname", "--name", "x" * 101, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_url_names_are_stable():
    """Other code (the benchmark, the UI's scripts) reverses these names."""
    assert reverse("api:activity_list") == reverse("api:activity_create") == "/api/v1/activities"
    assert reverse("api:activity_complete", args=[7]) == "/api/v1/activities/7/complete"
    for resource in ("segment", "customer", "contact", "deal", "activity"):
        assert reverse(f"api:{resource}_list") == reverse(f"api:{resource}_create")
        detail_url = reverse(f"api:{resource}_detail", args=[1])
        assert (
            detail_url
            == reverse(f"api:{resource}_update", args=[1])
            == reverse(f"api:{resource}_delete", args=[1])
        )
    for resource in ("user", "team", "stage", "loss_reason", "activity_type"):
        assert reverse(f"api:{resource}_list").startswith("/api/v1/")
        assert reverse(f"api:{resource}_detail", args=[1]).endswith("/1")
