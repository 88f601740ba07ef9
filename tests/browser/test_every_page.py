"""Every page of the app, found by walking ``web/urls.py``, answers and fits the screen.

The URLconf is the list of pages: a new page is checked without touching this file, unless its URL
needs an id of a kind this test does not know yet — then the test fails and names the pattern, so no
page slips through unchecked. Each page is opened once per language as each kind of user who may see it;
the viewport is then resized through every width a person uses (phone to wide desktop) and the document
may never be wider than the window, and no text a person reads is smaller than 14 px.
axe-core then checks the page (the widest layout): no serious or
critical accessibility violation.

Screenshots of every page at every width land in ``$TOTONOU_SCREENSHOTS`` (default: a temporary
directory; never in git) for a person to look at.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.browser_support import CSP_LISTENER, chromium_page, csp_violations, screenshot, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 1024, 1280, 1366, 1920)
LANGUAGES = ("ja", "en")
SCREENSHOTS = Path(os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-pages-"))

#: Patterns that are not pages a person opens (POST-only actions answer 405 to GET and are skipped by
#: the walk itself); these answer GET but are not screens.
NOT_PAGES = {
    "healthz",
    "slack_command",
    "logout",
    "activities:feed_new",  # the feed's polling answer (needs ?after=), a fragment
    "activities:activity_form_customers",  # the activity form's customer picker, a fragment
    "activities:activity_form_relations",  # the activity form's contacts and deals, a fragment
    "imports:export",  # a CSV / .xlsx download of a list (tested in tests/imports/test_exports.py)
    "web:calendar_feed",  # an iCalendar file for calendar clients (tested in tests/web/test_calendar_feed.py)
}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(route, name) of every named URL pattern outside the API and the Django admin."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, f"{namespace}{entry.name}"


def _ids() -> dict[str, int | None]:
    """An existing object per URL prefix: the pk that fills ``<int:pk>`` in a page's route."""
    from totonou.activities.models import Activity, ActivityType, Comment
    from totonou.customers.models import Contact, Customer, Segment
    from totonou.deals.models import Deal, LossReason, Stage
    from totonou.imports.models import Import
    from totonou.notifications.models import Channel, Delivery, Notification, OutboundEmail
    from totonou.reports.models import WeeklyReport
    from totonou.users.models import Team, User

    def first(model: Any) -> int | None:
        return model.objects.order_by("pk").values_list("pk", flat=True).first()

    return {
        "insights/uncontacted": Customer.objects.order_by("pk").values_list("pk", flat=True).first(),
        "customers": Customer.objects.order_by("pk").values_list("pk", flat=True).first(),
        "deals": Deal.objects.order_by("pk").values_list("pk", flat=True).first(),
        "activities": Activity.objects.order_by("pk").values_list("pk", flat=True).first(),
        "feed": Activity.objects.order_by("pk").values_list("pk", flat=True).first(),
        "settings/channels": Channel.objects.order_by("pk").values_list("pk", flat=True).first(),
        "settings/deliveries": Delivery.objects.order_by("pk").values_list("pk", flat=True).first(),
        "settings/tokens": None,  # revoking a token is an action (POST), not a page
        "customers/contacts": first(Contact),
        "settings/users": first(User),
        "settings/teams": first(Team),
        "settings/segments": first(Segment),
        "settings/stages": first(Stage),
        "settings/loss-reasons": first(LossReason),
        "settings/activity-types": first(ActivityType),
        "settings/emails": first(OutboundEmail),
        "notifications": first(Notification),
        "imports": first(Import),
        "comments": first(Comment),
        # a submitted report (the team reads it; a draft is its author's only)
        "reports": WeeklyReport.objects.exclude(status="draft")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "reports/week": None,  # saving and submitting a week are actions (POST), not pages
        # a rep's history: the demo manager manages every team (rep1 is sent to /reports/history/)
        "reports/member": User.objects.filter(username="rep1").values_list("pk", flat=True).first(),
    }


def _url(route: str, ids: dict[str, int | None]) -> str | None:
    """The route with its ids filled in, or None when the route needs an id this test cannot name."""
    if route.startswith("accounts/reset/"):
        return _password_reset_url()
    if "<" not in route:
        return "/" + route.replace("^", "").replace("$", "")
    prefix = route.split("<", 1)[0].rstrip("/")
    for known, pk in sorted(ids.items(), key=lambda item: -len(item[0])):
        if prefix == known or prefix.startswith(known + "/"):
            if pk is None:
                return None
            # a week in a route: the one two weeks back (a member's week opens whether written or not)
            week = timezone.localdate() - datetime.timedelta(days=14)
            key = "{}-W{:02d}".format(*week.isocalendar()[:2])
            return "/" + re.sub(r"<int:\w+>", str(pk), route).replace("<str:week>", key)
    raise AssertionError(f"No object to fill {route!r}: add its prefix to _ids() in {__file__}")


