"""The calendar drawn to scale (ADR 0030), measured in Chromium: a 09:00–10:30 plan starts on the 09:00
line and is an hour and a half tall, overlapping plans sit side by side, today's column has the
current-time line at the current minute, and a manager's team week fits at 1024 and 1366 px (and folds
into the day list on a phone) in Japanese and English. Screenshots go to a temporary directory (or
``TOTONOU_SCREENSHOTS``)."""

from __future__ import annotations

import datetime
import itertools
import os
import tempfile
import zoneinfo

import pytest

from tests.browser.test_every_page import _axe_violations
from tests.browser_support import chromium_page, screenshot, settled
from tests.factories import ActivityFactory, CustomerFactory, TeamFactory, UserFactory
from totonou.users.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
SHOTS = os.environ.get("TOTONOU_SCREENSHOTS") or tempfile.mkdtemp(prefix="totonou-calendar-")


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main form button[type=submit]")
    playwright_sync.expect(page.locator("nav.main-nav")).to_be_visible()


def weekday_ahead(days: int = 3) -> datetime.date:
    """A Monday to Saturday at least ``days`` ahead (its Monday-first week is the one shown)."""
    day = datetime.datetime.now(TOKYO).date() + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=1) if day.weekday() == 6 else day


def at(day: datetime.date, hour: int, minute: int = 0, zone=TOKYO) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def plan(owner: User, start: datetime.datetime, minutes: int, subject: str, **extra):
    return ActivityFactory(
        owner=owner,
        subject=subject,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        **extra,
    )


def box(page, selector: str) -> dict[str, float]:
    settled(page)
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not drawn"
    return found


def slot(day: datetime.date, hour: int) -> str:
    return f'li.cal-slot[data-drop-date="{day:%Y-%m-%d}"][data-drop-hour="{hour}"]'


def item(activity) -> str:
    return f'#calendar li.cal-item[data-activity="{activity.pk}"]'


