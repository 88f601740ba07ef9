"""Sign-in throttling (django-axes, issue 19 item 4): after ``AXES_FAILURE_LIMIT`` failed sign-ins for one
username (from any address) or from one address (for any username) the right password is refused too,
with a translated message on the sign-in page, until an admin unlocks it or the cool-off passes."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings

from tests.factories import UserFactory
from totonou.core.request import client_ip
from totonou.users.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LIMIT = 10  # the default TOTONOU_SIGNIN_FAILURE_LIMIT
LOCKED = (
    "Sign-in is locked after too many failed attempts for this account or from this network. "
    "Try again in 15 minutes, or ask an administrator to unlock it."
)


def sign_in(username: str, password: str, address: str = "192.0.2.1", language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language}, REMOTE_ADDR=address)
    client.response = client.post(LOGIN, {"username": username, "password": password})  # type: ignore[attr-defined]
    return client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def rep() -> User:
    return UserFactory(username="sato", password="right-password")


def test_the_settings_throttle_per_account_and_per_address():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert (
        LIMIT,
        datetime.timedelta(minutes=15),
    ) == (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)


def test_below_the_limit_the_right_password_works(rep):
    for _attempt in range(LIMIT - 1):
        client = sign_in("sato", "wrong")
        assert client.response.status_code == 200  # the form again
        assert not signed_in(client)
    client = sign_in("sato", "right-password")
    assert client.response.status_code == 302
    assert signed_in(client)


def test_wrong_passwords_for_one_account_from_many_addresses_lock_it(rep):
    """The attack the issue ran (60 wrong passwords, then the right one), spread over addresses."""
    for attempt in range(LIMIT):
        assert not signed_in(sign_in("sato", f"guess-{attempt}", address=f"198.51.100.{attempt + 1}"))
    client = sign_in("sato", "right-password", address="203.0.113.7")
    response = client.response
    assert response.status_code == 429
    assert not signed_in(client)
    html = response.content.decode()
    assert LOCKED in html
    assert 'id="signin-locked"' in html and 'role="alert"' in html
    assert 'name="username"' in html and 'value="sato"' in html  # the sign-in form again
    assert response["Retry-After"] == "900"
    # another account from a fresh address is not affected
    UserFactory(username="suzuki", password="other-password")
    assert signed_in(sign_in("suzuki", "other-password", address="203.0.113.8"))

    # an admin unlocks the account from the command line
    call_command("axes_reset_username", "sato", verbosity=0)
    assert signed_in(sign_in("sato", "right-password", address="203.0.113.7"))


def test_wrong_passwords_from_one_address_lock_the_address(rep):
    for attempt in range(LIMIT):
        sign_in(f"nobody{attempt}", "wrong", address="198.51.100.50")
    client = sign_in("sato", "right-password", address="198.51.100.50")
    assert client.response.status_code == 429
    assert not signed_in(client)
    # the account itself is not locked: from another address the right password works
    assert signed_in(sign_in("sato", "right-password", address="198.51.100.51"))
    call_command("axes_reset_ip", "198.51.100.50", verbosity=0)
    assert signed_in(sign_in("sato", "right-password", address="198.51.100.50"))


def test_the_message_is_translated(rep):
    for attempt in range(LIMIT):
        sign_in("sato", "wrong", address=f"198.51.100.{attempt + 1}")
    client = sign_in("sato", "right-password", language="ja")
    assert client.response.status_code == 429
    html = client.response.content.decode()
    assert "ログインが一時的にロックされています" in html
    assert "15 分後" in html
    assert 'lang="ja"' in html


def test_the_lock_ends_after_the_cool_off(rep):
    for attempt in range(LIMIT):
        sign_in("sato", "wrong", address=f"198.51.100.{attempt + 1}")
    assert sign_in("sato", "right-password").response.status_code == 429
    # 16 minutes later (the attempts are as old as their last failure)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    assert signed_in(sign_in("sato", "right-password"))


def test_an_admin_unlocks_in_the_django_admin(rep, admin_user):
    for attempt in range(LIMIT):
        sign_in("sato", "wrong", address=f"198.51.100.{attempt + 1}")
    assert sign_in("sato", "right-password").response.status_code == 429
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "sato" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.filter(username="sato").values_list("pk", flat=True)]
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="sato").exists()
    assert signed_in(sign_in("sato", "right-password"))


def test_an_admin_unlocks_on_the_users_settings_page(rep, admin_user):
    from totonou.core.models import AuditEntry

    admin = Client(headers={"Accept-Language": "en"})
    admin.force_login(admin_user)
    page = f"/settings/users/{rep.pk}/"
    assert 'id="signin-unlock"' not in admin.get(page).content.decode()  # nothing to unlock
    for attempt in range(LIMIT):
        sign_in("sato", "wrong", address=f"198.51.100.{attempt + 1}")
    assert sign_in("sato", "right-password").response.status_code == 429
    html = admin.get(page).content.decode()
    assert 'id="signin-unlock"' in html
    assert "Sign-in is locked after too many failed attempts." in html

    # a manager or the user may not unlock
    manager = UserFactory(username="boss", role=User.Role.MANAGER)
    for user in (manager, rep):
        other = Client()
        other.force_login(user)
        assert other.post(f"/settings/users/{rep.pk}/unlock/").status_code == 403
    assert sign_in("sato", "right-password").response.status_code == 429

    response = admin.post(f"/settings/users/{rep.pk}/unlock/", follow=True)
    assert response.redirect_chain == [(page, 302)]
    assert "Sato can sign in again." in response.content.decode()
    assert 'id="signin-unlock"' not in response.content.decode()
    entry = AuditEntry.objects.filter(action="update", object_id=str(rep.pk)).latest("pk")
    assert entry.changes == {"signin_lock": ["locked", ""]}
    assert signed_in(sign_in("sato", "right-password"))


def test_a_rep_with_the_staff_flag_does_not_see_the_attempts():
    staff_rep = UserFactory(username="staffrep", role=User.Role.REP, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff_rep)
    assert client.get("/admin/axes/accessattempt/").status_code == 403


def test_the_admin_sign_in_page_is_throttled_too(admin_user):
    admin_user.set_password("admin-password")
    admin_user.save()
    for _attempt in range(LIMIT):
        Client(REMOTE_ADDR="198.51.100.9").post(
            "/admin/login/", {"username": admin_user.username, "password": "wrong"}
        )
    client = Client(REMOTE_ADDR="198.51.100.10")
    response = client.post("/admin/login/", {"username": admin_user.username, "password": "admin-password"})
    assert response.status_code == 429
    assert not signed_in(client)


def test_failed_attempts_store_no_password(rep):
    sign_in("sato", "my-secret-guess")
    attempt = AccessAttempt.objects.get()
    assert "my-secret-guess" not in attempt.post_data
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("sato", "192.0.2.1", 1)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),  # no proxy: the header is the client's word
        (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # a spoofed entry on the left is ignored
        (2, "10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.3", "203.0.113.9"),
        (1, "10.0.0.2", "", "10.0.0.2"),  # the proxy sent no header
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(proxies, remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TOTONOU_TRUSTED_PROXIES=proxies):
        assert client_ip(request) == expected


@override_settings(TOTONOU_TRUSTED_PROXIES=1)
def test_behind_a_proxy_each_client_is_counted_on_its_own(rep):
    """Every request comes from the proxy's address: without the setting one user's typos would lock all."""
    for attempt in range(LIMIT):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.77").post(
            LOGIN, {"username": f"nobody{attempt}", "password": "wrong"}
        )
    locked = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert locked.post(LOGIN, {"username": "sato", "password": "right-password"}).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.78")
    assert other.post(LOGIN, {"username": "sato", "password": "right-password"}).status_code == 302
