"""A rep on a phone records results from My day: a missed plan becomes "done" with notes and leaves the
waiting list, another is cancelled with a reason; the page is never reloaded (htmx swaps each item)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser_support import PHONE, chromium_page
from tests.factories import ActivityFactory, CustomerFactory, UserFactory
from totonou.activities.models import Activity

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone():
    with chromium_page(viewport=PHONE) as page:
        yield page


def days_ago(days: int) -> datetime.datetime:
    local = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    return local - datetime.timedelta(days=days)


def test_rep_records_results_of_missed_plans_from_my_day(live_server, live_reference_data, phone, settings):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")  # password "pw"
    key_mart = CustomerFactory(owner=rep, name="Key Mart", is_key=True)
    plain = CustomerFactory(owner=rep, name="Plain Foods")
    visit = ActivityFactory(owner=rep, customer=key_mart, starts_at=days_ago(2), subject="Tasting")
    call = ActivityFactory(owner=rep, customer=plain, starts_at=days_ago(1), subject="Price call")
    page = phone

    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "rep1")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")

    waiting = page.locator("section.my-day__overdue")
    expect(waiting.locator("#waiting-count")).to_have_text("2")
    item = page.locator(f"#waiting-{visit.pk}")
    expect(item.locator("li.activity")).to_have_class("activity activity--planned is-key is-overdue")

    # Done, with notes: open "Done", type, save. Only this item is swapped.
    page.evaluate("window.__not_reloaded = true")
    item.locator("summary", has_text="Done").click()
    notes = item.get_by_label("Result notes")
    expect(notes).to_be_visible()
    notes.fill("Ordered 20 cases for the spring fair")
    item.get_by_role("button", name="Save as done").click()

    expect(item.locator(".plan-item__result")).to_contain_text("recorded as done")
    expect(item.locator("form")).to_have_count(0)
    expect(item.locator("li.activity")).to_have_count(0)  # it left the waiting list
    expect(waiting.locator("#waiting-count")).to_have_text("1")
    assert page.evaluate("window.__not_reloaded") is True
    visit.refresh_from_db()
    assert visit.status == Activity.Status.DONE
    assert visit.notes == "Ordered 20 cases for the spring fair"

    # A move the server refuses (the end before the start) keeps its panel open with the error.
    other = page.locator(f"#waiting-{call.pk}")
    other.locator("summary", has_text="Move").click()
    other.get_by_label("New start").fill("2030-05-13T10:00")
    other.get_by_label("New end").fill("2030-05-13T09:00")
    other.get_by_role("button", name="Move to this time").click()
    expect(other.locator(".field__errors")).to_have_text("The end must not be before the start.")
    expect(other.get_by_label("New end")).to_be_visible()
    expect(other.locator("summary", has_text="Move")).to_be_focused()
    call.refresh_from_db()
    assert call.starts_at == days_ago(1)

    # Cancel it instead: the reason is required.
    other.locator("summary", has_text="Cancel").click()
    other.get_by_label("Reason").fill("The buyer moved to another store")
    other.get_by_role("button", name="Cancel the activity").click()
    expect(other.locator(".plan-item__result")).to_contain_text("cancelled")
    expect(waiting.locator("#waiting-count")).to_have_text("0")
    call.refresh_from_db()
    assert (call.status, call.cancel_reason) == (
        Activity.Status.CANCELLED,
        "The buyer moved to another store",
    )

    # After a reload the waiting list is empty.
    page.reload()
    expect(page.locator("section.my-day__overdue .empty")).to_have_text("Nothing is waiting. Well done.")
