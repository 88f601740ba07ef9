"""A manager on a phone opens Insights, follows the uncontacted number to the list behind it, and plans
a visit to a never-contacted key customer in one tap (htmx swaps the row's plan cell; a second tap
is not offered and the server would add nothing)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser_support import PHONE, chromium_page, settled
from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory, UserFactory, make_team
from totonou.activities.models import Activity

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone():
    with chromium_page(viewport=PHONE) as page:
        yield page


def test_manager_follows_a_number_and_plans_a_visit(live_server, live_reference_data, phone, settings):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    team, manager, (rep, _other) = make_team("Tokyo")
    manager.username, manager.language = "boss", "en"
    manager.set_password("pw")
    manager.save()
    UserFactory(username="unused")  # not in the team: not counted
    segment = SegmentFactory(name="Supermarkets", cadence_days=30, key_cadence_days=14)
    key_mart = CustomerFactory(owner=rep, segment=segment, name="Key Mart", is_key=True)
    stale = CustomerFactory(owner=rep, segment=segment, name="Stale Foods")
    long_ago = timezone.now() - datetime.timedelta(days=40)
    ActivityFactory(
        owner=rep,
        customer=stale,
        status=Activity.Status.DONE,
        starts_at=long_ago,
        completed_at=long_ago + datetime.timedelta(hours=1),
    )
    from totonou.activities.services import customers_refresh_last_contact

    customers_refresh_last_contact(customer_ids=[stale.pk])
    page = phone

    page.goto(f"{live_server.url}/insights/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/insights/")

    section = page.locator("#insight-uncontacted")
    expect(section.locator(".insight__figure strong")).to_have_text("2")
    # The page counts this week by default: the coverage trend is weekly.
    expect(page.locator("#coverage-chart-title")).to_have_text("Coverage rate per week")
    # Phone width: nothing wider than the screen.
    settled(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    section.locator(".insight__figure a").click()
    expect(page).to_have_url(f"{live_server.url}/insights/uncontacted/?team={team.pk}")
    row = page.locator(f"tr[data-customer='{key_mart.pk}']")
    expect(row).to_have_class("is-key")
    expect(row.locator(".key-marker")).to_have_attribute("aria-label", "Key customer")
    expect(page.locator(f"tr[data-customer='{stale.pk}'] .last-contact strong")).to_have_text("40 days")

    totals = page.locator("#uncontacted-summary tfoot tr")
    expect(totals.locator("[data-number=planned]")).to_have_text("0")
    expect(totals.locator("[data-number=unplanned]")).to_have_text("2")
    page.evaluate("window.__not_reloaded = true")
    row.get_by_role("button", name="Plan a visit").click()
    cell = row.locator(".plan-cell")
    expect(cell.locator(".badge--planned")).to_have_text("Planned")
    expect(cell.locator(".plan-cell__message")).to_contain_text("Visit to Key Mart planned for")
    expect(row.get_by_role("button", name="Plan a visit")).to_have_count(0)
    assert page.evaluate("window.__not_reloaded") is True
    # The counts follow the plan without a reload (htmx out-of-band swap of the summary).
    expect(totals.locator("[data-number=planned]")).to_have_text("1")
    expect(totals.locator("[data-number=unplanned]")).to_have_text("1")
    expect(page.locator("#uncontacted-summary .tabs a").nth(2).locator(".tabs__count")).to_have_text("1")

    visits = list(Activity.objects.filter(customer=key_mart))
    assert len(visits) == 1
    assert (visits[0].status, visits[0].type.slug, visits[0].owner_id) == ("planned", "visit", rep.pk)
    # The subject says why, not the customer's name again (the card shows the customer).
    assert visits[0].subject == "Follow-up (no recent contact)"
    cell.locator("a[data-planned-activity]").click()
    expect(page).to_have_url(f"{live_server.url}/activities/{visits[0].pk}/")
