"""The team feed in a real browser (Debian's Chromium through Playwright): a manager comments with an
@mention and the rep sees it in the bell and on the mentions page; the manager works the review queue;
a rep's new activity appears in the manager's open feed without a reload; the language switches both
ways."""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser_support import screenshot
from tests.factories import CustomerFactory, activity_type, make_team
from totonou.activities import services
from totonou.activities.models import Activity, Comment, Mention
from totonou.users.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def signed_in(browser, live_server, user: User, viewport: dict[str, int]):
    """A new browser context (its own cookies) signed in as ``user`` (password "pw")."""
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")  # the sign-in form's own button, not the language one
    expect(page.locator("nav.main-nav")).to_be_visible()
    return page


@pytest.fixture
def team(live_reference_data, settings):
    """A manager and two reps (English), and the first rep's plan at a key customer tomorrow."""
    settings.LANGUAGE_CODE = "en"
    _team, manager, (rep, other_rep) = make_team("Team A")
    for user, name in ((manager, "Tanaka"), (rep, "Sato"), (other_rep, "Suzuki")):
        user.display_name, user.language = name, "en"
        user.save(update_fields=["display_name", "language"])
    customer = CustomerFactory(owner=rep, name="Key Mart", is_key=True)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=1
    )
    activity = services.activity_create(
        actor=rep,
        type=activity_type("visit"),
        customer=customer,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        subject="Tasting",
        notes="Brought the spring samples",
    )
    return manager, rep, activity


def htmx_idle(page) -> None:
    """Wait until htmx has no request in flight and has settled what it swapped in: a control in content
    it has not processed yet submits its form the old way (a full page load)."""
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def feed_item(page, activity: Activity):
    return page.locator(f"li.feed-item[data-activity='{activity.pk}']").first


def test_a_managers_mention_reaches_the_rep(live_server, browser, team):
    manager, rep, activity = team
    page = signed_in(browser, live_server, manager, DESKTOP)
    page.goto(f"{live_server.url}/feed/")
    item = feed_item(page, activity)
    expect(item).to_have_class(re.compile(r"\bactivity--planned\b.*\bis-key\b.*\bfeed-item\b"))
    expect(item.locator(".key-marker")).to_have_text("★")

    item.locator("summary", has_text="Comments").click()
    textarea = item.get_by_label("Your comment")
    textarea.fill("Please ask about the fair")
    item.locator(".mention-hint", has_text=f"@{rep.username}").click()  # the teammate hint inserts the name
    expect(textarea).to_have_value(f"Please ask about the fair @{rep.username} ")
    item.get_by_role("button", name="Post comment").click()

    expect(item.locator(".comments .comment")).to_have_count(1)  # swapped in place, no reload
    expect(item.locator(".comments .comment")).to_contain_text("Please ask about the fair")
    expect(item.locator(".social__comments summary .count")).to_have_text("1")
    expect(textarea).to_have_value("")
    comment = Comment.objects.get()
    assert (comment.author, comment.activity_id) == (manager, activity.pk)
    assert list(Mention.objects.values_list("user", flat=True)) == [rep.pk]

    rep_page = signed_in(browser, live_server, rep, PHONE)
    bell = rep_page.locator("#notification-bell")  # mentions are one kind of notification
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")
    expect(bell.locator(".mentions-badge__count")).to_have_text("1")
    bell.click()

    expect(rep_page).to_have_url(f"{live_server.url}/notifications/")
    mention = rep_page.locator(".notification-item.is-unread")
    expect(mention).to_have_count(1)
    expect(mention).to_contain_text("Please ask about the fair")
    expect(mention).to_contain_text("Tanaka mentioned you")
    mention.locator(".notification-item__title a").click()
    expect(rep_page).to_have_url(f"{live_server.url}{comment.get_absolute_url()}")
    expect(rep_page.locator(f"#comment-{comment.pk}")).to_contain_text("Please ask about the fair")
    expect(rep_page.locator("#notification-bell .mentions-badge__count")).to_have_count(0)  # read now

    rep_page.goto(f"{live_server.url}/mentions/")  # the mentions page still lists it
    expect(rep_page.locator(".mention-item")).to_contain_text("Please ask about the fair")
    assert Mention.objects.get().read_at is not None


