"""The pages that gained export links (targets, the review queue, the uncontacted list) and the new
audit page, at 390 and 1366 px in Japanese and English: nothing wider than the screen; the audit page's
filters narrow its rows."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.browser_support import chromium_page, screenshot, settled
from tests.factories import CustomerFactory, TeamFactory, UserFactory
from totonou.core.audit import audit_record
from totonou.users.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="export-shots-")


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")


def no_overflow(page) -> None:
    settled(page)
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"{page.url} is {width}px wider than the screen"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_export_links_and_the_audit_page_fit(live_server, live_reference_data, settings, language):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    team = TeamFactory(name="東京営業部")
    admin = UserFactory(username="boss", role=User.Role.ADMIN, team=team, language=language)
    team.managers.add(admin)
    rep = UserFactory(username="sato", display_name="佐藤", team=team)
    customer = CustomerFactory(name="株式会社A", owner=rep)
    audit_record(actor=admin, instance=customer, action="update", changes={"phone": ["", "03-1234-5678"]})
    audit_record(actor=rep, instance=customer, action="update", changes={"notes": ["", "長い備考" * 40]})

    for width in (390, 1366):
        with chromium_page(viewport={"width": width, "height": 900}, locale=language) as page:
            sign_in(page, live_server.url, f"/targets/?team={team.pk}", "boss")
            expect(page.locator("#targets-csv")).to_be_visible()
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/targets-{width}-{language}.png", full_page=True)
            page.goto(f"{live_server.url}/reports/team/?team={team.pk}")
            expect(page.locator("#reports-xlsx")).to_be_visible()
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/queue-{width}-{language}.png", full_page=True)
            page.goto(f"{live_server.url}/insights/uncontacted/")
            expect(page.locator("a[data-xlsx]")).to_be_visible()
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/uncontacted-{width}-{language}.png", full_page=True)
            page.goto(f"{live_server.url}/settings/audit/")
            expect(page.locator("#audit-results tbody tr")).to_have_count(2)
            page.select_option("#id_actor", str(rep.pk))
            expect(page.locator("#audit-results tbody tr")).to_have_count(1)
            expect(page.locator("#audit-csv")).to_have_attribute("href", f"/exports/audit.csv?actor={rep.pk}")
            no_overflow(page)
            screenshot(page, path=f"{SHOTS}/audit-{width}-{language}.png", full_page=True)
