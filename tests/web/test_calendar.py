"""The calendar: day, week and month views of one member, several or a whole team; key customers,
statuses, holidays, the week start, slots that plan, movable plans, and a query budget."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, UserFactory
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from totonou.activities.models import Activity
from totonou.activities.services import activity_cancel, activity_complete

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
MARKER = '<span class="key-marker" role="img" aria-label="Key customer" title="Key customer">★</span>'
CALENDAR = reverse("activities:calendar")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=TOKYO
    )


def page(client, **query) -> str:
    response = client.get(CALENDAR, query)
    assert response.status_code == 200
    return response.content.decode()


def shown(html: str, *activities: Activity) -> list[bool]:
    return [bool(find_all(html, "data-activity", str(activity.pk))) for activity in activities]


def slot_at(html: str, day: str, hour: int, member=None):
    """The hour slot of ``day`` (in ``member``'s column of a day view)."""
    attr, value = ("data-drop-member", str(member.pk)) if member is not None else ("data-drop-date", day)
    (found,) = [
        slot
        for slot in find_all(html, attr, value)
        if slot.attrs["data-drop-date"] == day and slot.attrs["data-drop-hour"] == str(hour)
    ]
    return found


def links(html: str, attr: str, value: str) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(element.attrs["href"]).query) for element in find_all(html, attr, value)]


