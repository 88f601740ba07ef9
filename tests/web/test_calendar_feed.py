"""The personal iCalendar feed, read back with the ``icalendar`` library: events and their times in
UTC, ★ for key customers, the type, the place and the link, cancelled plans, SEQUENCE after a change,
the −60 … +180 day window, the team option; the secret URL (wrong, rotated and revoked tokens are a bare
404); conditional requests; one activity as .ics and the Google Calendar link."""

from __future__ import annotations

import datetime
import re
import urllib.parse

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory
from tests.web.html import find_one
from totonou.activities import services
from totonou.users.models import CalendarFeed
from totonou.users.services import calendar_feed_revoke, calendar_feed_rotate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.TOTONOU_BASE_URL = "https://totonou.example.com"


def feed_url(token: str) -> str:
    return reverse("web:calendar_feed", args=[token])


def read(client: Client, token: str, **headers) -> icalendar.Calendar:
    response = client.get(feed_url(token), headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(activity) -> str:
    return f"activity-{activity.pk}@totonou.example.com"


def test_the_feed_lists_my_plans_and_results_with_times_star_type_place_and_link(world, client):
    world.rep.language = "en"
    world.rep.save()
    world.key_customer.address = "1-2-3 Minato, Tokyo"
    world.key_customer.save()
    _feed, token = calendar_feed_rotate(actor=world.rep)
    others = ActivityFactory(owner=world.other_rep, subject="Not mine")

    calendar = read(client, token)  # no sign-in: the token is the key

    assert str(calendar["VERSION"]) == "2.0"
    found = events(calendar)
    assert set(found) == {uid(world.key_activity), uid(world.plain_activity)}
    assert uid(others) not in found
    key = found[uid(world.key_activity)]
    assert str(key["SUMMARY"]) == "★ Visit · Key Mart · Key visit"
    assert str(key["LOCATION"]) == "1-2-3 Minato, Tokyo"
    assert key.decoded("DTSTART") == world.key_activity.starts_at.astimezone(datetime.UTC)
    start = world.key_activity.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}".encode() in key.to_ical()  # in UTC
    assert key.decoded("DTEND") == world.key_activity.ends_at.astimezone(datetime.UTC)
    link = f"https://totonou.example.com/activities/{world.key_activity.pk}/"
    assert link in str(key["DESCRIPTION"]) and str(key["URL"]) == link
    assert str(key["STATUS"]) == "CONFIRMED"
    assert int(key["SEQUENCE"]) == 0
    plain = found[uid(world.plain_activity)]
    assert str(plain["SUMMARY"]) == "Visit · Plain Foods · Plain visit"
    assert "LOCATION" not in plain


def test_japanese_users_get_the_type_in_japanese(world, client):
    world.rep.language = "ja"
    world.rep.save()
    _feed, token = calendar_feed_rotate(actor=world.rep)
    key = events(read(client, token))[uid(world.key_activity)]
    assert str(key["SUMMARY"]) == "★ 訪問 · Key Mart · Key visit"


def test_a_change_raises_the_sequence_and_a_cancelled_plan_says_so(world, client):
    _feed, token = calendar_feed_rotate(actor=world.rep)
    moved = world.key_activity.starts_at + datetime.timedelta(hours=1)
    services.activity_reschedule(actor=world.rep, activity=world.key_activity, starts_at=moved)
    services.activity_cancel(actor=world.rep, activity=world.plain_activity, reason="Customer closed")

    found = events(read(client, token))
    key = found[uid(world.key_activity)]
    assert int(key["SEQUENCE"]) == 1
    assert key.decoded("DTSTART") == moved.astimezone(datetime.UTC)
    cancelled = found[uid(world.plain_activity)]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1
    assert "Customer closed" in str(cancelled["DESCRIPTION"])


def test_results_are_marked_done_and_the_window_is_60_days_back_to_180_ahead(world, client):
    now = timezone.now()
    customer = CustomerFactory(owner=world.rep, name="Window Co")
    inside_past = ActivityFactory(
        owner=world.rep,
        customer=customer,
        status="done",
        completed_at=now,
        starts_at=now - datetime.timedelta(days=59),
        planned_at=None,
        original_starts_at=None,
    )
    too_old = ActivityFactory(owner=world.rep, customer=customer, starts_at=now - datetime.timedelta(days=61))
    inside_future = ActivityFactory(
        owner=world.rep, customer=customer, starts_at=now + datetime.timedelta(days=179)
    )
    too_far = ActivityFactory(
        owner=world.rep, customer=customer, starts_at=now + datetime.timedelta(days=181)
    )
    _feed, token = calendar_feed_rotate(actor=world.rep)

    found = events(read(client, token))
    assert uid(inside_past) in found and uid(inside_future) in found
    assert uid(too_old) not in found and uid(too_far) not in found
    assert str(found[uid(inside_past)]["SUMMARY"]).startswith("✓ ")


