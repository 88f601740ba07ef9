"""Settings: preferences through ``user_update_preferences``; API tokens shown once, revocable."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from totonou.users.models import ApiToken
from totonou.users.services import api_token_authenticate, api_token_create

pytestmark = pytest.mark.django_db


def test_preferences_are_saved(client_for):
    user = UserFactory(username="hanako")
    client = client_for(user)
    response = client.post(
        reverse("web:settings"),
        {
            "display_name": "Hanako S.",
            "language": "en",
            "time_zone": "Europe/London",
            "calendar_color": "#aa3300",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.language, user.time_zone, user.calendar_color) == (
        "Hanako S.",
        "en",
        "Europe/London",
        "#aa3300",
    )
    page = client.get(reverse("web:settings")).content.decode()
    assert "Your settings are saved." in page
    assert 'class="account__name"' in page and "Hanako S." in page


def test_a_value_the_service_refuses_is_shown_on_its_field_and_nothing_is_saved(client_for):
    user = UserFactory(username="hanako")
    response = client_for(user).post(
        reverse("web:settings"),
        {"display_name": "X", "language": "", "time_zone": "Asia/Tokyo", "calendar_color": "red"},
    )
    assert response.status_code == 200
    assert b'id="id_calendar_color_errors"' in response.content
    user.refresh_from_db()
    assert user.display_name != "X"


def test_a_token_is_shown_once_and_stored_only_as_a_hash(client_for):
    user = UserFactory(username="hanako")
    client = client_for(user)
    response = client.post(reverse("web:token_create"), {"name": "Spreadsheet"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]
    assert raw and raw in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.name == "Spreadsheet"
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert api_token_authenticate(raw) == user
    again = client.get(reverse("web:settings")).content.decode()
    assert raw not in again
    assert token.prefix in again


def test_revoking_a_token(client_for):
    user = UserFactory(username="hanako")
    token, raw = api_token_create(user=user, name="Old")
    response = client_for(user).post(reverse("web:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(raw) is None


def test_nobody_revokes_someone_elses_token(client_for):
    owner = UserFactory(username="hanako")
    token, _raw = api_token_create(user=owner, name="Mine")
    response = client_for(UserFactory(username="taro")).post(reverse("web:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_links_to_the_api_docs_and_for_admins_the_admin(client_for, admin_user):
    rep_page = client_for(UserFactory(username="hanako")).get(reverse("web:settings")).content.decode()
    assert 'href="/api/v1/docs"' in rep_page
    assert reverse("admin:index") not in rep_page
    admin_page = client_for(admin_user).get(reverse("web:settings")).content.decode()
    assert f'href="{reverse("admin:index")}"' in admin_page
