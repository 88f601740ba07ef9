"""A rep on a phone types a two-character Japanese word into the header's search box and opens the
matching activity from the highlighted results."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.browser_support import PHONE, chromium_page, screenshot, settled
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
        settled(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        hits.locator("a").click()
        expect(page).to_have_url(f"{live_server.url}/activities/{quote.pk}/")


@pytest.mark.parametrize(("language", "viewport"), [("ja", PHONE), ("en", {"width": 1024, "height": 800})])
def test_activity_hits_are_cards_without_overflow(
    live_server, live_reference_data, settings, language, viewport
):
    """A key customer's activity and one without subject, found by a word in their notes: each shows as a
    card (status symbol and word, ★ with its label, customer, type, owner, what the date means) on a phone
    and on a desktop, in Japanese and English, with nothing wider than the screen."""
    import tempfile

    from tests.factories import CustomerFactory
    from totonou.activities.services import activity_complete

    settings.LANGUAGE_CODE = language
    rep = UserFactory(username="rep1", display_name="佐藤 花子", language=language)
    key = CustomerFactory(
        owner=rep, name="株式会社とても長い名前のスーパーマーケットチェーン本部", is_key=True
    )
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    visit = ActivityType.objects.get(slug="visit")
    done = activity_create(
        actor=rep,
        type=visit,
        customer=key,
        starts_at=start,
        ends_at=start,
        subject="定例訪問",
        notes="見積を依頼",
    )
    activity_complete(actor=rep, activity=done)
    bare = activity_create(actor=rep, type=visit, starts_at=start, ends_at=start, notes="社内で見積の確認")
    shots = tempfile.mkdtemp(prefix="search-cards-")
    with chromium_page(viewport=viewport) as page:
        page.goto(f"{live_server.url}/")
        page.fill("input[name=username]", "rep1")
        page.fill("input[name=password]", "pw")
        page.click("main form button[type=submit]")
        page.goto(f"{live_server.url}/search?q=%E8%A6%8B%E7%A9%8D")
        card = page.locator(f'[data-activity="{done.pk}"]')
        playwright_sync.expect(card).to_have_class(re.compile(r"\bis-key\b"))
        label = "重点顧客" if language == "ja" else "Key customer"
        playwright_sync.expect(card.locator(f'.key-marker[aria-label="{label}"]')).to_be_visible()
        playwright_sync.expect(card.locator(".status-badge")).to_contain_text(
            "完了" if language == "ja" else "Done"
        )
        playwright_sync.expect(card.locator(".search-card__when")).to_contain_text(
            "実施" if language == "ja" else "Done on"
        )
        other = page.locator(f'[data-activity="{bare.pk}"] .search-hit__title')
        internal = "社内業務" if language == "ja" else "Internal work"
        playwright_sync.expect(other).to_contain_text(internal)
        screenshot(page, path=f"{shots}/search-{language}-{viewport['width']}.png", full_page=True)
        # the results (the header's own width is the header's test)
        settled(page)
        widest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('#search-results, #search-results *')]"
            ".map(e => e.getBoundingClientRect().right))"
        )
        assert widest <= viewport["width"]
