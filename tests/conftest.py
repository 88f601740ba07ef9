from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_team
from totonou.users.models import User
from totonou.users.services import api_token_create


@pytest.fixture
def team_a(db):
    """Team A: a manager and reps rep_a1, rep_a2."""
    return make_team("Team A")


@pytest.fixture
def team_b(db):
    return make_team("Team B")


@pytest.fixture
def admin_user(db) -> User:
    from tests.factories import UserFactory

    return UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def token_for(db):
    """Returns a function giving a raw bearer token for a user."""

    def make(user: User) -> str:
        return api_token_create(user=user, name="test")[1]

    return make


@pytest.fixture
def api_client(token_for):
    """A Django test client that sends a bearer token for the given user."""

    def make(user: User) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(user)}"})

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is for production; tests hash many demo passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English; tests of Japanese output override this themselves."""
    from django.utils import translation

    with translation.override("en"):
        yield