# --- Every view answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"view": "day"},
        {"view": "week"},
        {"view": "month"},
        {"view": "month", "date": "2026-02-01"},
        {"view": "day", "members": "me"},
        {"view": "nonsense", "date": "not a date", "members": "x,,99999", "team": "abc"},
        {"week": "2026-04-27"},  # the older week link
        {"view": "week", "date": "0001-01-01"},  # out of range: today, not an overflow
        {"view": "month", "date": "9999-12-31"},
    ],
)
def test_every_view_answers(world, client_for, query):
    html = page(client_for(world.rep), **query)
    assert 'id="calendar"' in html
    assert "totonou/calendar.js" in html


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(CALENDAR, {"view": "month"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Who is shown -----------------------------------------------------------------------------------


def test_one_member_several_or_a_whole_team(world, client_for, team_b):
    _team, _manager, (stranger, _) = team_b
    colleague = ActivityFactory(owner=world.other_rep, starts_at=local_noon())
    manager = ActivityFactory(owner=world.manager, starts_at=local_noon())
    outsider = ActivityFactory(owner=stranger, starts_at=local_noon())
    client = client_for(world.rep)
    everyone = (world.key_activity, colleague, manager, outsider)

    assert shown(page(client), *everyone) == [True, False, False, False]  # default: me
    assert shown(page(client, members="me"), *everyone) == [True, False, False, False]
    assert shown(page(client, members=f"{world.rep.pk},{world.other_rep.pk}"), *everyone) == [
        True,
        True,
        False,
        False,
    ]
    checkboxes = client.get(f"{CALENDAR}?members={world.rep.pk}&members={stranger.pk}").content.decode()
    assert shown(checkboxes, *everyone) == [True, False, False, True]
    assert shown(page(client, team=world.rep.team_id), *everyone) == [True, True, True, False]


def test_a_manager_sees_their_team_unless_they_choose_otherwise(world, client_for):
    colleague = ActivityFactory(owner=world.other_rep, starts_at=local_noon())
    client = client_for(world.manager)
    assert shown(page(client), world.key_activity, colleague) == [True, True]
    assert shown(page(client, members="me"), world.key_activity, colleague) == [False, False]
    assert shown(page(client, members=world.rep.pk), world.key_activity, colleague) == [True, False]


def test_several_members_each_show_a_colour_bar_and_their_name(world, client_for):
    world.other_rep.calendar_color = "#aa3300"
    world.other_rep.save(update_fields=["calendar_color"])
    colleague = ActivityFactory(owner=world.other_rep, starts_at=local_noon())
    html = page(client_for(world.rep), members=f"{world.rep.pk},{world.other_rep.pk}")
    item = find_one(html, "data-activity", str(colleague.pk))
    assert "--member-color: #aa3300" in item.attrs["style"]
    assert str(world.other_rep) in find_one(item.html, "class", "cal-item__owner").text
    # Alone, a member's name is in the member picker, not on every activity.
    assert 'class="cal-item__owner"' not in page(client_for(world.rep))


def test_the_day_view_has_a_column_per_member(world, client_for):
    colleague = ActivityFactory(owner=world.other_rep, starts_at=local_noon())
    html = page(client_for(world.manager), view="day", team=world.rep.team_id)
    columns = find_all(html, "class", "cal-member")
    assert [column.text for column in columns][-3:] == [
        str(world.manager),
        str(world.rep),
        str(world.other_rep),
    ]
    rep_slots = find_all(html, "data-drop-member", str(world.rep.pk))
    assert any(f'data-activity="{world.key_activity.pk}"' in slot.html for slot in rep_slots)
    assert not any(f'data-activity="{colleague.pk}"' in slot.html for slot in rep_slots)


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_navigation_keeps_the_view_and_the_selected_members(world, client_for, view):
    html = page(
        client_for(world.rep), view=view, date="2026-04-15", members=f"{world.rep.pk},{world.other_rep.pk}"
    )
    previous, following = {
        "day": ("2026-04-14", "2026-04-16"),
        "week": ("2026-04-08", "2026-04-22"),
        "month": ("2026-03-01", "2026-05-01"),
    }[view]
    (previous_link,) = links(html, "rel", "prev")
    (next_link,) = links(html, "rel", "next")
    members = [f"{world.rep.pk},{world.other_rep.pk}"]
    assert previous_link == {"view": [view], "date": [previous], "members": members}
    assert next_link == {"view": [view], "date": [following], "members": members}
    switches = links(html, "class", "cal-views__link")
    assert [query["view"] for query in switches] == [["day"], ["week"], ["month"]]
    assert all(query["members"] == members and query["date"] == ["2026-04-15"] for query in switches)

    team_page = page(client_for(world.rep), view=view, date="2026-04-15", team=world.rep.team_id)
    (next_link,) = links(team_page, "rel", "next")
    assert next_link == {"view": [view], "date": [following], "team": [str(world.rep.team_id)]}


# --- Dates ------------------------------------------------------------------------------------------


def test_the_week_starts_on_monday_or_on_the_users_choice(world, client_for):
    ActivityFactory(owner=world.rep, starts_at=at("2026-04-26"))  # a Sunday
    client = client_for(world.rep)
    html = page(client, date="2026-04-29")
    assert '<time datetime="2026-04-27">' in html and '<time datetime="2026-05-03">' in html
    assert html.count('<section class="cal-col') == 7
    world.rep.week_starts_on = 6
    world.rep.save(update_fields=["week_starts_on"])
    html = page(client, date="2026-04-29")
    assert '<time datetime="2026-04-26">' in html and '<time datetime="2026-05-02">' in html
    month = page(client, view="month", date="2026-04-29")
    weekdays = find_one(month, "class", "cal-month__weekdays")
    assert weekdays.text.strip().startswith("SunMon")
    days = find_all(month, "class", "cal-day__date")
    assert days[0].html.startswith('<time datetime="2026-03-29">')  # the Sunday before April 1st
    assert days[-1].html.startswith('<time datetime="2026-05-02">')


def test_each_activity_sits_in_its_day_and_hour(world, client_for):
    early = ActivityFactory(owner=world.rep, starts_at=at("2026-04-28", 6, 30))
    late = ActivityFactory(owner=world.rep, starts_at=at("2026-04-30", 21, 15))
    html = page(client_for(world.rep), date="2026-04-28")
    hours = [hour.text for hour in find_all(html, "class", "cal-grid__hour")]
    # The day widens to the activities: from 6:00, and to 23:00 for the late one's end (22:15).
    assert hours[0] == "6:00" and hours[-1] == "22:00"
    assert f'data-activity="{early.pk}"' in slot_at(html, "2026-04-28", 6).html
    assert f'data-activity="{late.pk}"' in slot_at(html, "2026-04-30", 21).html


def test_japanese_holidays_in_the_readers_language(world, client_for):
    client = client_for(world.rep)
    for view in ("week", "month"):
        html = page(client, view=view, date="2026-04-29")
        assert '<span class="cal-holiday">Showa Day</span>' in html, view
    assert '<span class="cal-holiday">Showa Day</span>' in page(client, view="day", date="2026-04-29")
    assert "cal-holiday" not in page(client, view="day", date="2026-04-28")
    world.rep.language = "ja"
    world.rep.save(update_fields=["language"])
    html = page(client, date="2026-05-04")
    for name in ("みどりの日", "こどもの日", "憲法記念日 振替休日"):
        assert f'<span class="cal-holiday">{name}</span>' in html
    assert "is-off" in find_all(html, "aria-labelledby", "cal-col-1")[0].classes  # Monday 5/4, a holiday


def test_english_holiday_names():
    from totonou.activities.holidays import english_name

    assert english_name("昭和の日") == "Showa Day"
    assert english_name("こどもの日 振替休日") == "Children's Day (substitute holiday)"
    assert english_name("振替休日") == "Substitute holiday"
    assert english_name("新しい祝日") == "新しい祝日"  # unknown names stay Japanese rather than vanish


# --- Key customers and statuses ---------------------------------------------------------------------


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_a_key_customers_activity_has_the_star_and_the_class_and_others_do_not(world, client_for, view):
    html = page(client_for(world.rep), view=view)
    key = find_one(html, "data-activity", str(world.key_activity.pk))
    plain = find_one(html, "data-activity", str(world.plain_activity.pk))
    assert "is-key" in key.classes
    assert MARKER in key.html
    assert "is-key" not in plain.classes
    assert "★" not in plain.html


def test_the_star_label_is_translated(world, client_for):
    world.rep.language = "ja"
    world.rep.save(update_fields=["language"])
    html = page(client_for(world.rep), view="month")
    key = find_one(html, "data-activity", str(world.key_activity.pk))
    assert 'role="img" aria-label="重点顧客"' in key.html


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def test_planned_done_cancelled_and_waiting_look_different_with_a_legend(world, client_for):
    done = ActivityFactory(owner=world.rep, starts_at=local_noon(-1))  # a result never ends ahead
    activity_complete(actor=world.rep, activity=done)
    cancelled = ActivityFactory(owner=world.rep, starts_at=local_noon(1))
    activity_cancel(actor=world.rep, activity=cancelled, reason="Closed")
    planned = ActivityFactory(owner=world.rep, starts_at=local_noon(1) + datetime.timedelta(hours=1))
    waiting = ActivityFactory(owner=world.rep, starts_at=timezone.now() - datetime.timedelta(minutes=5))
    html = page(client_for(world.rep), view="day", date=tomorrow())
    html += page(client_for(world.rep), view="day")
    html += page(client_for(world.rep), view="day", date=yesterday())
    expected = {
        done: ("activity--done", "✓", "Done"),
        cancelled: ("activity--cancelled", "✕", "Cancelled"),
        planned: ("activity--planned", "○", "Planned"),
        waiting: ("is-overdue", "!", "Waiting for result"),
    }
    for activity, (css, symbol, word) in expected.items():
        item = find_one(html, "data-activity", str(activity.pk))
        assert css in item.classes
        assert f'<span class="cal-status__symbol" aria-hidden="true">{symbol}</span>' in item.html
        assert f'<span class="cal-status__word">{word}</span>' in item.html
    legend = find_one(html.split("</html>")[0], "class", "cal-legend")
    for word in ("Planned", "Done", "Cancelled", "Waiting for result", "Key customer", "Moved"):
        assert word in legend.text


def test_a_moved_plan_is_marked(world, client_for):
    moved = ActivityFactory(
        owner=world.rep,
        starts_at=local_noon(1),
        original_starts_at=local_noon(1) - datetime.timedelta(days=2),
    )
    html = page(client_for(world.rep), view="day", date=tomorrow())
    assert "cal-item__moved" in find_one(html, "data-activity", str(moved.pk)).html


def test_month_cells_list_a_few_key_customers_first_and_link_to_the_rest(world, client_for):
    normal = [
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 9, minute))
        for minute in range(6)
    ]
    key = ActivityFactory(owner=world.rep, customer=world.key_customer, starts_at=at("2026-04-14", 17))
    html = page(client_for(world.rep), view="month", date="2026-04-14")
    (cell,) = find_all(html, "data-drop-date", "2026-04-14")
    shown = [int(pk) for pk in re.findall(r'data-activity="([0-9]+)"', cell.html)]
    # The key customer's visit is listed although it is the day's last; the rest in time order.
    assert shown == [normal[0].pk, normal[1].pk, normal[2].pk, key.pk]
    more = find_one(cell.html, "class", "cal-more")
    assert more.text == "+3 more"
    assert parse_qs(urlsplit(more.attrs["href"]).query)["view"] == ["day"]


