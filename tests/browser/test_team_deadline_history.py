"""In the browser: a manager moves the team's weekly-report deadline on the team's set-up page (Settings
→ Teams), and a rep opens their history and a past week from it; both pages in English and Japanese at
phone, tablet and desktop widths without overflow."""

from __future__ import annotations

import datetime
import os
import tempfile

import pytest

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import CustomerFactory, make_team
from tests.insights.conftest import make_activity
from totonou.reports.models import WeeklyReport
from totonou.reports.services import weekly_report_start, weekly_report_submit
from totonou.reports.weeks import current_week_key, report_period, shift_week
from totonou.users.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="team-history-shots-")
WIDTHS = (390, 1024, 1366)


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")


def _people(language: str = "en"):
    team, manager, (rep, other) = make_team("Osaka")
    for user, name in ((manager, "boss"), (rep, "hana"), (other, "taro")):
        user.username, user.display_name, user.language = name, name.title(), language
        user.set_password("pw")
        user.save()
    return team, manager, rep


def _no_overflow(page, width: int) -> None:
    settled(page)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (page.url, width, scroll)


def test_the_manager_moves_the_deadline(live_server, live_reference_data, settings):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    team, manager, _rep = _people()
    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, "/settings/", "boss")
        page.click("main a[href='/settings/teams/']")
        expect(page.locator("h1")).to_have_text("Teams")
        expect(page.locator(f"#team-{team.pk}")).to_contain_text("Friday 18:00 · Asia/Tokyo")
        page.click(f"#team-{team.pk} a")
        expect(page.locator("#team-settings legend")).to_have_text("Team settings")
        assert page.locator("input[name=name]").count() == 0  # the name and members are the admins'
        page.select_option("select[name=report_deadline_weekday]", "3")
        page.fill("input[name=report_deadline_time]", "12:30")
        screenshot(page, path=f"{SHOTS}/team-settings-en-1366.png", full_page=True)
        page.click("#team-form button[type=submit]")
        expect(page.locator(f"#team-{team.pk}")).to_contain_text("Thursday 12:30 · Asia/Tokyo")
    team.refresh_from_db()
    assert (team.report_deadline_weekday, team.report_deadline_time) == (3, datetime.time(12, 30))
    for language in ("en", "ja"):
        User.objects.filter(pk=manager.pk).update(language=language)
        for width in WIDTHS:
            with chromium_page(viewport={"width": width, "height": 900}) as page:
                sign_in(page, live_server.url, f"/settings/teams/{team.pk}/", "boss")
                expect(page.locator("#team-settings")).to_be_visible()
                screenshot(page, path=f"{SHOTS}/team-settings-{language}-{width}.png", full_page=True)
                _no_overflow(page, width)


def test_the_rep_opens_the_history_and_a_past_week(live_server, live_reference_data, settings):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    _team, _manager, rep = _people()
    this_week = current_week_key(rep)
    last_week = shift_week(this_week, -1)
    monday = report_period(rep, last_week).start
    customer = CustomerFactory(owner=rep, name="大阪商事", is_key=True)
    for day in (0, 2):
        make_activity(owner=rep, customer=customer, starts_at=monday + datetime.timedelta(days=day, hours=10))
    report, _created = weekly_report_start(actor=rep, week=last_week)
    weekly_report_submit(actor=rep, report=report)

    with chromium_page(viewport=PHONE) as page:
        sign_in(page, live_server.url, "/reports/", "hana")
        page.click("#report-history-link")
        expect(page.locator("h1")).to_have_text("My weekly reports")
        row = page.locator(f'tr[data-week="{last_week}"]')
        expect(row).to_contain_text("Submitted")
        expect(row.locator('[data-figure="activities_done"]')).to_have_text("2")
        _no_overflow(page, PHONE["width"])
        screenshot(page, path=f"{SHOTS}/history-en-390.png", full_page=True)
        row.locator("a").click()
        expect(page.locator("h1")).to_have_text(f"Weekly report {last_week}")
        expect(page.locator("#report-status")).to_have_text("Submitted")
        expect(page.locator('[data-figure="activities_done"] a')).to_have_text("2")
        _no_overflow(page, PHONE["width"])
        screenshot(page, path=f"{SHOTS}/past-week-en-390.png", full_page=True)
    assert WeeklyReport.objects.count() == 1  # reading wrote nothing

    rep.language = "ja"
    rep.save()
    for width in WIDTHS:
        with chromium_page(viewport={"width": width, "height": 900}, locale="ja-JP") as page:
            sign_in(page, live_server.url, "/reports/history/", "hana")
            expect(page.locator("h1")).to_have_text("自分の週報")
            _no_overflow(page, width)
            screenshot(page, path=f"{SHOTS}/history-ja-{width}.png", full_page=True)
    rep.language = "en"
    rep.save()
    for width in (1024, 1366):
        with chromium_page(viewport={"width": width, "height": 900}) as page:
            sign_in(page, live_server.url, "/reports/history/", "hana")
            _no_overflow(page, width)
            screenshot(page, path=f"{SHOTS}/history-en-{width}.png", full_page=True)
