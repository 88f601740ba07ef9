"""Weekly reports in the browser: a rep writes (autosaved) and submits on a phone; the manager works the
review queue, comments and marks the report reviewed; the meeting pack prints to a PDF from headless
Chromium with one member per row."""

from __future__ import annotations

import io
import os
import re
import tempfile

import pytest

from tests.browser_support import PHONE, chromium_page, screenshot, settled
from tests.factories import make_team
from totonou.activities.models import Comment
from totonou.reports.models import WeeklyReport
from totonou.reports.weeks import current_week_key

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="reports-shots-")


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")


def htmx_ready(page, selector: str) -> None:
    """Wait until htmx has processed ``selector``: typed before that, the autosave trigger is missed (a
    phone under load loads the script after the heading shows)."""
    page.wait_for_function(
        "(selector) => { const el = document.querySelector(selector);"
        " return Boolean(window.htmx && el && el['htmx-internal-data']); }",
        arg=selector,
    )


def _people():
    team, manager, (rep, other) = make_team("Osaka")
    for user, name in ((manager, "boss"), (rep, "hana"), (other, "taro")):
        user.username, user.display_name, user.language = name, name.title(), "en"
        user.set_password("pw")
        user.save()
    return team, manager, rep, other


def test_rep_writes_and_submits_on_a_phone_and_the_manager_reviews(
    live_server, live_reference_data, settings
):
    settings.LANGUAGE_CODE = "en"
    expect = playwright_sync.expect
    _team, manager, rep, _other = _people()
    week = current_week_key(rep)

    with chromium_page(viewport=PHONE) as page:
        sign_in(page, live_server.url, "/reports/", "hana")
        expect(page.locator("h1")).to_have_text(f"Weekly report {week}")
        htmx_ready(page, "#reflection-form")
        page.fill("#reflection-went_well", "Two new leads")
        expect(page.locator("#save-state")).to_contain_text("Draft saved")
        assert WeeklyReport.objects.get().went_well == "Two new leads"
        page.fill("#reflection-help_needed", "Please join the Friday visit")
        settled(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        screenshot(page, path=f"{SHOTS}/report-phone.png", full_page=True)
        page.click("#report-submit")
        expect(page.locator("#report-status")).to_have_text("Submitted")
    report = WeeklyReport.objects.get()
    assert (report.status, report.help_needed) == ("submitted", "Please join the Friday visit")

    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, "/reports/team/", "boss")
        expect(page.locator("h1")).to_have_text("Review queue")
        first = page.locator("#report-queue > li").first
        expect(first).to_have_attribute("data-member", "hana")  # help needed first
        expect(first).to_contain_text("Please join the Friday visit")
        screenshot(page, path=f"{SHOTS}/queue-desktop.png", full_page=True)
        first.locator("a:not(.report-queue__history)").click()  # the report, not the member's history
        page.fill("#report-comment", "@hana I will come along")
        page.click("#comments button[type=submit]")
        expect(page.locator("#comments .comments")).to_contain_text("I will come along")
        page.click("#report-review")
        expect(page.locator("#report-status")).to_have_text("Reviewed")
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == ("reviewed", manager)
    comment = Comment.objects.get()
    assert (comment.weekly_report_id, [user.username for user in comment.mentions.all()]) == (
        report.pk,
        ["hana"],
    )


def test_the_meeting_pack_prints_one_member_per_row(live_server, live_reference_data, settings):
    from pypdf import PdfReader

    settings.LANGUAGE_CODE = "en"
    team, _manager, rep, _other = _people()
    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, f"/reports/team/pack/?team={team.pk}", "boss")
        page.locator("#pack-table").wait_for()
        assert page.locator("#pack-table tbody tr.pack-row").count() == 3
        page.emulate_media(media="print")
        assert page.locator(".main-nav").first.is_hidden()
        pdf = page.pdf(format="A4", landscape=True, print_background=False)
    with open(f"{SHOTS}/meeting-pack.pdf", "wb") as handle:
        handle.write(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    lines = [line.strip() for line in reader.pages[0].extract_text(extraction_mode="layout").splitlines()]
    assert lines[0] == f"Meeting pack · Osaka · {current_week_key(rep)}"
    for name in ("Boss", "Hana", "Taro"):
        # the member's name, status and every figure on one printed line (the status may wrap in its cell)
        rows = [line for line in lines if re.match(rf"^{name}\b", line)]
        assert len(rows) == 1, (name, lines)
        # nine figures, then the revenue target, revenue to date and attainment, then help needed
        figures = r"0\s+0\s+0\s+0\s+0\s+0\s+¥0\s+0\s+0"
        assert re.match(rf"^{name}\s+(Not|Late)\s+{figures}\s+—\s+¥0\s+—\s+—$", rows[0]), rows[0]


@pytest.mark.parametrize(("language", "width"), [("ja", 390), ("en", 1024), ("en", 1366)])
def test_a_figure_opens_the_records_behind_it(live_server, live_reference_data, settings, language, width):
    """The records behind a figure are read when their group opens: clicking the figure's number opens
    the group and lists them; opening another group by its summary lists its own."""
    import datetime

    from django.utils import timezone

    from tests.factories import CustomerFactory
    from tests.insights.conftest import make_activity

    settings.LANGUAGE_CODE = language
    expect = playwright_sync.expect
    _team, _manager, rep, _other = _people()
    rep.language = language
    rep.save()
    customer = CustomerFactory(owner=rep, name="北斗商事", is_key=True)
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    done = [
        make_activity(owner=rep, customer=customer, starts_at=start + datetime.timedelta(hours=2 * i))
        for i in range(3)
    ]
    planned = make_activity(
        owner=rep, customer=customer, starts_at=start + datetime.timedelta(days=7), status="planned"
    )

    with chromium_page(viewport={"width": width, "height": 900}, locale=language) as page:
        sign_in(page, live_server.url, "/reports/", "hana")
        htmx_ready(page, "#records-activities_done")
        group = page.locator("#records-activities_done")
        expect(group).not_to_have_attribute("open", "")
        assert page.locator("[data-activity]").count() == 0  # nothing listed before a group opens
        page.click('#report-figures a[href="#records-activities_done"]')
        expect(group).to_have_attribute("open", "")
        expect(group.locator("[data-activity]")).to_have_count(3)
        settled(page)
        header = page.locator(".site-header").bounding_box()
        summary = group.locator("summary").bounding_box()
        assert summary["y"] >= header["y"] + header["height"], (summary, header)  # not under the header
        assert [group.locator("[data-activity]").nth(i).get_attribute("data-activity") for i in range(3)] == [
            str(activity.pk) for activity in done
        ]
        expect(group).to_contain_text("北斗商事")
        later = page.locator("#records-next_week_planned")
        later.locator("summary").click()
        expect(later.locator("[data-activity]")).to_have_count(1)
        assert later.locator("[data-activity]").get_attribute("data-activity") == str(planned.pk)
        settled(page)
        width_used = page.evaluate("document.documentElement.scrollWidth")
        assert width_used <= width, width_used
        screenshot(page, path=f"{SHOTS}/report-records-{language}-{width}.png", full_page=True)