def test_month_cells_count_key_customers_behind_more(world, client_for):
    for minute in range(7):
        ActivityFactory(owner=world.rep, customer=world.key_customer, starts_at=at("2026-04-14", 9, minute))
    ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 8))
    html = page(client_for(world.rep), view="month", date="2026-04-14")
    (cell,) = find_all(html, "data-drop-date", "2026-04-14")
    assert cell.html.count("data-activity=") == 4
    assert cell.html.count("is-key") == 4
    more = find_one(cell.html, "class", "cal-more")
    assert more.text == "+4 more (★3), 3 of them with key customers"


def test_five_in_a_month_cell_are_all_listed_rather_than_one_hidden(world, client_for):
    for minute in range(5):
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 9, minute))
    html = page(client_for(world.rep), view="month", date="2026-04-14")
    (cell,) = find_all(html, "data-drop-date", "2026-04-14")
    assert cell.html.count("data-activity=") == 5
    assert "cal-more" not in cell.html


def test_a_busy_hour_of_the_week_lists_three_and_links_to_that_day(world, client_for):
    for minute in range(5):
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 10, minute * 10))
    key = ActivityFactory(owner=world.rep, customer=world.key_customer, starts_at=at("2026-04-14", 10, 55))
    html = page(client_for(world.rep), view="week", date="2026-04-14")
    slot = slot_at(html, "2026-04-14", 10)
    assert slot.html.count("data-activity=") == 3
    assert f'data-activity="{key.pk}"' in slot.html
    more = find_one(slot.html, "class", "cal-more")
    assert more.text == "+3 more"
    query = parse_qs(urlsplit(more.attrs["href"]).query)
    assert query["view"] == ["day"] and query["date"] == ["2026-04-14"]
    # One member's day lists every activity of that hour.
    day = page(client_for(world.rep), view="day", date="2026-04-14")
    assert slot_at(day, "2026-04-14", 10).html.count("data-activity=") == 6
    assert "cal-more" not in day


