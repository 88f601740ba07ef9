"""A choice made the moment a search result arrives is not lost.

htmx swaps in the matches of the customer search, then processes the new elements a settle delay later
(20 ms by default). A listener on the swapped element would be missing in between, so a person (or a
test on a slow machine) who chooses in that moment saw nothing happen: no contacts on the deal form, no
deals on the activity form. The choice is heard by the fieldset around it, which is never swapped.

These tests widen that moment to 1.5 s (``htmx.config.defaultSettleDelay``) and choose inside it."""

from __future__ import annotations

import pytest

from tests.browser_support import chromium_page
from tests.factories import ContactFactory, CustomerFactory, DealFactory, UserFactory
from totonou.activities.models import Activity
from totonou.deals.models import Deal

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Longer than the steps below take, so the choice falls inside the unsettled moment.
SETTLE_MS = 1500


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "rep1")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    expect(page.locator("nav.main-nav")).to_be_visible()


def _slow_settle(page) -> None:
    page.evaluate(f"() => {{ htmx.config.defaultSettleDelay = {SETTLE_MS}; }}")


def test_a_customer_chosen_as_the_matches_arrive_brings_its_contacts(live_server, live_reference_data):
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    sakura = CustomerFactory(owner=rep, name="株式会社さくら", name_kana="サクラ")
    CustomerFactory(owner=rep, name="Plain Foods", name_kana="プレーンフーズ")
    tanaka = ContactFactory(customer=sakura, name="田中 一郎")

    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/deals/new/")
        _slow_settle(page)
        page.fill("#id_customer_q", "さくら")
        expect(page.locator("#id_customer option")).to_have_count(2)  # swapped in, not yet settled
        expect(page.locator("#deal-customer.htmx-added")).to_have_count(1)
        page.select_option("#id_customer", str(sakura.pk))

        expect(page.locator("#id_contact")).to_be_visible()
        expect(page.locator("#id_contact option", has_text="田中 一郎")).to_have_count(1)
        page.select_option("#id_contact", str(tanaka.pk))
        page.fill("#id_title", "Spring fair")
        page.get_by_role("button", name="Add deal").click()
        expect(page.locator("h1")).to_have_text("Spring fair")

    deal = Deal.objects.get(title="Spring fair")
    assert (deal.customer, deal.contact, deal.owner) == (sakura, tanaka, rep)


def test_a_customer_chosen_as_the_matches_arrive_brings_its_deals(live_server, live_reference_data):
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    sakura = CustomerFactory(owner=rep, name="株式会社さくら", name_kana="サクラ")
    CustomerFactory(owner=rep, name="Plain Foods", name_kana="プレーンフーズ")
    deal = DealFactory(customer=sakura, owner=rep, title="Spring fair")

    with chromium_page(viewport={"width": 390, "height": 844}) as page:
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/activities/new/")
        _slow_settle(page)
        page.fill("#id_customer_q", "さくら")
        expect(page.locator("#customer-options li")).to_have_count(2)  # "no customer" and the match
        expect(page.locator("#customer-options.htmx-added")).to_have_count(1)
        page.locator("#customer-options label", has_text="株式会社さくら").click()

        expect(page.locator("#id_deal option")).to_have_count(2)  # "no deal" and the customer's deal
        page.select_option("#id_deal", str(deal.pk))
        page.fill("#id_subject", "Shelf space for the fair")
        page.click(".activity-form button.button--primary")
        expect(page.locator(".message--success")).to_be_visible()

    activity = Activity.objects.get(subject="Shelf space for the fair")
    assert (activity.owner, activity.customer, activity.deal) == (rep, sakura, deal)
