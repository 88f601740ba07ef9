"""A manager fills the team's fiscal-year grid by spreading a yearly figure over the months and saves
it; the team's page shows the figures with their status; a rep then sees the progress card on My day
(on a phone, in Japanese, nothing wider than the screen)."""

from __future__ import annotations

import os
import re
import tempfile

import pytest
from django.utils import timezone

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import make_team
from totonou.targets.models import Target
from totonou.targets.periods import fiscal_year_of, period_zone, year_period

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="targets-shots-")


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")


def test_manager_spreads_a_yearly_figure_and_a_rep_sees_progress(live_server, live_reference_data, settings):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    _team, manager, (rep, other) = make_team("Osaka")
    manager.username, manager.language = "boss", "en"
    manager.set_password("pw")
    manager.save()
    rep.username, rep.language = "hana", "ja"
    rep.set_password("pw")
    rep.save()
    today = timezone.now().astimezone(period_zone()).date()
    year = year_period(fiscal_year_of(today))

    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, "/targets/", "boss")
        expect(page.locator("h1")).to_have_text("Targets")
        page.click("#targets-edit")
        expect(page.locator("h1")).to_have_text("Set targets")
        page.select_option("select[name=spread_who]", "each")
        page.select_option("select[name=spread_period]", year.key)
        page.fill("input[name=spread_value]", "12000000")
        page.select_option("select[name=spread_method]", "even")
        page.click("#targets-spread")
        expect(page.locator("[role=status]")).to_contain_text("spread over the months")
        first, last = year.months()[0], year.months()[-1]
        expect(page.locator(f"input[name=u{rep.pk}_{first.key}]")).to_have_value("1000000")
        expect(page.locator(f"input[name=u{other.pk}_{last.key}]")).to_have_value("1000000")
        assert Target.objects.count() == 0  # spreading saves nothing
        screenshot(page, path=f"{SHOTS}/grid-desktop.png", full_page=True)
        page.click("#targets-save")
        expect(page.locator("h1")).to_have_text("Targets")
        expect(page.locator(".messages, [role=status]").first).to_contain_text("36 new")
        year_cell = page.locator(f"tr[data-row='{rep.pk}'] td[data-period='{year.key}']")
        expect(year_cell.locator(".targets-cell__target")).to_contain_text("¥12,000,000")
        expect(
            page.locator("tr[data-row='team'] td[data-period='" + year.key + "'] .targets-cell__target")
        ).to_contain_text("¥36,000,000")
        expect(page.locator("#targets-svg-title")).to_have_text("Actual, target and forecast per month")
        screenshot(page, path=f"{SHOTS}/targets-desktop.png", full_page=True)
    assert Target.objects.filter(metric="revenue", user=rep).count() == 12

    with chromium_page(viewport=PHONE, locale="ja-JP") as page:
        sign_in(page, live_server.url, "/", "hana")
        card = page.locator("#targets-progress")
        expect(card.locator("h2")).to_have_text("目標の進捗")
        row = card.locator("tr[data-metric='revenue']")
        expect(row.locator("th")).to_have_text("売上")
        expect(row.locator("td").first.locator(".targets-cell__target")).to_have_text("/ ¥1,000,000")
        # 0 of 1,000,000: behind, or on pace on a month's first days before any working day.
        expect(row.locator(".target-status").first).to_contain_text(re.compile("遅れ|順調"))
        settled(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, path=f"{SHOTS}/my-day-phone-ja.png", full_page=True)
        page.goto(f"{live_server.url}/targets/")
        expect(page.locator("h1")).to_have_text("目標")
        settled(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, path=f"{SHOTS}/targets-phone-ja.png", full_page=True)