@pytest.mark.parametrize(
    "zone",
    [
        "Asia/Tokyo",  # whole hours: the cells are the UTC hours of the starts, shifted
        "Asia/Kolkata",  # +05:30: a local hour spans two UTC hours
    ],
)
def test_a_busy_hour_is_one_cell_in_whole_and_half_hour_zones(world, client_for, zone):
    """Six activities from 10:00 to 10:55 local are one busy hour (three shown, "+3 more"), and the
    evening's activity sits at its local hour, whether the zone's offset is whole hours or not."""
    world.rep.time_zone = zone
    world.rep.save(update_fields=["time_zone"])
    local = zoneinfo.ZoneInfo(zone)
    for minute in (0, 10, 20, 30, 40, 55):
        ActivityFactory(
            owner=world.rep,
            customer=world.customer,
            starts_at=datetime.datetime(2026, 4, 14, 10, minute, tzinfo=local),
        )
    evening = ActivityFactory(
        owner=world.rep,
        customer=world.customer,
        starts_at=datetime.datetime(2026, 4, 14, 23, 40, tzinfo=local),
    )
    html = page(client_for(world.rep), view="week", date="2026-04-14")
    busy = slot_at(html, "2026-04-14", 10)
    assert busy.html.count("data-activity=") == 3
    assert find_one(busy.html, "class", "cal-more").text == "+3 more"
    assert slot_at(html, "2026-04-14", 11).html.count("data-activity=") == 0
    assert f'data-activity="{evening.pk}"' in slot_at(html, "2026-04-14", 23).html


@pytest.mark.parametrize("view", ["week", "month"])
def test_cells_follow_the_readers_zone_across_a_daylight_saving_change(world, client_for, view):
    """New York moves its clocks on 2026-03-08: cells are still the reader's local days and hours
    (the fixed-offset shortcut must not be taken), and 23:30 local stays on its own day."""
    world.rep.time_zone = "America/New_York"
    world.rep.save(update_fields=["time_zone"])
    new_york = zoneinfo.ZoneInfo("America/New_York")
    before = ActivityFactory(
        owner=world.rep,
        customer=world.customer,
        starts_at=datetime.datetime(2026, 3, 7, 23, 30, tzinfo=new_york),
    )
    after = ActivityFactory(
        owner=world.rep,
        customer=world.customer,
        starts_at=datetime.datetime(2026, 3, 8, 10, 0, tzinfo=new_york),
    )
    html = page(client_for(world.rep), view=view, date="2026-03-08", members="me")
    if view == "week":
        assert f'data-activity="{before.pk}"' in slot_at(html, "2026-03-07", 23).html
        assert f'data-activity="{after.pk}"' in slot_at(html, "2026-03-08", 10).html
    else:
        (saturday,) = find_all(html, "data-drop-date", "2026-03-07")
        (sunday,) = find_all(html, "data-drop-date", "2026-03-08")
        assert f'data-activity="{before.pk}"' in saturday.html
        assert f'data-activity="{after.pk}"' in sunday.html


