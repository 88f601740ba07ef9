"""The Content-Security-Policy in Chromium (issue 19 item 8): the main pages, the API docs, the admin and
the sign-in page report no violation, and what runs under the policy still works: htmx swaps (filters,
the feed's comments), the @mention hints and the copy button (actions.js). Chromium reports a violation
both as a ``securitypolicyviolation`` event and as a console error; both are listened to.
(``tests/browser/test_every_page.py`` listens the same way on every page.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser_support import CSP_LISTENER, chromium_page, csp_violations

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Watch:
    """Console errors and uncaught page errors of one page, and its CSP violation events."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(CSP_LISTENER)
        page.on(
            "console",
            lambda message: (
                self.console.append(f"{page.url}: {message.text}") if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: self.console.append(f"{page.url}: {error}"))

    def violations(self) -> list[str]:
        return csp_violations(self.page)

    def visit(self, url: str) -> list[str]:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return self.violations()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def htmx_idle(page: Any) -> None:
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def main_pages() -> list[str]:
    from totonou.activities.models import Activity
    from totonou.customers.models import Customer
    from totonou.deals.models import Deal
    from totonou.reports.models import WeeklyReport
    from totonou.reports.services import weekly_report_start, weekly_report_submit, weekly_report_update
    from totonou.reports.weeks import current_week_key
    from totonou.users.models import User

    rep = User.objects.get(username="rep1")
    report, _created = weekly_report_start(actor=rep, week=current_week_key(rep))
    weekly_report_update(actor=rep, report=report, help_needed="A second visit with the manager")
    weekly_report_submit(actor=rep, report=report)
    customer = Customer.objects.order_by("pk").first()
    deal = Deal.objects.order_by("pk").first()
    activity = Activity.objects.order_by("pk").first()
    assert customer and deal and activity
    assert WeeklyReport.objects.filter(pk=report.pk, status="submitted").exists()
    return [
        "/",
        "/calendar/",
        "/calendar/?view=month",
        "/feed/",
        f"/activities/{activity.pk}/",
        "/activities/new/",
        "/customers/",
        f"/customers/{customer.pk}/",
        "/deals/",
        f"/deals/{deal.pk}/",
        "/pipeline/",
        "/insights/",
        "/insights/uncontacted/",
        "/targets/",
        "/reports/",
        "/reports/team/",
        "/reports/team/pack/",
        f"/reports/{report.pk}/",
        "/search?q=%E5%95%86%E4%BA%8B",
        "/notifications/",
        "/settings/",
        "/settings/users/",
        "/settings/channels/new/",
        "/imports/",
        "/api/v1/docs",
    ]


@pytest.mark.slow
def test_no_page_reports_a_csp_violation_and_htmx_still_works(live_server, live_reference_data):
    from totonou.users.models import User

    call_command("seed", "--size", "demo", "--locale", "en", "--if-empty", verbosity=0)
    User.objects.filter(username="manager").update(language="en")
    base = live_server.url
    violations: list[str] = []
    with chromium_page(viewport={"width": 1280, "height": 900}) as page:
        watch = Watch(page)
        violations += watch.visit(f"{base}/accounts/login/")
        sign_in(page, base, "manager")
        for url in main_pages():
            violations += watch.visit(base + url)

        # htmx under the policy: typing in the customer filter swaps the results in place (no page load:
        # a mark on the window survives) and pushes the URL
        page.goto(f"{base}/customers/")
        expect(page.locator("#customer-results")).to_be_visible()
        page.evaluate("window.__samePage = true")
        page.locator("#filter-q").fill("zzzz-no-such-customer")
        expect(page).to_have_url(re.compile(r"q=zzzz-no-such-customer"))
        htmx_idle(page)
        assert page.evaluate("window.__samePage === true")
        violations += watch.violations()

        # the feed: open an item's comments (htmx) and add an @mention with a hint button (actions.js)
        page.goto(f"{base}/feed/")
        item = page.locator(".feed-item").first
        item.locator("summary", has_text="Comments").click()
        htmx_idle(page)
        textarea = item.get_by_label("Your comment")
        textarea.fill("Hello")
        hint = item.locator(".mention-hint").first
        name = hint.get_attribute("value")
        hint.click()
        expect(textarea).to_have_value(f"Hello @{name} ")
        violations += watch.violations()

        # the calendar feed address: the copy button (actions.js) writes the clipboard
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page.goto(f"{base}/settings/")
        page.locator("#calendar-feed form button[type=submit]").click()
        address = page.locator("#calendar-feed-url")
        expect(address).to_be_visible()
        page.locator("#calendar-feed [data-copy]").click()
        expect(page.locator("#calendar-feed .copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
        violations += watch.violations()

        # the calendar moves on a week
        page.goto(f"{base}/calendar/")
        page.locator("a[rel=next]").first.click()
        page.wait_for_load_state("networkidle")
        htmx_idle(page)
        violations += watch.violations()
        console = list(watch.console)

    # an administrator's Django admin
    with chromium_page(viewport={"width": 1280, "height": 900}) as page:
        watch = Watch(page)
        sign_in(page, base, "admin")
        for url in ("/admin/", "/admin/customers/customer/", "/admin/axes/accessattempt/"):
            violations += watch.visit(base + url)
        page.goto(f"{base}/admin/customers/customer/")
        change = page.locator("#result_list th a").first.get_attribute("href")
        violations += watch.visit(base + change)
        console += watch.console

    csp_console = [line for line in console if re.search("Content.Security.Policy", line, re.I)]
    assert not violations, "\n".join(violations)
    assert not csp_console, "\n".join(csp_console)