def test_the_team_option_adds_the_members_with_their_names(world, client):
    mine = ActivityFactory(owner=world.manager, subject="Own plan")
    _feed, token = calendar_feed_rotate(actor=world.manager)
    assert set(events(read(client, token))) == {uid(mine)}

    _feed, token = calendar_feed_rotate(actor=world.manager, include_team=True)
    found = events(read(client, token))
    assert set(found) == {uid(mine), uid(world.key_activity), uid(world.plain_activity)}
    assert str(found[uid(world.key_activity)]["SUMMARY"]).startswith(f"{world.rep.display_name}: ★ ")


def test_wrong_rotated_and_revoked_tokens_answer_a_bare_404(world, client):
    _feed, first = calendar_feed_rotate(actor=world.rep)
    assert client.get(feed_url(first)).status_code == 200

    _feed, second = calendar_feed_rotate(actor=world.rep)
    assert second != first
    old = client.get(feed_url(first))
    assert old.status_code == 404
    assert b"BEGIN:VCALENDAR" not in old.content and world.rep.username.encode() not in old.content
    assert client.get(feed_url("not-a-token")).status_code == 404
    assert client.get(feed_url("x" * 300)).status_code == 404
    assert client.get(feed_url(second)).status_code == 200

    calendar_feed_revoke(actor=world.rep)
    assert client.get(feed_url(second)).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_deactivated_users_feed_is_gone(world, client):
    _feed, token = calendar_feed_rotate(actor=world.rep)
    world.rep.is_active = False
    world.rep.save()
    assert client.get(feed_url(token)).status_code == 404


def test_the_token_is_not_stored_and_survives_a_reload(world):
    feed, token = calendar_feed_rotate(actor=world.rep)
    feed.refresh_from_db()
    assert token not in (feed.nonce, feed.key_hash)
    from totonou.users.services import calendar_feed_read

    assert calendar_feed_read(actor=world.rep) == (feed, token)


def test_conditional_requests_answer_304_until_something_changes(
    world, client, django_assert_max_num_queries
):
    _feed, token = calendar_feed_rotate(actor=world.rep)
    first = client.get(feed_url(token))
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34

    with django_assert_max_num_queries(3):
        again = client.get(feed_url(token), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag

    services.activity_update(actor=world.rep, activity=world.plain_activity, subject="Changed")
    changed = client.get(feed_url(token), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Changed" in str(
        events(icalendar.Calendar.from_ical(changed.content))[uid(world.plain_activity)]["SUMMARY"]
    )


def test_one_activity_as_ics_and_the_google_calendar_link(world, client_for):
    client = client_for(world.rep)
    response = client.get(reverse("activities:activity_ics", args=[world.key_activity.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="totonou-activity-{world.key_activity.pk}.ics"'
    )
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == uid(world.key_activity)
    assert str(event["SUMMARY"]) == "★ Visit · Key Mart · Key visit"

    html = client.get(world.key_activity.get_absolute_url()).content.decode()
    link = find_one(html, "rel", "noopener")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.attrs["href"]).query)
    start = world.key_activity.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    end = world.key_activity.ends_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["★ Visit · Key Mart · Key visit"]
    assert query["dates"] == [f"{start}/{end}"]


def test_the_settings_page_makes_rotates_and_turns_off_the_address(world, client_for):
    client = client_for(world.rep)
    html = client.get(reverse("web:settings")).content.decode()
    assert "Get my calendar address" in html

    response = client.post(reverse("web:calendar_feed_rotate"))
    assert response.status_code == 302
    html = client.get(reverse("web:settings")).content.decode()
    url = re.search(r'id="calendar-feed-url"[^>]*value="([^"]+)"', html).group(1)
    assert url.startswith("https://totonou.example.com/calendar/feed/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert Client().get(feed_url(token)).status_code == 200
    assert "calendar.google.com/calendar/r?cid=webcal" in html

    client.post(reverse("web:calendar_feed_rotate"))
    assert Client().get(feed_url(token)).status_code == 404

    client.post(reverse("web:calendar_feed_revoke"))
    assert not CalendarFeed.objects.filter(user=world.rep).exists()


def test_a_busy_feed_rebuilds_only_what_changed(world, client, monkeypatch):
    """The per-event cache holds a busy rep's whole feed (Django's default cache kept 300 entries, so a
    feed of more events wrote every event again on every change)."""
    from totonou.activities import calendar_feed
    from totonou.activities.models import Activity

    start = timezone.now() - datetime.timedelta(days=50)
    template = Activity.objects.get(pk=world.plain_activity.pk)
    copies = []
    for number in range(450):
        template.pk = None
        template.starts_at = start + datetime.timedelta(hours=11 * number)
        template.ends_at = template.starts_at + datetime.timedelta(hours=1)
        template.subject = f"Visit {number}"
        copies.append(
            Activity(**{f.attname: getattr(template, f.attname) for f in Activity._meta.concrete_fields})
        )
    Activity.objects.bulk_create(copies)
    _feed, token = calendar_feed_rotate(actor=world.rep)
    written: list[int] = []
    make_event = calendar_feed._event

    def counting_event(row, *, with_owner):
        written.append(row["id"])
        return make_event(row, with_owner=with_owner)

    monkeypatch.setattr(calendar_feed, "_event", counting_event)
    first = read(client, token)
    assert len(events(first)) == 452 and len(written) == 452

    written.clear()
    services.activity_update(actor=world.rep, activity=world.plain_activity, subject="Changed")
    second = read(client, token)
    assert written == [world.plain_activity.pk]  # one event written again, 451 from the cache
    assert "Changed" in str(events(second)[uid(world.plain_activity)]["SUMMARY"])


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 12, 2, 23, 59, 59, 999999, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 3, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 3, 8, 59, 59, tzinfo=datetime.UTC),  # 17:59:59 in Tokyo
        datetime.datetime(2026, 12, 3, 15, 0, tzinfo=datetime.UTC),  # Tokyo's midnight
    ],
)
def test_the_feeds_day_rule_agrees_in_sql_and_python(world, moment):
    """The day chunks are keyed on ``UTCDay`` (SQL) and filled by ``utc_day`` (Python): the same day."""
    from totonou.activities.calendar_feed import UTCDay, utc_day
    from totonou.activities.models import Activity

    Activity.objects.filter(pk=world.plain_activity.pk).update(
        starts_at=moment, ends_at=moment + datetime.timedelta(hours=1)
    )
    day = Activity.objects.filter(pk=world.plain_activity.pk).annotate(day=UTCDay("starts_at"))
    assert day.values_list("day", flat=True).get().isoformat() == utc_day(moment) == moment.date().isoformat()