def test_a_fixed_zone_puts_late_evening_on_its_own_local_day(world, client_for):
    late = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 23, 30))
    html = page(client_for(world.rep), view="week", date="2026-04-14")
    assert f'data-activity="{late.pk}"' in slot_at(html, "2026-04-14", 23).html
    (cell,) = find_all(
        page(client_for(world.rep), view="month", date="2026-04-14"), "data-drop-date", "2026-04-14"
    )
    assert f'data-activity="{late.pk}"' in cell.html


def test_several_members_day_caps_each_members_hour_and_links_to_their_own_day(world, client_for):
    for minute in range(5):
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 11, minute * 10))
    ActivityFactory(owner=world.other_rep, customer=world.customer, starts_at=at("2026-04-14", 11))
    html = page(client_for(world.manager), view="day", date="2026-04-14", team=world.rep.team_id)
    busy = slot_at(html, "2026-04-14", 11, member=world.rep)
    assert busy.html.count("data-activity=") == 3
    more = find_one(busy.html, "class", "cal-more")
    assert more.text == "+2 more"
    query = parse_qs(urlsplit(more.attrs["href"]).query)
    assert query == {"view": ["day"], "date": ["2026-04-14"], "members": [str(world.rep.pk)]}
    quiet = slot_at(html, "2026-04-14", 11, member=world.other_rep)
    assert quiet.html.count("data-activity=") == 1
    assert "cal-more" not in quiet.html


# --- Planning from a slot ---------------------------------------------------------------------------


def test_an_empty_slot_links_to_the_plan_form_at_its_start(world, client_for):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    html = page(client_for(world.rep), view="day", date=tomorrow.isoformat())
    slot = slot_at(html, tomorrow.isoformat(), 14)
    assert "is-empty" in slot.classes
    link = find_one(slot.html, "class", "cal-slot__plan")
    url = urlsplit(link.attrs["href"])
    assert url.path == reverse("activities:activity_create")
    query = parse_qs(url.query)
    assert query["starts_at"] == [f"{tomorrow}T14:00"]
    assert query["mode"] == ["plan"]
    assert query["next"][0].startswith(CALENDAR)
    assert "owner" not in query  # one's own calendar: the form's default owner
    assert f"Plan at 14:00, {tomorrow:%-m/%-d}" in link.text  # a name for keyboard and screen readers


def test_a_past_slot_logs_and_a_managers_slot_in_a_members_column_plans_for_them(world, client_for):
    html = page(client_for(world.manager), view="day", date="2026-04-14", team=world.rep.team_id)
    rep_slot = slot_at(html, "2026-04-14", 9, member=world.rep)
    query = parse_qs(urlsplit(find_one(rep_slot.html, "class", "cal-slot__plan").attrs["href"]).query)
    assert query["mode"] == ["log"]  # the past: record what happened
    assert query["owner"] == [str(world.rep.pk)]
    # A rep looking at a colleague's day plans for themselves: no owner they may not use.
    html = page(client_for(world.rep), view="day", date="2026-04-14", members=world.other_rep.pk)
    slot = find_all(html, "class", "cal-slot__plan")[0]
    assert "owner" not in parse_qs(urlsplit(slot.attrs["href"]).query)


# --- Moving by drag ---------------------------------------------------------------------------------


def test_only_plans_the_reader_may_change_are_draggable(world, client_for):
    colleague = ActivityFactory(owner=world.other_rep, starts_at=local_noon())
    done = ActivityFactory(owner=world.rep, starts_at=local_noon(-1))
    activity_complete(actor=world.rep, activity=done)
    members = f"{world.rep.pk},{world.other_rep.pk}"
    html = page(client_for(world.rep), view="day", members=members)
    html += page(client_for(world.rep), view="day", members=members, date=yesterday())
    own = find_one(html, "data-activity", str(world.key_activity.pk))
    assert own.attrs["draggable"] == "true"
    assert own.attrs["data-reschedule-url"] == reverse(
        "activities:activity_reschedule", args=[world.key_activity.pk]
    )
    assert own.attrs["data-version"] == "1"
    assert "draggable" not in find_one(html, "data-activity", str(colleague.pk)).attrs
    assert "draggable" not in find_one(html, "data-activity", str(done.pk)).attrs
    manager_html = page(client_for(world.manager), members=members)
    assert find_one(manager_html, "data-activity", str(colleague.pk)).attrs["draggable"] == "true"


