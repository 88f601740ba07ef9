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


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium. Without it they are skipped locally, but CI
    (TOTONOU_REQUIRE_BROWSER=1) fails instead, so a missing install step cannot hide."""
    import os
    import shutil

    if shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
        return
    required = os.environ.get("TOTONOU_REQUIRE_BROWSER") == "1"
    for item in items:
        if "browser" in item.keywords:
            if required:
                item.add_marker(pytest.mark.xfail(reason="chromium missing", strict=True, run=False))
            else:
                item.add_marker(
                    pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
                )


# The reference rows the data migrations seed (activity types, stages, loss reasons). A transactional
# test's flush removes them, so transactional tests seed them first and again after themselves.
SEEDING_MIGRATIONS = (
    "totonou.activities.migrations.0005_seed_types_and_deal_trigger",
    "totonou.deals.migrations.0003_seed_stages",
)


def seed_reference_data() -> None:
    import importlib

    from django.apps import apps

    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def transactional_reference_data(transactional_db):
    """For tests whose code commits or closes connections (the worker, live servers): a real
    transactional database with the reference rows present before and restored after."""
    seed_reference_data()
    yield
    seed_reference_data()


@pytest.fixture
def live_reference_data(transactional_db, monkeypatch):
    """For tests against ``live_server`` (browser tests): reference rows present, and Django's
    async-safety check off because Playwright's sync API runs an event loop in this thread (set
    first: another fixture may already have started Playwright)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    seed_reference_data()
    yield
    seed_reference_data()
