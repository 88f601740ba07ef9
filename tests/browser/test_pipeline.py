"""The pipeline board in a real browser: on a desktop a rep drags a card to the next stage, then drops
one on "lost" (the form asks for the reason first); on a phone the stage picker moves a card. No page
scrolls sideways; screenshots go to a temporary directory."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import CustomerFactory, DealFactory, UserFactory
from totonou.deals.models import Deal, Stage, StageChange

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-pipeline-")


def no_sideways_scroll(page) -> None:
    settled(page)
    wider = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.checkVisibility() && !e.closest('.pipeline-board')
                    && e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert wider == [], (page.url, wider)


def eventually(check, seconds: float = 10.0) -> None:
    """``check()`` becomes true within ``seconds`` (the board moves a card before its POST is answered).

    On SQLite the test and the live server share one in-memory database: a read while the server's
    request is writing fails with "database table is locked", which means "not yet", not an error."""
    import time

    from django.db import OperationalError

    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except OperationalError as error:
            if "locked" not in str(error):
                raise
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "rep1")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    expect(page.locator("nav.main-nav")).to_be_visible()


def make_deals():
    rep = UserFactory(username="rep1", display_name="Sato")
    key = CustomerFactory(owner=rep, name="株式会社さくら", is_key=True)
    plain = CustomerFactory(owner=rep, name="Plain Foods")
    lead = Stage.objects.get(slug="lead")
    first = DealFactory(customer=key, owner=rep, title="Sakura renewal", stage=lead, amount=1_200_000)
    second = DealFactory(customer=plain, owner=rep, title="Plain pilot", stage=lead, amount=300_000)
    return first, second


def test_drag_to_next_stage_and_drop_on_lost(live_server, live_reference_data, settings):
    settings.LANGUAGE_CODE = "en"
    first, second = make_deals()
    qualified, lost = Stage.objects.get(slug="qualified"), Stage.objects.get(slug="lost")
    with chromium_page(viewport=DESKTOP) as page:
        base = live_server.url
        sign_in(page, base)
        page.goto(f"{base}/pipeline/")
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/board-desktop.png", full_page=True)
        card = page.locator(f'.pipeline-card[data-deal="{first.pk}"]')
        card.drag_to(page.locator(f'.pipeline-column[data-stage="{qualified.pk}"]'))
        page.wait_for_load_state("networkidle")
        expect(
            page.locator(f'.pipeline-column[data-stage="{qualified.pk}"] [data-deal="{first.pk}"]')
        ).to_be_visible()
        eventually(lambda: Deal.objects.get(pk=first.pk).stage_id == qualified.pk)

        page.locator(f'.pipeline-card[data-deal="{second.pk}"]').drag_to(
            page.locator(f'.pipeline-column[data-stage="{lost.pk}"]')
        )
        dialog = page.locator("#pipeline-dialog")
        expect(dialog.get_by_role("button", name="Close as lost")).to_be_visible()
        screenshot(page, path=f"{SHOTS}/board-lost-form.png")
        dialog.get_by_role("button", name="Close as lost").click()
        expect(dialog.get_by_text("Give the reason the deal was lost.")).to_be_visible()
        page.wait_for_load_state("networkidle")
        second.refresh_from_db()
        assert second.stage.slug == "lead"
        dialog.locator("select[name=loss_reason]").select_option(label="Price")
        dialog.get_by_role("button", name="Close as lost").click()
        page.wait_for_url(f"{base}/pipeline/")
        expect(page.locator(f'.pipeline-card[data-deal="{second.pk}"]')).to_have_count(0)
        page.wait_for_load_state("networkidle")
        second.refresh_from_db()
        assert (second.stage.slug, second.loss_reason.slug) == ("lost", "price")
        assert StageChange.objects.filter(deal=second, to_stage=lost).count() == 1


def test_phone_stage_picker(live_server, live_reference_data, settings):
    settings.LANGUAGE_CODE = "ja"
    first, _second = make_deals()
    proposal = Stage.objects.get(slug="proposal")
    with chromium_page(viewport=PHONE, locale="ja-JP") as page:
        base = live_server.url
        sign_in(page, base)
        page.goto(f"{base}/pipeline/")
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/board-phone.png", full_page=True)
        card = page.locator(f'.pipeline-card[data-deal="{first.pk}"]')
        card.locator("select[name=stage]").select_option(str(proposal.pk))
        card.get_by_role("button", name="移動").click()
        page.wait_for_url(f"{base}/pipeline/")
        expect(
            page.locator(f'.pipeline-column[data-stage="{proposal.pk}"] [data-deal="{first.pk}"]')
        ).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert Deal.objects.get(pk=first.pk).stage_id == proposal.pk
        no_sideways_scroll(page)


def make_history():
    """A rep's year: one deal won, one lost (price, with a note), one moved forward and still open."""
    from totonou.deals.models import LossReason
    from totonou.deals.services import deal_change_stage

    first, second = make_deals()
    rep = first.owner
    third = DealFactory(
        customer=first.customer, owner=rep, title="Sakura expansion", stage=Stage.objects.get(slug="lead")
    )
    for slug in ("qualified", "proposal", "won"):
        first.refresh_from_db()
        deal_change_stage(actor=rep, deal=first, stage=Stage.objects.get(slug=slug))
    deal_change_stage(
        actor=rep,
        deal=second,
        stage=Stage.objects.get(slug="lost"),
        loss_reason=LossReason.objects.get(slug="price"),
        loss_note="競合が2割安い提案をした",
    )
    deal_change_stage(actor=rep, deal=third, stage=Stage.objects.get(slug="proposal"))
    return first, second, third