def test_a_drop_moves_the_plan_and_comes_back_to_the_calendar(world, client_for):
    activity = world.key_activity
    original = activity.starts_at
    back = f"{CALENDAR}?view=week&members={world.rep.pk}"
    target = timezone.localtime(original) + datetime.timedelta(days=1, hours=2)
    response = client_for(world.rep).post(
        reverse("activities:activity_reschedule", args=[activity.pk]),
        {"starts_at": f"{target:%Y-%m-%dT%H:%M}", "version": 1, "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    activity.refresh_from_db()
    assert activity.starts_at == target
    assert activity.original_starts_at == original
    assert activity.ends_at - activity.starts_at == datetime.timedelta(hours=1)


def test_a_rep_cannot_move_another_reps_plan(world, client_for):
    activity = world.key_activity
    response = client_for(world.other_rep).post(
        reverse("activities:activity_reschedule", args=[activity.pk]),
        {"starts_at": "2026-05-11T10:00", "version": 1, "next": CALENDAR},
    )
    assert response.status_code == 403
    before = (activity.starts_at, activity.version)
    activity.refresh_from_db()
    assert (activity.starts_at, activity.version) == before


# --- Query budget -----------------------------------------------------------------------------------


def add_week_of_activities(world, count: int) -> None:
    """``count`` activities spread over this week and the team, with contacts, half with key customers."""
    people = [world.rep, world.other_rep, world.manager]
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    for index in range(count):
        customer = world.key_customer if index % 2 else world.customer
        day = monday + datetime.timedelta(days=index % 7)
        activity = ActivityFactory(
            owner=people[index % 3],
            customer=customer,
            deal=world.deal if customer == world.key_customer else None,
            starts_at=datetime.datetime.combine(day, datetime.time(7 + index % 12), tzinfo=TOKYO),
        )
        activity.contacts.set([ContactFactory(customer=customer)])


def count_queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CALENDAR, query)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("view", ["week", "month", "day"])
def test_the_team_calendar_costs_the_same_with_10_and_100_activities(world, client_for, view):
    client = client_for(world.manager)
    add_week_of_activities(world, 8)  # with the world's two: 10
    with_10 = count_queries(client, view=view, team=world.rep.team_id)
    add_week_of_activities(world, 90)
    with_100 = count_queries(client, view=view, team=world.rep.team_id)
    assert Activity.objects.count() == 100
    assert with_10 == with_100, f"{with_10} queries with 10 activities, {with_100} with 100"


def test_the_team_week_query_baseline(world, client_for):
    """Session, user (with the members the manager may change: who can be dragged), members (with their
    teams), every activity's narrow row (ranked and counted per hour in Python), the activities shown
    (at most a few per hour) — and what the base template asks on every page (the unread mentions badge;
    the bell's count comes with the user). Holidays cost no query."""
    add_week_of_activities(world, 20)
    client = client_for(world.manager)
    with CaptureQueriesContext(connection) as captured:
        client.get(CALENDAR, {"team": world.rep.team_id})
    activity_queries = [q for q in captured.captured_queries if 'FROM "activities_activity"' in q["sql"]]
    assert len(activity_queries) == 2
    assert len(captured.captured_queries) == 5


# --- Settings: the first day of the week ------------------------------------------------------------


def test_the_week_start_is_set_on_the_settings_page(client_for):
    user = UserFactory(username="hanako")
    client = client_for(user)
    assert 'name="week_starts_on"' in client.get(reverse("web:settings")).content.decode()
    response = client.post(
        reverse("web:settings"),
        {
            "display_name": "Hanako",
            "language": "en",
            "time_zone": "Asia/Tokyo",
            "calendar_color": "#2f6fdd",
            "week_starts_on": "6",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.week_starts_on == 6
    # A post without the field leaves the choice as it is.
    client.post(
        reverse("web:settings"),
        {"display_name": "Hanako", "language": "en", "time_zone": "Asia/Tokyo", "calendar_color": "#2f6fdd"},
    )
    user.refresh_from_db()
    assert user.week_starts_on == 6
    response = client.post(
        reverse("web:settings"),
        {
            "display_name": "Hanako",
            "language": "en",
            "time_zone": "Asia/Tokyo",
            "calendar_color": "#2f6fdd",
            "week_starts_on": "3",
        },
    )
    assert response.status_code == 200
    assert b'id="id_week_starts_on_errors"' in response.content


def test_customers_unrelated_to_the_calendar_do_not_leak_into_it(world, client_for):
    """A customer's name appears only through an activity of a selected member."""
    CustomerFactory(owner=world.rep, name="Never Visited Ltd")
    assert "Never Visited Ltd" not in page(client_for(world.rep), view="month")


def test_the_admin_account_is_not_a_team_less_member_of_the_calendar(world, client_for, admin_user):
    """An administrator's account outside any team plans no sales work: not offered in the member box,
    and its plans are not shown when asked for; an admin still opens their own calendar."""
    assert admin_user.team_id is None
    plan = ActivityFactory(owner=admin_user, customer=None, starts_at=local_noon())
    client = client_for(world.manager)
    html = page(client)
    assert f'name="members" value="{world.rep.pk}"' in html
    assert f'value="{admin_user.pk}"' not in html
    assert shown(page(client, members=admin_user.pk), plan) == [False]
    assert shown(page(client_for(admin_user), members="me"), plan) == [True]


# --- Drawn to scale (ADR 0030) ----------------------------------------------------------------------


def style_of(html: str, activity: Activity, attr: str = "data-activity") -> str:
    (element,) = find_all(html, attr, str(activity.pk))
    return element.attrs["style"]


def test_a_plan_is_placed_by_its_start_and_length_and_overlaps_share_the_width(world, client_for):
    visit = ActivityFactory(
        owner=world.rep,
        starts_at=at("2026-04-14", 9),
        ends_at=at("2026-04-14", 10, 30),
        customer=world.customer,
    )
    first = ActivityFactory(
        owner=world.rep, starts_at=at("2026-04-15", 9), ends_at=at("2026-04-15", 10), customer=world.customer
    )
    second = ActivityFactory(
        owner=world.rep,
        starts_at=at("2026-04-15", 9, 30),
        ends_at=at("2026-04-15", 11),
        customer=world.customer,
    )
    html = page(client_for(world.rep), view="week", date="2026-04-14", members="me")
    colour = world.rep.calendar_color or "#6b7280"
    assert style_of(html, visit) == f"--member-color: {colour}; --top: 120; --len: 90; --lane: 0; --lanes: 1"
    assert style_of(html, first).endswith("--top: 120; --len: 60; --lane: 0; --lanes: 2")
    assert style_of(html, second).endswith("--top: 150; --len: 90; --lane: 1; --lanes: 2")
    assert f'data-activity="{second.pk}"' in slot_at(html, "2026-04-15", 9).html  # in the hour it starts
    grid = find_one(html, "class", "cal-grid")
    assert (grid.attrs["data-first-minute"], grid.attrs["data-last-minute"]) == ("420", "1260")
    hours = [hour.text for hour in find_all(html, "class", "cal-grid__hour")]
    assert hours[0] == "7:00" and hours[-1] == "20:00"  # 07:00 to 21:00


def test_an_activity_past_midnight_goes_on_in_the_next_days_column(world, client_for):
    late = ActivityFactory(
        owner=world.rep,
        starts_at=at("2026-04-14", 22),
        ends_at=at("2026-04-15", 1, 30),
        customer=world.customer,
    )
    html = page(client_for(world.rep), view="week", date="2026-04-14", members="me")
    evening = find_one(slot_at(html, "2026-04-14", 22).html, "data-activity", str(late.pk))
    assert "is-continuing" in evening.classes
    assert evening.attrs["style"].endswith("--top: 1320; --len: 120; --lane: 0; --lanes: 1")
    assert "Continues the next day" in evening.html
    assert "–4/15 01:30" in evening.html  # its real end
    morning = find_one(slot_at(html, "2026-04-15", 0).html, "data-continues", str(late.pk))
    assert "is-continued" in morning.classes and "draggable" not in morning.attrs
    assert morning.attrs["style"].endswith("--top: 0; --len: 90; --lane: 0; --lanes: 1")
    assert "Continued from the previous day" in morning.html
    assert len(find_all(html, "data-activity", str(late.pk))) == 1  # one anchor (highlight, drag)
    hours = [hour.text for hour in find_all(html, "class", "cal-grid__hour")]
    assert hours[0] == "0:00" and hours[-1] == "23:00"


def test_an_activity_of_a_day_or_more_sits_in_the_strip_of_each_day(world, client_for):
    fair = ActivityFactory(
        owner=world.rep, starts_at=at("2026-04-14", 9), ends_at=at("2026-04-16", 18), customer=world.customer
    )
    html = page(client_for(world.rep), view="week", date="2026-04-14", members="me")
    strips = find_all(html, "class", "cal-strip")
    assert len(strips) == 7
    assert [f'data-activity="{fair.pk}"' in strip.html for strip in strips] == [
        False,
        True,  # Tuesday 4/14, where it starts
        False,
        False,
        False,
        False,
        False,
    ]
    assert [f'data-continues="{fair.pk}"' in strip.html for strip in strips] == [
        False,
        False,
        True,
        True,
        False,
        False,
        False,
    ]
    (anchor,) = find_all(html, "data-activity", str(fair.pk))
    assert "--top" not in anchor.attrs["style"]  # not on the hours
    assert "–4/16 18:00" in anchor.html
    hours = [hour.text for hour in find_all(html, "class", "cal-grid__hour")]
    assert hours[0] == "7:00" and hours[-1] == "20:00"  # the strip does not widen the hours


def test_more_takes_its_hour_in_a_lane_of_its_own(world, client_for):
    for minute in range(5):
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=at("2026-04-14", 10, minute * 10))
    html = page(client_for(world.rep), view="week", date="2026-04-14")
    more = find_one(slot_at(html, "2026-04-14", 10).html, "class", "cal-more")
    # Three shown (10:00, 10:10, 10:20, an hour each) and "+2 more" from 10:00 to 11:00: four lanes,
    # "+2 more" next to the first (it starts with it).
    assert more.attrs["style"] == "--top: 180; --len: 60; --lane: 1; --lanes: 4"


def test_only_todays_column_has_the_current_time_line(world, client_for):
    today = timezone.localdate()
    html = page(client_for(world.rep), view="week", date=today.isoformat(), members="me")
    (line,) = find_all(html, "class", "cal-now")
    assert line.attrs["aria-hidden"] == "true"
    now = timezone.localtime()
    assert abs(int(line.attrs["data-now-minute"]) - (now.hour * 60 + now.minute)) <= 1
    today_column = html.split('<section class="cal-col is-today')[1].split("</section>")[0]
    assert 'class="cal-now"' in today_column
    next_week = page(
        client_for(world.rep), view="week", date=(today + datetime.timedelta(days=7)).isoformat()
    )
    assert "cal-now" not in next_week


@pytest.mark.parametrize(
    ("language", "full", "plan", "holiday"),
    [
        ("en", "4/29 (Wed)", "Plan on 4/29 (Wed)", "Showa Day"),
        ("ja", "4/29 (水)", "4/29 (水) に予定を登録", "昭和の日"),
    ],
)
def test_a_month_day_names_its_date_its_holiday_and_where_to_plan(
    world, client_for, settings, language, full, plan, holiday
):
    """Each day of the month (``activity_card.month_days``): its date linking to the day, the holiday, a
    "＋" to plan on it with its words for screen readers; days of the next month marked."""
    settings.LANGUAGE_CODE = language
    world.rep.language = language
    world.rep.save(update_fields=["language"])
    html = page(client_for(world.rep), view="month", date="2026-04-14")
    (day,) = find_all(html, "data-drop-date", "2026-04-29")
    assert day.classes == {"cal-day", "is-off", "is-empty"}
    assert find_one(day.html, "class", "cal-day__full").text == full
    assert find_one(day.html, "class", "cal-holiday").text == holiday
    plan_link = find_one(day.html, "class", "cal-day__plan")
    assert plan_link.text == "＋" + plan
    assert parse_qs(urlsplit(plan_link.attrs["href"]).query)["starts_at"] == ["2026-04-29T09:00"]
    day_link = parse_qs(urlsplit(find_one(day.html, "class", "cal-day__date").attrs["href"]).query)
    assert (day_link["view"], day_link["date"]) == (["day"], ["2026-04-29"])
    (next_month,) = find_all(html, "data-drop-date", "2026-05-01")
    assert next_month.classes == {"cal-day", "is-other-month", "is-empty"}
    assert "cal-today" not in day.html and "cal-holiday" not in next_month.html