def _password_reset_url() -> str:
    """The page a password-reset (or set-password) link opens, with a real token for the demo admin."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from totonou.users.models import User

    user = User.objects.get(username="admin")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"


def _pages(client: Client) -> list[str]:
    ids = _ids()
    urls: list[str] = []
    failures: list[tuple[str, int]] = []
    for route, name in _walk(get_resolver().url_patterns):
        if name in NOT_PAGES:
            continue
        url = _url(route, ids)
        if url is None:
            continue
        response = client.get(url)
        if response.status_code in {405, 301, 302} or response.get("HX-Redirect"):
            continue  # an action (POST only) or a redirect (an old address kept working), not a page
        if response.status_code == 403:
            continue  # not this user's page (a rep on the channel settings): the refusal is tested elsewhere
        if response.status_code != 200:
            failures.append((url, response.status_code))
            continue
        if not response["Content-Type"].startswith("text/html") or b"<html" not in response.content[:400]:
            continue  # a fragment for htmx or a download
        urls.append(url)
    assert not failures, failures
    return sorted(set(urls))


#: axe-core (npm, installed by ``make install``): the accessibility rules run over every page.
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts that fail the test (axe also reports "minor" and "moderate" ones).
AXE_FAILING = ("serious", "critical")


def _axe_violations(page: Any) -> list[str]:
    """The serious and critical axe-core violations of the open page, one line per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # evaluated, not a <script>: CSP allows it
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{found['impact']} {found['id']}: {found['help']} at {', '.join(found['targets'])}"
        for found in results
        if found["impact"] in AXE_FAILING
    ]


#: Text smaller than 14 px that a person reads: any visible element with text of its own, outside charts
#: (SVG text scales with the chart) and outside the two places the design allows 12 px: the phone tab bar's
#: labels under their icons and numeric counters (``--text-xs`` in app.css).
SMALL_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !element || seen.has(element)) continue;
    seen.add(element);
    const skipped = 'svg, .visually-hidden, .main-nav, [data-counter], script, style, template';
    if (element.closest(skipped)) continue;
    if (!element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || parseFloat(style.fontSize) >= 14) continue;
    const names = [...element.classList].join('.');
    found.push(`${element.tagName.toLowerCase()}${names ? '.' + names : ''} ${style.fontSize}: ` +
               walker.currentNode.textContent.trim().slice(0, 24));
  }
  return found.slice(0, 4);
}"""


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.slow
@pytest.mark.parametrize("username", ["manager", "rep1"])
def test_every_page_answers_and_fits_every_width(live_server, live_reference_data, username):
    from totonou.users.models import User

    call_command("seed", "--size", "demo", "--locale", "ja", "--if-empty", verbosity=0)
    client = Client()
    client.login(request=HttpRequest(), username=username, password="demo")
    pages = _pages(client)
    assert len(pages) >= 12, pages  # the walk found the app's pages, not an empty list
    overflowing: list[str] = []
    inaccessible: list[str] = []
    small_text: list[str] = []
    assert AXE.is_file(), f"{AXE} is missing: run `make test-tools` (npm ci)"
    violations: list[str] = []  # of the Content-Security-Policy (tests/browser/test_csp.py)
    with chromium_page(viewport={"width": WIDTHS[0], "height": 900}) as page:
        page.add_init_script(CSP_LISTENER)
        _sign_in(page, live_server.url, username)
        for language in LANGUAGES:
            User.objects.filter(username=username).update(language=language)  # the user's language wins
            for url in pages:
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                page.goto(f"{live_server.url}{url}")
                assert page.locator("html").get_attribute("lang") == language, url
                violations += csp_violations(page)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    settled(page)
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    name = f"{username}-{language}-{url.strip('/').replace('/', '_') or 'home'}-{width}.png"
                    screenshot(page, path=str(SCREENSHOTS / name))
                    if scroll_width > width:
                        overflowing.append(f"{language} {url} at {width}px: {scroll_width}px wide")
                    if width in (390, 1366):
                        small_text += [
                            f"{language} {url} at {width}px: {found}" for found in page.evaluate(SMALL_TEXT)
                        ]
                inaccessible += [f"{language} {url}: {line}" for line in _axe_violations(page)]
    assert not overflowing, "\n".join(overflowing)
    assert not small_text, "\n".join(small_text)
    assert not inaccessible, "\n".join(inaccessible)
    assert not violations, "\n".join(violations)