@pytest.mark.parametrize("language", ["en", "ja"])
def test_analytics_tab_numbers_open_their_deals(live_server, live_reference_data, settings, language):
    settings.LANGUAGE_CODE = language
    won, lost, _open = make_history()
    locale = "ja-JP" if language == "ja" else "en-US"
    with chromium_page(viewport=DESKTOP, locale=locale) as page:
        base = live_server.url
        sign_in(page, base)
        page.goto(f"{base}/insights/")
        page.locator("nav.insights-tabs a").nth(2).click()
        page.wait_for_url(f"{base}/insights/pipeline/")
        expect(page.locator('nav.insights-tabs a[aria-current="page"]')).to_have_attribute(
            "href", "/insights/pipeline/"
        )
        for width in (390, 1024, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, path=f"{SHOTS}/analytics-{language}-{width}.png", full_page=True)
            no_sideways_scroll(page)
        total = page.locator('#win-rate tr[data-key="total"]')
        expect(total.locator('[data-figure="won"]')).to_have_text("1")
        expect(total.locator('[data-figure="lost"]')).to_have_text("1")
        expect(total.locator('[data-figure="win_rate"]')).to_have_text("50%")
        total.locator('[data-figure="lost"]').click()
        page.wait_for_url("**/deals/?**")
        expect(page.locator("#deal-results tr[data-deal]")).to_have_count(1)
        expect(page.locator(f'#deal-results tr[data-deal="{lost.pk}"]')).to_be_visible()
        expect(page.locator("[data-figure-filters]")).to_be_visible()
        page.go_back()
        # Proposal: entered by the won deal and the open one; the won deal moved forward.
        proposal = page.locator(f'#funnel tr[data-stage="{Stage.objects.get(slug="proposal").pk}"]')
        expect(proposal.locator('[data-figure="entered"]')).to_have_text("2")
        expect(proposal.locator('[data-figure="forward"]')).to_have_text("1")
        proposal.locator('[data-figure="forward"]').click()
        page.wait_for_url("**/deals/?**")
        expect(page.locator("#deal-results tr[data-deal]")).to_have_count(1)
        expect(page.locator(f'#deal-results tr[data-deal="{won.pk}"]')).to_be_visible()
        page.go_back()
        page.locator("#loss-q").fill("2割")
        page.locator(".loss-search button").click()
        expect(page.locator(f'.loss-notes li[data-deal="{lost.pk}"]')).to_contain_text(
            "競合が2割安い提案をした"
        )
        page.set_viewport_size(PHONE)
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/analytics-notes-{language}-390.png", full_page=True)