def test_a_change_writes_only_its_day_again(world, client, monkeypatch):
    """After a change the feed is put together from the day chunks: only the changed plan's day is read
    from the database again, and within it only the changed event is written again."""
    from totonou.activities import calendar_feed

    start = timezone.now().replace(hour=1, minute=0, second=0, microsecond=0)
    others = [
        ActivityFactory(
            owner=world.rep, customer=world.customer, starts_at=start + datetime.timedelta(days=d)
        )
        for d in (3, 3, 4, 5)
    ]
    _feed, token = calendar_feed_rotate(actor=world.rep)
    assert len(events(read(client, token))) == 6

    read_days: list[list[str]] = []
    written: list[int] = []
    days_rows, make_event = calendar_feed._days_rows, calendar_feed._event

    def counting_days(owner_ids, dates, *, now):
        read_days.append(dates)
        return days_rows(owner_ids, dates, now=now)

    def counting_event(row, *, with_owner):
        written.append(row["id"])
        return make_event(row, with_owner=with_owner)

    monkeypatch.setattr(calendar_feed, "_days_rows", counting_days)
    monkeypatch.setattr(calendar_feed, "_event", counting_event)
    services.activity_update(actor=world.rep, activity=others[0], subject="Moved on")
    again = events(read(client, token))
    assert read_days == [[calendar_feed.utc_day(others[0].starts_at)]]
    assert written == [others[0].pk]
    assert len(again) == 6 and "Moved on" in str(again[uid(others[0])]["SUMMARY"])
    assert str(again[uid(others[1])]["SUMMARY"]) == str(
        events(read(client, token))[uid(others[1])]["SUMMARY"]
    )

    read_days.clear()
    Activity = type(others[1])
    Activity.objects.filter(pk=others[1].pk).delete()  # its day keeps one plan: read again
    gone = events(read(client, token))
    assert read_days == [[calendar_feed.utc_day(others[1].starts_at)]]
    assert uid(others[1]) not in gone and uid(others[0]) in gone and len(gone) == 5

    read_days.clear()
    Activity.objects.filter(pk=others[2].pk).delete()  # its day is empty now: nothing to read
    gone = events(read(client, token))
    assert read_days == []
    assert uid(others[2]) not in gone and len(gone) == 4


def test_the_etags_window_is_the_feeds_window(world):
    """The ETag's count and newest change (SQL of its own) read exactly the rows the feed lists
    (``feed_activities``), at both edges of the window."""
    from django.db.models import Count, Max

    from totonou.activities.calendar_feed import AHEAD, PAST, _window_stats, feed_activities
    from totonou.activities.models import Activity

    now = timezone.now()
    inside = [now - PAST, now + AHEAD - datetime.timedelta(microseconds=1)]
    outside = [now - PAST - datetime.timedelta(microseconds=1), now + AHEAD]
    for moment in inside + outside:
        ActivityFactory(owner=world.rep, starts_at=moment, ends_at=moment + datetime.timedelta(hours=1))
    ids = [world.rep.pk, world.other_rep.pk]
    listed = feed_activities(ids, now=now).aggregate(count=Count("id"), newest=Max("updated_at"))
    newest, count = _window_stats(ids, now=now)
    assert count == listed["count"] == 2 + Activity.objects.filter(owner_id__in=ids).count() - 4
    if isinstance(newest, str):  # SQLite returns its UTC text
        newest = datetime.datetime.fromisoformat(newest).replace(tzinfo=datetime.UTC)
    in_window = [
        activity.updated_at
        for activity in Activity.objects.filter(owner_id__in=ids)
        if now - PAST <= activity.starts_at < now + AHEAD
    ]
    assert newest == listed["newest"] == max(in_window)
    assert _window_stats([], now=now) == (None, 0)
