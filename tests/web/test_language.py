"""The language switcher: saved on the user, set in the cookie, the next page in that language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_switching_language_is_stored_on_the_user_and_changes_the_next_page(client_for):
    user = UserFactory(username="hanako")
    client = client_for(user)
    assert '<html lang="en">' in client.get(reverse("activities:feed")).content.decode()

    response = client.post(
        reverse("web:set_language"), {"language": "ja", "next": reverse("activities:feed")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("activities:feed")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    user.refresh_from_db()
    assert user.language == "ja"
    html = client.get(reverse("activities:feed")).content.decode()
    assert '<html lang="ja">' in html
    assert 'value="ja" lang="ja" aria-pressed="true"' in html

    client.post(reverse("web:set_language"), {"language": "en", "next": reverse("web:home")})
    user.refresh_from_db()
    assert user.language == "en"
    assert '<html lang="en">' in client.get(reverse("web:home")).content.decode()


def test_the_stored_language_follows_the_user_to_a_new_browser(client_for):
    user = UserFactory(username="hanako", language="ja")
    assert '<html lang="ja">' in client_for(user).get(reverse("web:home")).content.decode()


def test_anonymous_switch_sets_only_the_cookie(client):
    response = client.post(reverse("web:set_language"), {"language": "ja", "next": reverse("login")})
    assert response["Location"] == reverse("login")
    assert '<html lang="ja">' in client.get(reverse("login")).content.decode()


def test_unknown_language_is_refused(client_for):
    user = UserFactory(username="hanako")
    response = client_for(user).post(reverse("web:set_language"), {"language": "fr"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.language == ""


def test_switcher_never_redirects_off_site(client_for):
    client = client_for(UserFactory(username="hanako"))
    response = client.post(reverse("web:set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:home")
