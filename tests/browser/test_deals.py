"""A rep works a deal in a real browser (issue 12), on a phone in Japanese and on a desktop in English:
creates a deal (from the customer page on the phone, from the deal list on the desktop), plans a visit on
it, moves it to proposal with the stage control, then loses it with a reason (the lost form asks for it).
No page scrolls sideways; screenshots go to a temporary directory."""

from __future__ import annotations

import datetime
import os
import re
import tempfile

import pytest
from django.utils import timezone

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import CustomerFactory, UserFactory
from totonou.activities.models import Activity
from totonou.deals.models import Deal, LossReason, Stage, StageChange

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-deals-")

TEXT = {
    "ja": {
        "new_deal": "案件を追加",
        "add": "案件を追加",
        "plan": "訪問を予定する",
        "change": "ステージを変更",
        "lose": "失注で完了",
        "reason_error": "失注理由を選んでください。",
        "planned": "活動を予定に登録しました。",
    },
    "en": {
        "new_deal": "New deal",
        "add": "Add deal",
        "plan": "Plan a visit",
        "change": "Change stage",
        "lose": "Close as lost",
        "reason_error": "Give the reason the deal was lost.",
        "planned": "Activity planned",
    },
}


def no_sideways_scroll(page) -> None:
    """Nothing in the page's main content reaches past the window's right edge (the site header is
    another page's business)."""
    settled(page)
    wider = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.checkVisibility() && e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert wider == [], (page.url, wider)


@pytest.mark.parametrize(("device", "language"), [("phone", "ja"), ("desktop", "en")])
def test_rep_creates_plans_moves_and_loses_a_deal(
    live_server, live_reference_data, settings, device, language
):
    settings.LANGUAGE_CODE = language
    text = TEXT[language]
    rep = UserFactory(username="rep1", display_name="Sato", language=language)  # password "pw"
    customer = CustomerFactory(owner=rep, name="株式会社さくら", name_kana="サクラ", is_key=True)
    CustomerFactory(owner=rep, name="Plain Foods", name_kana="プレーンフーズ")
    proposal, lost = Stage.objects.get(slug="proposal"), Stage.objects.get(slug="lost")
    price = LossReason.objects.get(slug="price")
    viewport = PHONE if device == "phone" else DESKTOP
    locale = "ja-JP" if language == "ja" else "en-US"

    with chromium_page(viewport=viewport, locale=locale) as page:
        base = live_server.url
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "rep1")
        page.fill("input[name=password]", "pw")
        page.click("main form button[type=submit]")
        expect(page.locator("nav.main-nav")).to_be_visible()

        # 1. Create the deal: from the customer's page (phone) or the deal list, finding the customer.
        if device == "phone":
            page.goto(f"{base}{customer.get_absolute_url()}")
            page.get_by_role("link", name=text["new_deal"]).click()
            expect(page.locator("#id_customer")).to_have_value(str(customer.pk))
        else:
            page.goto(f"{base}/deals/")
            no_sideways_scroll(page)
            page.locator(".page-head").get_by_role("link", name=text["new_deal"]).click()
            expect(page.locator("button[name=_refresh]")).to_be_hidden()  # htmx searches as you type
            page.fill("#id_customer_q", "さくら")  # hiragana finds the katakana reading
            expect(page.locator("#id_customer option")).to_have_count(2)  # "choose" and the match
            page.select_option("#id_customer", str(customer.pk))
        expect(page.locator("#id_contact")).to_be_visible()  # the customer's contacts (none yet)
        no_sideways_scroll(page)
        page.fill("#id_title", "春の販促フェア")
        page.fill("#id_amount", "1,200,000")
        page.fill("#id_expected_close_date", "2027-03-31")
        page.fill("#id_next_step", "見積を送る")
        screenshot(page, path=f"{SHOTS}/{device}-{language}-1-new-deal.png", full_page=True)
        page.locator(".deal-form").get_by_role("button", name=text["add"]).click()

        expect(page.locator("h1")).to_have_text("春の販促フェア")
        deal = Deal.objects.get(title="春の販促フェア")
        assert (deal.customer, deal.owner, deal.amount, deal.stage.slug) == (customer, rep, 1_200_000, "lead")
        expect(page.locator(".details .amount").first).to_have_text("¥1,200,000")
        no_sideways_scroll(page)

        # 2. Plan a visit on it: the activity form comes with the customer and the deal chosen.
        page.locator(".deal-actions").get_by_role("link", name=text["plan"]).click()
        expect(page.locator("#id_deal")).to_have_value(str(deal.pk))
        day = timezone.localdate() + datetime.timedelta(days=3)
        page.fill("#id_starts_at", f"{day:%Y-%m-%d}T10:00")
        page.fill("#id_subject", "提案前のヒアリング")
        page.click(".activity-form button.button--primary")
        expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/$"))
        expect(page.locator(".message--success")).to_contain_text(text["planned"])
        visit = Activity.objects.get(deal=deal)
        assert (visit.subject, visit.status, visit.customer) == ("提案前のヒアリング", "planned", customer)

        # 3. Move it to proposal with the one control.
        page.select_option("#id_stage", str(proposal.pk))
        page.locator("#stage-panel").get_by_role("button", name=text["change"]).click()
        expect(page.locator(".page-head__kicker .stage")).to_have_text(
            proposal.name_ja if language == "ja" else "Proposal"
        )
        deal.refresh_from_db()
        assert deal.stage == proposal

        # 4. Lose it: the lost form asks for the reason (refused without), offers a note.
        page.select_option("#id_stage", str(lost.pk))
        page.locator("#stage-panel").get_by_role("button", name=text["change"]).click()
        panel = page.locator("#stage-panel")
        expect(panel.locator("form.stage-form--lost")).to_be_visible()
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/{device}-{language}-2-lost-form.png", full_page=True)
        panel.get_by_role("button", name=text["lose"]).click()
        expect(panel.locator(".field__errors")).to_contain_text(text["reason_error"])
        deal.refresh_from_db()
        assert deal.stage == proposal
        panel.locator("#id_loss_reason").select_option(str(price.pk))
        panel.locator("#id_loss_note").fill("他社が2割安い")
        panel.get_by_role("button", name=text["lose"]).click()
        expect(page.locator(".page-head__kicker .stage")).to_have_class(re.compile(r"\bstage--lost\b"))
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/{device}-{language}-3-lost.png", full_page=True)

        # 5. The deal list (the rep's own by default) with its totals, and the feed with the deal's items.
        page.goto(f"{base}/deals/")
        expect(page.locator(f'tr[data-deal="{deal.pk}"]')).to_contain_text("¥1,200,000")
        expect(page.locator('dd[data-total="amount"]')).to_have_text("¥1,200,000")
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/{device}-{language}-4-list.png", full_page=True)
        page.goto(f"{base}/feed/")
        expect(page.locator(f'li.feed-item--stage[data-deal="{deal.pk}"]')).to_have_count(3)
        no_sideways_scroll(page)
        screenshot(page, path=f"{SHOTS}/{device}-{language}-5-feed.png", full_page=True)

    deal.refresh_from_db()
    assert (deal.stage, deal.loss_reason, deal.loss_note) == (lost, price, "他社が2割安い")
    assert deal.closed_at is not None
    history = list(
        StageChange.objects.filter(deal=deal).order_by("id").values_list("to_stage__slug", flat=True)
    )
    assert history == ["lead", "proposal", "lost"]
