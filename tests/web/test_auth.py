"""Sign-in and sign-out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders_for_anonymous_users(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert 'name="language" value="en"' in html  # the switcher works before signing in
    assert 'class="main-nav"' not in html  # no navigation before signing in


def test_sign_in_with_the_right_password_opens_my_day(client):
    UserFactory(username="hanako")  # password "pw"
    response = client.post(reverse("login"), {"username": "hanako", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    page = client.get(reverse("web:home"))
    assert page.status_code == 200
    assert b"Log an activity" in page.content


def test_sign_in_returns_to_the_page_asked_for(client):
    UserFactory(username="hanako")
    response = client.post(
        reverse("login"), {"username": "hanako", "password": "pw", "next": reverse("activities:feed")}
    )
    assert response["Location"] == reverse("activities:feed")


def test_wrong_password_shows_an_error_and_signs_nobody_in(client):
    UserFactory(username="hanako")
    response = client.post(reverse("login"), {"username": "hanako", "password": "wrong"})
    assert response.status_code == 200
    assert b'class="form-errors" role="alert"' in response.content
    assert client.get(reverse("web:home")).status_code == 302


def test_sign_out_needs_a_post(client_for):
    client = client_for(UserFactory(username="hanako"))
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("web:home")).status_code == 302
