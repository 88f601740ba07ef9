"""The tab bar reaches every page at every width: on a phone five tabs and "More" (the other five in its
panel), none cut off at the screen's edge; from 720 px every page has its own tab. My day's progress
card fits a phone (each metric's month and quarter side by side, named by their period)."""

from __future__ import annotations

import os
import tempfile

import pytest
from django.utils import timezone

from tests.browser_support import chromium_page, screenshot, settled
from tests.factories import make_team
from totonou.targets.models import Target
from totonou.targets.periods import month_period, period_zone

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="header-shots-")

BAR = {
    "ja": ["今日の活動", "カレンダー", "フィード", "顧客", "案件"],
    "en": ["My day", "Calendar", "Feed", "Customers", "Deals"],
}
MORE = {
    "ja": ["パイプライン", "分析", "目標", "週報", "設定"],
    "en": ["Pipeline", "Insights", "Targets", "Weekly report", "Settings"],
}


def _inside(page, locator, width: int) -> bool:
    settled(page)
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_is_one_tap_or_two_away_at_every_width(live_server, live_reference_data, language):
    expect = playwright_sync.expect
    _team, _manager, (rep, _other) = make_team("Nagoya")
    rep.username, rep.language = "hana", language
    rep.set_password("pw")
    rep.save()
    Target.objects.create(
        user=rep,
        metric="revenue",
        period=month_period(timezone.now().astimezone(period_zone()).date()).key,
        value=2_000_000,
    )
    with chromium_page(viewport={"width": 320, "height": 800}) as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "hana")
        page.fill("input[name=password]", "pw")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        nav = page.locator("nav.main-nav")
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": 800})
            for label in BAR[language]:
                link = nav.get_by_role("link", name=label, exact=True)
                expect(link).to_be_visible()
                assert _inside(page, link, width), (width, label)
            toggle = nav.locator(".nav-more__toggle")
            expect(toggle).to_be_visible()
            assert _inside(page, toggle, width)
            for label in MORE[language]:
                expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(
                    0
                )  # hidden until opened
            toggle.click()
            for label in MORE[language]:
                link = nav.get_by_role("link", name=label, exact=True)
                expect(link).to_be_visible()
                assert _inside(page, link, width), (width, label)
            screenshot(page, path=os.path.join(SHOTS, f"header-{language}-{width}-more.png"))
            toggle.click()
            # The progress card: nothing wider than the card, each cell named by its period.
            card = page.locator("#targets-progress")
            settled(page)
            card_box = card.bounding_box()
            assert card_box is not None
            for cell in card.locator("td").all():
                box = cell.bounding_box()
                assert box is not None and box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 0.5
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, path=os.path.join(SHOTS, f"header-{language}-{width}-home.png"), full_page=True)

        toggle = nav.locator(".nav-more__toggle")
        toggle.click()
        nav.get_by_role("link", name=MORE[language][2], exact=True).click()  # Targets
        page.wait_for_url(f"{live_server.url}/targets/")
        expect(nav.locator(".nav-more__toggle")).to_have_attribute("aria-current", "page")

        for width in (720, 1024, 1366):
            page.set_viewport_size({"width": width, "height": 800})
            expect(nav.locator(".nav-more__toggle")).to_be_hidden()
            for label in BAR[language] + MORE[language]:
                link = nav.get_by_role("link", name=label, exact=True)
                expect(link).to_be_visible()
            expect(nav.get_by_role("link", name=MORE[language][2], exact=True)).to_have_attribute(
                "aria-current", "page"
            )
            settled(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
