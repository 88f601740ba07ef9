"""A manager adds a Slack channel in the UI, presses "Send test message" (htmx shows the result), and
from then on a completed activity arrives, with every attempt in the delivery log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser_support import chromium_page
from tests.factories import UserFactory
from tests.notifications.helpers import plan_visit, pump_all
from totonou.activities.services import activity_complete
from totonou.notifications.models import Channel

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    with chromium_page() as opened:
        yield opened


def test_manager_sets_up_slack_and_sees_the_delivery_log(
    live_server, live_reference_data, page, receiver, settings
):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    UserFactory(username="boss", display_name="Boss", role="manager", language="en")
    rep = UserFactory(username="rep1", display_name="Sato", language="en")

    page.goto(f"{live_server.url}/settings/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/settings/")
    page.click("text=Chat channels")
    page.click("text=Add a channel")
    page.fill("input[name=name]", "#sales")
    page.select_option("select[name=kind]", "slack")
    page.fill("input[name=url]", receiver.url + "/services/T/B/x")
    page.select_option("select[name=language]", "en")
    page.click("button:has-text('Save channel')")
    expect(page.locator("#channel-" + str(Channel.objects.get().pk))).to_contain_text("#sales")

    page.evaluate("window.__not_reloaded = true")
    page.click("button:has-text('Send test message')")
    expect(page.locator(".test-result")).to_contain_text("Delivered.")
    assert page.evaluate("window.__not_reloaded") is True
    assert "Totonou test message" in receiver.requests[0].json()["text"]

    activity = plan_visit(rep)
    activity_complete(actor=rep, activity=activity, notes="次回デモ")
    assert pump_all() == 1
    assert receiver.requests[-1].json()["blocks"][0]["text"]["text"].startswith("*Sato completed Visit ★")

    page.click("text=Delivery log")
    rows = page.locator("tr.delivery")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Activity completed")
    expect(rows.first).to_contain_text("#1")


def test_the_channel_form_shows_only_the_chosen_kinds_fields(live_server, live_reference_data, page):
    """The channel form (issue #18): Slack shows the URL only; Chatwork the room id and token; a webhook
    the URL and the signing secret. The filters' empty choice reads "All", never "---------"."""
    expect = playwright_sync.expect
    UserFactory(username="boss", display_name="Boss", role="manager", language="en")
    page.goto(f"{live_server.url}/settings/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    page.goto(live_server.url + reverse("notifications:channel_create"))
    shown = {
        "slack": {"url"},
        "chatwork": {"room_id", "token"},
        "webhook": {"url", "secret"},
        "teams": {"url"},
    }
    for kind, fields in shown.items():
        page.select_option("select[name=kind]", kind)
        for name in ("url", "room_id", "token", "secret"):
            field = page.locator(f"[name={name}]")
            if name in fields:
                expect(field).to_be_visible()
            else:
                expect(field).to_be_hidden()
    for name in ("team", "segment", "owner"):
        assert page.locator(f"select[name={name}] option").first.inner_text() == "All"
    assert "---------" not in page.content()