def rects(page, selector: str) -> list[dict[str, float]]:
    """The boxes of every element ``selector`` finds, as drawn."""
    settled(page)
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector), (node) => {
            const rect = node.getBoundingClientRect();
            return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        })""",
        selector,
    )


def page_width(page) -> int:
    settled(page)
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_plan_is_drawn_from_its_start_to_its_end_and_overlaps_sit_side_by_side(
    live_server, live_reference_data
):
    rep = UserFactory(username="rep1", display_name="Sato", language="en")
    day = weekday_ahead()
    customer = CustomerFactory(owner=rep, name="Key Mart", is_key=True)
    long_visit = plan(rep, at(day, 9), 90, "Tasting", customer=customer)
    first = plan(rep, at(day, 13), 60, "First")
    second = plan(rep, at(day, 13, 30), 90, "Second")
    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/calendar/?view=week&date={day:%Y-%m-%d}")
        nine, ten = box(page, slot(day, 9)), box(page, slot(day, 10))
        hour = ten["y"] - nine["y"]
        assert hour == pytest.approx(56, abs=0.5)  # 3.5rem, the grid's one scale
        visit = box(page, item(long_visit))
        assert visit["y"] == pytest.approx(nine["y"], abs=0.5)  # on the 09:00 line
        assert visit["height"] == pytest.approx(1.5 * hour, abs=0.5)  # an hour and a half tall
        assert visit["x"] == pytest.approx(nine["x"], abs=0.5)
        assert visit["width"] == pytest.approx(nine["width"] - 2, abs=0.5)  # alone: the whole column
        # Still the card: ★, status symbol and word, time.
        card = page.locator(item(long_visit))
        playwright_sync.expect(card.get_by_role("img", name="Key customer")).to_be_visible()
        assert card.locator(".cal-status__symbol").inner_text() == "○"
        assert card.locator(".cal-status__word").text_content() == "Planned"
        assert card.locator(".cal-item__time").inner_text().startswith("09:00")

        one, two = box(page, item(first)), box(page, item(second))
        thirteen = box(page, slot(day, 13))
        assert one["y"] == pytest.approx(thirteen["y"], abs=0.5)
        assert two["y"] == pytest.approx(thirteen["y"] + hour / 2, abs=0.5)
        assert one["y"] + one["height"] > two["y"]  # they overlap in time ...
        assert one["x"] + one["width"] <= two["x"]  # ... so they sit side by side, not on each other
        for drawn in (one, two):
            assert drawn["width"] == pytest.approx(thirteen["width"] / 2 - 2, abs=0.5)
        assert two["height"] == pytest.approx(1.5 * hour, abs=0.5)
        screenshot(page, path=f"{SHOTS}/scale-week-1366-en.png", full_page=True)
        assert _axe_violations(page) == []


def test_a_fair_of_days_sits_in_the_strip_and_a_late_dinner_goes_on_after_midnight(
    live_server, live_reference_data
):
    rep = UserFactory(username="rep1", display_name="Sato", language="ja")
    day = weekday_ahead()
    if day.weekday() == 5:  # the dinner's next day must be in the same (Monday-first) week
        day -= datetime.timedelta(days=1)
    following = day + datetime.timedelta(days=1)
    fair = plan(rep, at(day, 9), 2 * 24 * 60, "Trade fair")
    dinner = plan(rep, at(day, 22), 150, "Dinner")
    with chromium_page(viewport={"width": 1366, "height": 900}) as page:
        sign_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/calendar/?view=week&date={day:%Y-%m-%d}")
        screenshot(page, path=f"{SHOTS}/strip-and-midnight-1366-ja.png", full_page=True)
        assert _axe_violations(page) == []  # the strip, the continued pieces, the boxes
        midnight = box(page, slot(day, 0))  # the grid widened to the whole day
        strip_item = box(page, item(fair))
        assert strip_item["y"] + strip_item["height"] <= midnight["y"]  # above the hours
        continued = page.locator(f'#calendar li.cal-item[data-continues="{fair.pk}"]')
        assert continued.count() == 2  # the next two days' strips
        evening = box(page, item(dinner))
        ten_pm, eleven_pm = box(page, slot(day, 22)), box(page, slot(day, 23))
        hour = eleven_pm["y"] - ten_pm["y"]
        assert evening["y"] == pytest.approx(ten_pm["y"], abs=0.5)
        assert evening["height"] == pytest.approx(2 * hour, abs=0.5)  # to midnight
        rest = box(page, f'#calendar li.cal-item[data-continues="{dinner.pk}"]')
        next_midnight = box(page, slot(following, 0))
        assert rest["y"] == pytest.approx(next_midnight["y"], abs=0.5)
        assert rest["height"] == pytest.approx(hour / 2, abs=0.5)  # 00:00–00:30
        assert rest["x"] == pytest.approx(next_midnight["x"], abs=0.5)


def zone_where_it_is_midday() -> str:
    """A fixed-offset zone where it is now between 11:00 and 13:59, so the line is on the grid."""
    offset = 12 - datetime.datetime.now(datetime.UTC).hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" + ("-" if offset > 0 else "+") + str(abs(offset))  # Etc/GMT-9 is UTC+9


def test_todays_column_has_the_current_time_line_at_the_current_minute(live_server, live_reference_data):
    zone_name = zone_where_it_is_midday()
    UserFactory(username="rep1", display_name="Sato", language="en", time_zone=zone_name)
    with chromium_page(viewport={"width": 1366, "height": 900}, timezone_id="America/Los_Angeles") as page:
        sign_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/calendar/?view=week")
        now = datetime.datetime.now(zoneinfo.ZoneInfo(zone_name))
        line = page.locator("section.cal-col.is-today .cal-now")
        playwright_sync.expect(line).to_be_visible()
        assert page.locator(".cal-now").count() == 1  # today's column only
        hour_box = box(page, slot(now.date(), now.hour))
        next_box = box(page, slot(now.date(), now.hour + 1))
        drawn = box(page, "section.cal-col.is-today .cal-now")
        # At this minute of the reader's zone (the browser's own zone does not matter), give or take
        # the minute that may have passed.
        expected = hour_box["y"] + (next_box["y"] - hour_box["y"]) * now.minute / 60
        assert expected - 1 <= drawn["y"] <= expected + (next_box["y"] - hour_box["y"]) / 60 * 2 + 1
        assert page.locator("section.cal-col:not(.is-today) .cal-now").count() == 0


def test_a_day_view_on_the_day_clocks_move_keeps_the_wall_clock(live_server, live_reference_data):
    """New York springs forward on 2026-03-08: a 09:00–10:30 plan still starts on the 09:00 line."""
    new_york = zoneinfo.ZoneInfo("America/New_York")
    rep = UserFactory(username="rep1", display_name="Sato", language="en", time_zone="America/New_York")
    day = datetime.date(2026, 3, 8)
    visit = plan(rep, at(day, 9, zone=new_york), 90, "Breakfast meeting")
    with chromium_page(viewport={"width": 1024, "height": 900}) as page:
        sign_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/calendar/?view=day&date={day:%Y-%m-%d}")
        nine, ten = box(page, slot(day, 9)), box(page, slot(day, 10))
        drawn = box(page, item(visit))
        assert drawn["y"] == pytest.approx(nine["y"], abs=0.5)
        assert drawn["height"] == pytest.approx(1.5 * (ten["y"] - nine["y"]), abs=0.5)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_managers_team_week_fits_and_a_phone_lists_the_days(live_server, live_reference_data, language):
    team = TeamFactory(name="東京営業部" if language == "ja" else "Tokyo sales")
    UserFactory(username="boss", display_name="Mori", language=language, role=User.Role.MANAGER, team=team)
    day = weekday_ahead()
    reps = [
        UserFactory(username=f"rep{index}", display_name=f"Rep {index}", language=language, team=team)
        for index in range(8)
    ]
    key_customer = CustomerFactory(owner=reps[0], name="株式会社さくら", is_key=True)
    for index, rep in enumerate(reps):
        plan(rep, at(day, 9 + index % 3, 30 * (index % 2)), 90, f"Visit {index}")
        plan(rep, at(day, 14), 60, f"Afternoon {index}", customer=key_customer)
    url = f"{live_server.url}/calendar/?view=week&date={day:%Y-%m-%d}"
    for width in (1366, 1024, 390):
        with chromium_page(viewport={"width": width, "height": 900}) as page:
            sign_in(page, live_server.url, "boss")
            page.goto(url)
            assert page_width(page) <= width, f"{width}px: the page scrolls sideways"
            screenshot(page, path=f"{SHOTS}/team-week-{width}-{language}.png", full_page=True)
            shown = rects(page, "#calendar .cal-slots .cal-item")
            assert len(shown) >= 10, "the day's boxes are drawn (a few per hour, the rest behind +N more)"
            if width == 390:  # a list of days: each card the column's width, one under the other
                column = box(page, f'section.cal-col:has(time[datetime="{day:%Y-%m-%d}"])')
                for rect in shown:
                    assert rect["width"] > column["width"] - 40
                ordered = sorted(shown, key=lambda rect: rect["y"])
                for upper, lower in itertools.pairwise(ordered):
                    assert upper["y"] + upper["height"] <= lower["y"] + 0.5
            else:
                assert_apart(width, shown, rects(page, "#calendar .cal-slots .cal-more"))
            if width == 1366:
                assert _axe_violations(page) == []  # narrow lanes, "+N more" boxes
        with chromium_page(viewport={"width": width, "height": 900}) as page:
            sign_in(page, live_server.url, "rep0")
            page.goto(f"{live_server.url}/calendar/?view=day&date={day:%Y-%m-%d}&members=me")
            assert page_width(page) <= width
            screenshot(page, path=f"{SHOTS}/rep-day-{width}-{language}.png", full_page=True)


def apart(one: dict[str, float], other: dict[str, float]) -> bool:
    """The two boxes do not cover each other (half a pixel of rounding allowed)."""
    return (
        one["x"] + one["width"] <= other["x"] + 0.5
        or other["x"] + other["width"] <= one["x"] + 0.5
        or one["y"] + one["height"] <= other["y"] + 0.5
        or other["y"] + other["height"] <= one["y"] + 0.5
    )


def assert_apart(width: int, shown: list[dict[str, float]], more: list[dict[str, float]]) -> None:
    """No box covers another, and "+N more" (there is one) covers none."""
    for index, rect in enumerate(shown):
        for other in shown[index + 1 :]:
            assert apart(rect, other), f"{width}px: two boxes overlap: {rect} {other}"
    assert more, "a busy hour links to its day"
    for more_box in more:
        for rect in shown:
            assert apart(more_box, rect), f"{width}px: +N more covers a box: {more_box} {rect}"
