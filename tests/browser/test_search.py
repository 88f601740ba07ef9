"""A rep on a phone types a two-character Japanese word into the header's search box and opens the
matching activity from the highlighted results."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser_support import PHONE, chromium_page
from tests.factories import UserFactory
from totonou.activities.models import ActivityType
from totonou.activities.services import activity_create

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_the_header_on_a_phone(live_server, live_reference_data, settings):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    rep = UserFactory(username="rep1", display_name="Sato", language="en")  # password "pw"
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    visit = ActivityType.objects.get(slug="visit")
    quote = activity_create(
        actor=rep, type=visit, starts_at=start, ends_at=start, subject="定例訪問", notes="見積を依頼された"
    )
    activity_create(actor=rep, type=visit, starts_at=start, ends_at=start, subject="Lunch", notes="雑談のみ")
    with chromium_page(viewport=PHONE) as page:
        page.goto(f"{live_server.url}/")
        page.fill("input[name=username]", "rep1")
        page.fill("input[name=password]", "pw")
        page.click("main form button[type=submit]")
        box = page.locator("#site-search-q")
        expect(box).to_be_visible()
        box.fill("見積")
        box.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/search?q=%E8%A6%8B%E7%A9%8D")
        hits = page.locator(".search-hit")
        expect(hits).to_have_count(1)
        expect(hits.locator("mark")).to_have_text("見積")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        hits.locator("a").click()
        expect(page).to_have_url(f"{live_server.url}/activities/{quote.pk}/")
