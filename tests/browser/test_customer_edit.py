"""Customers kept in the app, in a browser: a rep on a phone (in Japanese) creates a customer, sees the
duplicate warning for "株式会社サンプル" vs "ｻﾝﾌﾟﾙ(株)" and adds a contact; a manager on a desktop hands a
leaving rep's customers over and merges a duplicate. No horizontal overflow on either screen."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import ContactFactory, CustomerFactory, DealFactory, UserFactory, make_team
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-shots-")


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")


# The page's own content (main): the site header's width at 1366 px for a manager is not these pages'.
OVERFLOWING = """() => [...document.querySelectorAll('main *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .map((el) => el.tagName + '.' + el.className + '#' + el.id).slice(0, 8)"""


def no_overflow(page) -> bool:
    settled(page)
    offenders = page.evaluate(OVERFLOWING)
    assert offenders == [], offenders
    return True


def test_rep_on_a_phone_creates_a_customer_past_the_duplicate_warning_and_adds_a_contact(
    live_server, live_reference_data
):
    expect = playwright_sync.expect
    _team, _manager, (rep, other) = make_team("Team A")
    rep.language = "ja"
    rep.save()
    existing = CustomerFactory(owner=other, name="株式会社サンプル", name_kana="サンプル")
    with chromium_page(viewport=PHONE, locale="ja-JP") as page:
        sign_in(page, live_server.url, rep.username)
        page.goto(f"{live_server.url}/customers/")
        page.get_by_role("link", name="新規顧客").click()
        page.fill("input[name=name]", "ｻﾝﾌﾟﾙ(株)")
        page.fill("input[name=name_kana]", "サンプル")
        page.fill("input[name=address]", "東京都千代田区千代田1-1")
        assert no_overflow(page)
        page.get_by_role("button", name="顧客を追加").click()
        warning = page.locator(".duplicate-warning")
        expect(warning).to_contain_text("この顧客はすでに登録されている可能性があります")
        expect(warning.get_by_role("link", name="株式会社サンプル")).to_have_attribute(
            "href", existing.get_absolute_url()
        )
        screenshot(page, path=f"{SHOTS}/customer-duplicate-phone.png", full_page=True)
        assert no_overflow(page)
        warning.get_by_role("button", name="このまま保存").click()
        created = Customer.objects.exclude(pk=existing.pk).get()
        expect(page).to_have_url(f"{live_server.url}/customers/{created.pk}/")
        expect(page.get_by_role("link", name="地図で開く")).to_be_visible()
        page.get_by_role("link", name="担当者を追加").first.click()
        page.fill("input[name=name]", "山田 太郎")
        page.fill("input[name=title]", "部長")
        page.check("input[name=is_decision_maker]")
        page.get_by_role("button", name="担当者を追加").click()
        expect(page.locator(f"#contact-{Contact.objects.get().pk}")).to_contain_text("山田 太郎")
        assert no_overflow(page)
        screenshot(page, path=f"{SHOTS}/customer-detail-phone.png", full_page=True)
    assert (created.owner, created.name_key) == (rep, "サンプル")


def test_manager_on_a_desktop_hands_over_and_merges(live_server, live_reference_data):
    expect = playwright_sync.expect
    _team, manager, (leaving, staying) = make_team("Team A")
    book = [
        CustomerFactory(owner=leaving, name=f"Leaving {index}", name_kana=f"ア{index}") for index in range(3)
    ]
    deal = DealFactory(customer=book[0], owner=leaving)
    survivor = CustomerFactory(owner=staying, name="株式会社サンプル", name_kana="サンプル")
    duplicate = CustomerFactory(owner=staying, name="ｻﾝﾌﾟﾙ(株)", name_kana="サンプル")
    ContactFactory(customer=duplicate, name="Moving Contact")
    leaving.is_active = False
    leaving.save()
    with chromium_page(viewport=DESKTOP) as page:
        sign_in(page, live_server.url, manager.username)
        page.goto(f"{live_server.url}/customers/")
        page.get_by_role("link", name="Hand customers over").click()
        page.select_option("select[name=from_owner]", str(leaving.pk))
        page.select_option("select[name=to_owner]", str(staying.pk))
        page.get_by_role("button", name="Check what moves").click()
        counts = page.locator("[data-counts]")
        expect(counts).to_contain_text("3 customers")
        expect(counts).to_contain_text("1 open deal")
        screenshot(page, path=f"{SHOTS}/reassign-desktop.png", full_page=True)
        page.get_by_role("button", name="Hand over").click()
        expect(page.locator("#messages")).to_contain_text("3 customers, 1 open deals and 0 future plans")
        assert no_overflow(page)
        page.goto(f"{live_server.url}{survivor.get_absolute_url()}")
        page.get_by_role("link", name="Merge a duplicate").click()
        page.locator(f"a[href='?duplicate={duplicate.pk}']").click()
        expect(page.locator("[data-moving]")).to_contain_text("1 contact moves")
        page.get_by_role("button", name="Merge").click()
        expect(page).to_have_url(f"{live_server.url}{survivor.get_absolute_url()}")
        expect(page.locator(".record-grid__contacts")).to_contain_text("Moving Contact")
        page.goto(f"{live_server.url}{duplicate.get_absolute_url()}")
        expect(page).to_have_url(f"{live_server.url}{survivor.get_absolute_url()}")
        screenshot(page, path=f"{SHOTS}/merged-desktop.png", full_page=True)
    assert set(Customer.objects.filter(pk__in=[c.pk for c in book]).values_list("owner_id", flat=True)) == {
        staying.pk
    }
    assert Deal.objects.get(pk=deal.pk).owner_id == staying.pk
    assert UserFactory  # the factory module's users sign in with "pw"


def test_manager_bulk_bar_on_a_phone(live_server, live_reference_data):
    expect = playwright_sync.expect
    _team, manager, (rep, other) = make_team("Team A")
    customers = [
        CustomerFactory(owner=rep, name=f"Bulk {index}", name_kana=f"ア{index}") for index in range(2)
    ]
    with chromium_page(viewport=PHONE) as page:
        sign_in(page, live_server.url, manager.username)
        page.goto(f"{live_server.url}/customers/")
        for customer in customers:
            page.check(f"#pick-{customer.pk}")
        page.select_option("#bulk-action", "owner")
        page.select_option("#bulk-owner", str(other.pk))
        assert no_overflow(page)
        screenshot(page, path=f"{SHOTS}/bulk-phone.png", full_page=True)
        page.get_by_role("button", name="Apply to ticked customers").click()
        expect(page.locator("#messages")).to_contain_text("2 customers now belong to")
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("owner_id", flat=True)
    ) == {other.pk}
