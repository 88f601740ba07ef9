"""A real browser (Debian's Chromium through Playwright) on a phone-sized screen: sign in as a rep,
see My day, log an activity with the quick form, switch to English and see the English navigation."""

from __future__ import annotations

import pytest

from tests.factories import CustomerFactory, UserFactory
from totonou.activities.models import Activity

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page():
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_rep_signs_in_logs_an_activity_and_switches_to_english(
    live_server, live_reference_data, browser_page, settings
):
    settings.LANGUAGE_CODE = "ja"
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="ja")  # password "pw"
    customer = CustomerFactory(owner=rep, name="Key Mart", is_key=True)
    page = browser_page

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.fill("input[name=username]", "rep1")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#my-day")).to_be_visible()
    expect(page.locator("nav.main-nav")).to_be_visible()

    page.select_option("select[name=customer]", str(customer.pk))
    page.fill("textarea[name=notes]", "Tasting went well")
    page.click(".quick-log button[type=submit]")  # htmx swaps the My day panel in place

    expect(page.locator("#my-day .message--success")).to_be_visible()
    item = page.locator("#my-day li.activity", has_text="Key Mart")
    expect(item).to_have_count(1)
    expect(item).to_have_class("activity activity--done is-key")
    expect(item.locator(".key-marker")).to_have_text("★")
    assert Activity.objects.filter(owner=rep, customer=customer, notes="Tasting went well").count() == 1

    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.locator("nav.main-nav")
    for label in ("My day", "Calendar", "Feed", "Customers", "Deals"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    nav.locator(".nav-more__toggle").click()  # on a phone the other pages are under "More"
    for label in ("Pipeline", "Insights", "Targets", "Weekly report", "Settings"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    nav.locator(".nav-more__toggle").click()
    expect(nav.get_by_role("link", name="My day")).to_have_attribute("aria-current", "page")
    rep.refresh_from_db()
    assert rep.language == "en"