def test_the_manager_works_the_review_queue_and_switches_language(live_server, browser, team):
    manager, _rep, activity = team
    page = signed_in(browser, live_server, manager, PHONE)
    page.goto(f"{live_server.url}/feed/")
    page.get_by_label("Not reviewed yet").check()  # htmx applies the filter in place
    expect(page).to_have_url(f"{live_server.url}/feed/?owner=&team=&segment=&type=&unreviewed=true")
    htmx_idle(page)
    item = feed_item(page, activity)
    button = item.get_by_role("button", name="Mark reviewed")
    button.focus()
    page.keyboard.press("Enter")  # with the keyboard

    reviewed = item.locator(".review--done")
    expect(reviewed.get_by_role("button", name="Reviewed")).to_be_disabled()
    expect(reviewed).to_contain_text("Tanaka")
    activity.refresh_from_db()
    assert activity.reviewed_by == manager

    page.reload()
    expect(page.locator(f"li.feed-item[data-activity='{activity.pk}']")).to_have_count(0)
    expect(page.locator(".feed__empty")).to_be_visible()

    page.click("button[name=language][value=ja]")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    nav = page.locator("nav.main-nav")
    expect(nav.get_by_role("link", name="フィード")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="今日の活動")).to_be_visible()
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="Feed")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="My day")).to_be_visible()


def test_a_new_activity_appears_in_the_open_feed_without_a_reload(live_server, browser, team, settings):
    settings.TOTONOU_FEED_POLL_SECONDS = 1
    manager, rep, activity = team
    page = signed_in(browser, live_server, manager, DESKTOP)
    page.goto(f"{live_server.url}/feed/")
    expect(feed_item(page, activity)).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")

    start = timezone.now() - datetime.timedelta(hours=1)
    logged = services.activity_create(
        actor=rep,
        type=activity_type("call"),
        customer=CustomerFactory(owner=rep, name="Plain Foods"),
        status=Activity.Status.DONE,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        notes="Agreed on a trial order",
    )

    new_item = feed_item(page, logged)
    expect(new_item).to_be_visible(timeout=10_000)
    expect(new_item).to_contain_text("logged an activity")
    expect(new_item).to_contain_text("Agreed on a trial order")
    expect(page.locator("#feed-list > li.feed-item").first).to_have_attribute("data-activity", str(logged.pk))
    expect(page.locator("#feed-live")).to_have_text("1 new item in the feed")
    assert page.evaluate("window.stillTheSamePage") is True


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_opened_comment_box_fits_every_width(live_server, browser, team, language):
    """The box loads its thread and form when first opened (ADR 0050): at a phone's, a laptop's and a
    desktop's width, in both languages, it shows the comment, the form's words in the reader's language,
    the @mention hints, and nothing wider than the screen. Screenshots in $TOTONOU_SCREENSHOTS."""
    manager, rep, activity = team
    services.comment_create(actor=rep, body="Samples went well — 試食の評判が良かった", activity=activity)
    manager.language = language
    manager.save(update_fields=["language"])
    words = {"ja": ("コメントを書く", "コメントを投稿"), "en": ("Your comment", "Post comment")}
    label, post = words[language]
    folder = Path(os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-feed-"))
    for width in (390, 1024, 1366):
        page = signed_in(browser, live_server, manager, {"width": width, "height": 900})
        page.goto(f"{live_server.url}/feed/")
        item = feed_item(page, activity)
        expect(item.locator("textarea")).to_have_count(0)  # not on the page until the box is opened
        item.locator(".social__comments summary").click()
        expect(item.get_by_label(label)).to_be_visible()
        expect(item.locator(".comments .comment")).to_contain_text("試食の評判が良かった")
        expect(item.locator(".mention-hint", has_text=f"@{rep.username}")).to_be_visible()
        expect(item.get_by_role("button", name=post)).to_be_visible()
        htmx_idle(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{width}px {language}: {overflow}px wider than the screen"
        screenshot(item, path=str(folder / f"feed-comment-box-{language}-{width}.png"))
        page.context.close()
