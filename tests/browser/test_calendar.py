"""The calendar in a real browser (Debian's Chromium through Playwright): plan an activity by clicking
a slot, see the ★ of key customers in the week and month views, and move a plan by dragging it."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest

from tests.factories import ActivityFactory, CustomerFactory, DealFactory, UserFactory
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
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, *, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")  # the language switcher is a submit button too
    playwright_sync.expect(page.locator("nav.main-nav")).to_be_visible()


def future_day(days: int = 7) -> datetime.date:
    return datetime.datetime.now(TOKYO).date() + datetime.timedelta(days=days)


def future_weekday(days: int = 3) -> datetime.date:
    """A day at least ``days`` ahead that is a Monday to Saturday, so the next day is in the same
    (Monday-first) week view: a drag to "the next day" stays on the page whatever today is."""
    day = future_day(days)
    return day + datetime.timedelta(days=1) if day.weekday() == 6 else day


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TOKYO)


def test_plan_an_activity_by_clicking_a_calendar_slot(live_server, live_reference_data, browser):
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    CustomerFactory(owner=rep, name="Plain Foods", name_kana="プレーンフーズ")
    sakura = CustomerFactory(owner=rep, name="株式会社さくら", name_kana="サクラ", is_key=True)
    deal = DealFactory(customer=sakura, owner=rep, title="Spring fair")
    day = future_day()
    page = open_page(browser)
    sign_in(page, live_server.url, "rep1")

    page.goto(f"{live_server.url}/calendar/?view=week&date={day:%Y-%m-%d}")
    slot = page.locator(f'li.cal-slot[data-drop-date="{day:%Y-%m-%d}"][data-drop-hour="14"]')
    slot.locator("a.cal-slot__plan").click()

    expect(page.locator("h1")).to_have_text("New activity")
    expect(page.locator("#id_starts_at")).to_have_value(f"{day:%Y-%m-%d}T14:00")
    expect(page.locator("#id_ends_at")).to_have_value(f"{day:%Y-%m-%d}T15:00")
    expect(page.locator("button[name=_refresh]")).to_have_count(0)  # htmx searches as you type

    page.fill("#id_customer_q", "さくら")  # hiragana finds the katakana reading
    option = page.locator("#customer-options label", has_text="株式会社さくら")
    expect(page.locator("#customer-options li")).to_have_count(2)  # "no customer" and the match
    option.click()
    expect(page.locator("#id_deal option")).to_have_count(2)  # "no deal" and the customer's deal
    page.select_option("#id_deal", str(deal.pk))
    page.fill("#id_subject", "Shelf space for the fair")
    page.click(".activity-form button.button--primary")

    expect(page).to_have_url(re.compile(r"/calendar/\?view=week"))
    expect(page.locator(".message--success")).to_have_text(re.compile("Activity planned"))
    item = page.locator("#calendar li.cal-item", has_text="Shelf space for the fair")
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\bis-key\b"))
    activity = Activity.objects.get(subject="Shelf space for the fair")
    assert (activity.owner, activity.customer, activity.deal) == (rep, sakura, deal)
    assert activity.status == Activity.Status.PLANNED
    assert activity.starts_at == at(day, 14)
    slot = page.locator(f'li.cal-slot[data-drop-date="{day:%Y-%m-%d}"][data-drop-hour="14"]')
    expect(slot.locator(f'li[data-activity="{activity.pk}"]')).to_have_count(1)


def test_planning_next_week_from_this_week_lands_on_the_plan(live_server, live_reference_data, browser):
    """From this week's calendar, a plan moved to next week in the form: back on the calendar it is next
    week that shows, with the new plan highlighted, and the message links to it."""
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    CustomerFactory(owner=rep, name="Plain Foods", name_kana="プレーンフーズ")
    today = datetime.datetime.now(TOKYO).date()
    page = open_page(browser)
    sign_in(page, live_server.url, "rep1")
    page.goto(f"{live_server.url}/calendar/?view=week")
    page.locator("a.cal-slot__plan").first.click()
    expect(page.locator("h1")).to_have_text("New activity")
    next_week = today + datetime.timedelta(days=7)
    page.check("input[name=mode][value=plan]")  # the first slot may be in the past (a result)
    page.fill("#id_starts_at", f"{next_week:%Y-%m-%d}T10:00")
    page.fill("#id_ends_at", f"{next_week:%Y-%m-%d}T11:00")
    page.fill("#id_subject", "Next week's visit")
    page.click(".activity-form button.button--primary")

    expect(page).to_have_url(re.compile(rf"date={next_week:%Y-%m-%d}&highlight=\d+$"))
    activity = Activity.objects.get(subject="Next week's visit")
    assert page.url.endswith(f"&highlight={activity.pk}")
    item = page.locator(f'#calendar li.cal-item[data-activity="{activity.pk}"]')
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\bis-highlighted\b"))
    link = page.locator(".message--success a")
    expect(link).to_have_text("Open the activity")
    link.click()
    expect(page).to_have_url(f"{live_server.url}/activities/{activity.pk}/")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_star_marks_key_customers_in_the_week_and_month_views(
    live_server, live_reference_data, browser, width
):
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    key = ActivityFactory(
        owner=rep,
        customer=CustomerFactory(owner=rep, name="Key Mart", is_key=True),
        starts_at=at(future_day(), 10),
    )
    plain = ActivityFactory(
        owner=rep, customer=CustomerFactory(owner=rep, name="Plain Foods"), starts_at=at(future_day(), 13)
    )
    page = open_page(browser, width=width)
    sign_in(page, live_server.url, "rep1")
    for view in ("week", "month"):
        page.goto(f"{live_server.url}/calendar/?view={view}&date={future_day():%Y-%m-%d}")
        key_item = page.locator(f'li[data-activity="{key.pk}"]')
        plain_item = page.locator(f'li[data-activity="{plain.pk}"]')
        expect(key_item).to_be_visible()
        expect(plain_item).to_be_visible()
        expect(key_item).to_have_class(re.compile(r"\bis-key\b"))
        marker = key_item.get_by_role("img", name="Key customer")
        expect(marker).to_have_text("★")
        expect(marker).to_be_visible()
        expect(plain_item).not_to_have_class(re.compile(r"\bis-key\b"))
        expect(plain_item.locator(".key-marker")).to_have_count(0)
        assert "★" not in plain_item.inner_text()


def test_move_a_plan_by_dragging_it(live_server, live_reference_data, browser):
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    customer = CustomerFactory(owner=rep, name="Key Mart", is_key=True)
    day = future_weekday(3)
    activity = ActivityFactory(owner=rep, customer=customer, subject="Tasting", starts_at=at(day, 10, 30))
    original = activity.starts_at
    page = open_page(browser)
    sign_in(page, live_server.url, "rep1")
    page.goto(f"{live_server.url}/calendar/?view=week&date={day:%Y-%m-%d}")

    item = page.locator(f'li[data-activity="{activity.pk}"]')
    expect(item).to_have_attribute("draggable", "true")
    target_day = day + datetime.timedelta(days=1)
    target = page.locator(f'li.cal-slot[data-drop-date="{target_day:%Y-%m-%d}"][data-drop-hour="15"]')
    item.drag_to(target)

    expect(page.locator("#messages .message--success")).to_have_text(re.compile("moved"))
    expect(target.locator(f'li[data-activity="{activity.pk}"]')).to_have_count(1)  # the view refreshed
    activity.refresh_from_db()
    assert activity.starts_at == at(target_day, 15, 30)  # the hour dropped on, the minutes kept
    assert activity.ends_at == at(target_day, 16, 30)
    assert activity.original_starts_at == original
    assert activity.is_moved


def test_a_failed_move_shows_why_and_leaves_the_plan_where_it_was(live_server, live_reference_data, browser):
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    day = future_day(3)
    activity = ActivityFactory(owner=rep, subject="Tasting", starts_at=at(day, 10))
    page = open_page(browser)
    sign_in(page, live_server.url, "rep1")
    page.goto(f"{live_server.url}/calendar/?view=week&date={day:%Y-%m-%d}")
    # Someone else changes the plan after the page was loaded: the page's version is stale.
    Activity.objects.filter(pk=activity.pk).update(version=2, subject="Changed elsewhere")

    item = page.locator(f'li[data-activity="{activity.pk}"]')
    target = page.locator(f'li.cal-slot[data-drop-date="{day:%Y-%m-%d}"][data-drop-hour="16"]')
    item.drag_to(target)

    expect(page.locator("#messages .message--error")).to_have_text(re.compile("changed by someone else"))
    home = page.locator(f'li.cal-slot[data-drop-date="{day:%Y-%m-%d}"][data-drop-hour="10"]')
    expect(home.locator(f'li[data-activity="{activity.pk}"]')).to_have_count(1)
    activity.refresh_from_db()
    assert activity.starts_at == at(day, 10)
