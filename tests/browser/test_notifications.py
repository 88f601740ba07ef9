"""The bell and the calendar subscription in a real browser (Debian's Chromium through Playwright): a
rep reads a mention in the bell on a phone and marks it read in place (htmx), turns likes off on the
notification settings page, then gets the calendar
address on the settings page, copies it with the Copy button, and the copied URL is a feed the
``icalendar`` library reads; no horizontal overflow at 390 px, in English and Japanese."""

from __future__ import annotations

import os
import tempfile

import icalendar
import pytest
from django.test import Client

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot, settled
from tests.factories import ActivityFactory, CustomerFactory, make_team
from totonou.activities import services
from totonou.notifications.models import Notification

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-shots-")


def no_overflow(page) -> bool:
    settled(page)
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_a_rep_reads_the_bell_and_subscribes_to_the_calendar(
    live_reference_data, live_server, settings, locale
):
    settings.TOTONOU_BASE_URL = live_server.url
    _team, manager, (rep, _other) = make_team("Team A")
    manager.display_name = "Tanaka"
    manager.save()
    customer = CustomerFactory(owner=rep, name="Key Mart", is_key=True)
    activity = ActivityFactory(owner=rep, customer=customer, subject="Spring fair")
    services.comment_create(actor=manager, body=f"Please check @{rep.username}", activity=activity)
    language = locale[:2]

    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, locale=locale)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", rep.username)
            page.fill("input[name=password]", "pw")
            page.click("main form button[type=submit]")
            bell = page.locator("#notification-bell")
            expect(bell.locator(".mentions-badge__count")).to_have_text("1")
            bell.click()

            item = page.locator(".notification-item.is-unread")
            expect(item).to_have_count(1)
            expect(item).to_contain_text("Please check")
            expect(item.locator(".key-marker")).to_have_text("★")
            assert no_overflow(page)
            screenshot(page, path=f"{SHOTS}/notifications-{language}.png", full_page=True)
            item.locator(".notification-item__read button").click()  # htmx: list and bell swapped
            expect(page.locator(".notification-item.is-unread")).to_have_count(0)
            expect(page.locator("#notification-bell .mentions-badge__count")).to_have_count(0)
            assert Notification.objects.get().read_at is not None

            page.goto(f"{live_server.url}/settings/notifications/")
            page.locator("select[name=kind_like]").select_option("none")
            page.locator("main form button[type=submit]").click()
            expect(page.locator("select[name=kind_like]")).to_have_value("none")
            assert no_overflow(page)
            screenshot(page, path=f"{SHOTS}/notification-settings-{language}.png", full_page=True)

            page.goto(f"{live_server.url}/settings/")
            page.locator("#calendar-feed form button[type=submit]").click()
            address = page.locator("#calendar-feed-url")
            expect(address).to_be_visible()
            page.locator("#calendar-feed [data-copy]").click()
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied == address.input_value()
            assert copied.startswith(f"{live_server.url}/calendar/feed/") and copied.endswith(".ics")
            assert no_overflow(page)
            page.locator("#calendar-feed").screenshot(path=f"{SHOTS}/calendar-feed-{language}.png")
        finally:
            context.close()
            browser.close()

    response = Client().get(copied.removeprefix(live_server.url))
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("★ ")
    assert str(event["SUMMARY"]).endswith("Key Mart · Spring fair")
