"""The personal iCalendar feed (RFC 5545, written with ``icalendar``): a user's plans and results from
60 days back to 180 days ahead, optionally their teams', for Google Calendar and Outlook subscriptions;
and one activity as an ``.ics`` file or an "add to Google Calendar" link.

Each activity is one VEVENT: UID stable per activity, SEQUENCE its version (it grows on every change),
DTSTART/DTEND in UTC, SUMMARY "★ type · customer · subject" (★ for key customers), LOCATION the
customer's address, DESCRIPTION the purpose, notes, next step and the link; a cancelled plan stays in
the feed with STATUS:CANCELLED so subscribed calendars remove it.

Calendar clients poll every few minutes: ``feed_etag`` is one aggregate query (newest ``updated_at`` and
the count of the same rows, from the index alone), so an unchanged feed answers 304 without building
anything, and a built feed is cached under its ETag. A changed feed is put together from day chunks:
``feed_days`` (one grouped query) gives per UTC day of the window the newest ``updated_at`` and the
count, each day's VEVENT texts are cached under those figures, and only the days whose figures changed
are read from the database and written again (a busy rep's feed holds about 4,300 events).
``icalendar`` takes about a millisecond per event, so each VEVENT is also cached by activity, version
and language (DTSTAMP is the activity's last change, so the text of an unchanged activity never
changes): a changed day writes only its changed events again.
"""

from __future__ import annotations

import datetime
import hashlib
import urllib.parse
from collections.abc import Iterable
from typing import Any

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DateField, Func, Max, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from totonou.activities.models import Activity
from totonou.core.links import absolute_url
from totonou.users.models import CalendarFeed, Team, User

PAST = datetime.timedelta(days=60)
AHEAD = datetime.timedelta(days=180)
CACHE_SECONDS = 600
EVENT_CACHE_SECONDS = 24 * 60 * 60  # a renamed customer shows by the next day at the latest
PRODID = "-//Totonou//Totonou SFA//EN"
COLUMNS = (
    "id",
    "owner_id",
    "status",
    "starts_at",
    "ends_at",
    "subject",
    "purpose",
    "notes",
    "next_step",
    "cancel_reason",
    "version",
    "created_at",
    "updated_at",
    "is_key_customer",
    "type__name_ja",
    "type__name_en",
    "customer__name",
    "customer__address",
    "owner__display_name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def feed_owner_ids(feed: CalendarFeed) -> list[int]:
    """Whose activities the feed shows: the user, and with ``include_team`` the members of their team
    and of the teams they manage."""
    user = feed.user
    if not feed.include_team:
        return [user.pk]
    teams = Team.objects.filter(Q(pk=user.team_id) | Q(managers=user)).values("pk")
    members = set(User.objects.filter(team__in=teams, is_active=True).values_list("pk", flat=True))
    return sorted(members | {user.pk})


def feed_activities(owner_ids: Iterable[int], *, now: datetime.datetime) -> QuerySet[Activity]:
    start, end = feed_window(now)
    return Activity.objects.filter(owner_id__in=list(owner_ids), starts_at__gte=start, starts_at__lt=end)


def feed_language(user: User) -> str:
    return (user.language or settings.LANGUAGE_CODE or "ja")[:2]


class UTCDay(Func):
    """The UTC date of a timestamp, computed by the database without a Python call per row (SQLite stores
    timestamps as UTC text). ``utc_day`` is the same rule in Python; a test checks that they agree around
    midnight."""

    output_field = DateField()
    template = "((%(expressions)s AT TIME ZONE 'UTC')::date)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 10)", **extra)


def utc_day(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).date().isoformat()


#: Per UTC day of the window that has activities: (day, newest ``updated_at`` in ISO form, count).
FeedDays = list[tuple[str, str, int]]


def feed_days(owner_ids: Iterable[int], *, now: datetime.datetime) -> FeedDays:
    """The window's activities grouped by UTC day: what the day chunks are keyed on. One query."""
    rows = (
        feed_activities(owner_ids, now=now)
        .annotate(day=UTCDay("starts_at"))
        .order_by("day")
        .values("day")
        .annotate(newest=Max("updated_at"), count=Count("id"))
        .values_list("day", "newest", "count")
    )
    return [(day.isoformat(), newest.isoformat(), count) for day, newest, count in rows]


def feed_window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The feed's ``[start, end)``: from ``PAST`` before ``now`` to ``AHEAD`` after it."""
    return now - PAST, now + AHEAD


def feed_etag(feed: CalendarFeed, owner_ids: list[int], *, now: datetime.datetime) -> str:
    """Changes when an activity in the window changes, appears or goes, when the window moves to a new
    day, and when the feed's settings change. One aggregate query, from the index alone, written in SQL:
    a calendar client's poll is this and the token, and building the same query through the ORM cost
    more than running it (about 1 ms of the 304's 3–7)."""
    newest, count = _window_stats(owner_ids, now=now)
    seed = ":".join(
        [
            str(feed.pk),
            feed.key_hash[:8],
            ",".join(map(str, owner_ids)),
            feed_language(feed.user),
            now.date().isoformat(),
            str(newest or "-"),
            str(count),
        ]
    )
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def _window_stats(owner_ids: list[int], *, now: datetime.datetime) -> tuple[Any, int]:
    """The newest ``updated_at`` (as the database returns it) and the count of ``feed_activities``."""
    if not owner_ids:
        return None, 0
    start, end = feed_window(now)
    adapt = connection.ops.adapt_datetimefield_value
    owners = ", ".join(["%s"] * len(owner_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(updated_at), COUNT(*) FROM {Activity._meta.db_table}"  # noqa: S608
            f" WHERE owner_id IN ({owners}) AND starts_at >= %s AND starts_at < %s",
            [*owner_ids, adapt(start), adapt(end)],
        )
        newest, count = cursor.fetchone()
    return newest, int(count)


def _uid(activity_id: int) -> str:
    host = urllib.parse.urlsplit(settings.TOTONOU_BASE_URL).hostname or "totonou"
    return f"activity-{activity_id}@{host}"


def _owner_name(row: dict[str, Any]) -> str:
    full = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
    return row["owner__display_name"] or full or row["owner__username"]


def event_summary(row: dict[str, Any], *, with_owner: bool = False) -> str:
    """``★ 訪問 · Customer · subject`` (★ only for key customers; the type in the current language)."""
    language = translation.get_language() or "ja"
    type_name = row["type__name_ja"] if language.startswith("ja") else row["type__name_en"]
    parts = [type_name, row["customer__name"] or _("Internal work")]
    if row["subject"]:
        parts.append(row["subject"])
    summary = " · ".join(parts)
    if row["status"] == Activity.Status.DONE:
        summary = "✓ " + summary
    if row["is_key_customer"]:
        summary = "★ " + summary
    if with_owner:
        summary = f"{_owner_name(row)}: {summary}"
    return summary


def _description(row: dict[str, Any], link: str) -> str:
    lines = []
    for label, field in (
        (_("Purpose"), "purpose"),
        (_("Notes"), "notes"),
        (_("Next step"), "next_step"),
        (_("Cancel reason"), "cancel_reason"),
    ):
        if row[field]:
            lines.append(f"{label}: {row[field]}")
    if row["is_key_customer"]:
        lines.insert(0, "★ " + _("Key customer"))
    lines.append(link)
    return "\n".join(lines)


def _event(row: dict[str, Any], *, with_owner: bool) -> icalendar.Event:
    link = absolute_url(f"/activities/{row['id']}/")
    event = icalendar.Event()
    event.add("uid", _uid(row["id"]))
    event.add("sequence", max(0, row["version"] - 1))
    event.add("dtstamp", row["updated_at"].astimezone(datetime.UTC))
    event.add("created", row["created_at"].astimezone(datetime.UTC))
    event.add("last-modified", row["updated_at"].astimezone(datetime.UTC))
    event.add("dtstart", row["starts_at"].astimezone(datetime.UTC))
    event.add("dtend", max(row["ends_at"], row["starts_at"]).astimezone(datetime.UTC))
    event.add("summary", event_summary(row, with_owner=with_owner))
    if row["customer__address"]:
        event.add("location", row["customer__address"])
    event.add("description", _description(row, link))
    event.add("url", link)
    status = {"cancelled": "CANCELLED", "done": "CONFIRMED"}.get(row["status"], "CONFIRMED")
    event.add("status", status)
    event.add("transp", "TRANSPARENT" if row["status"] == "cancelled" else "OPAQUE")
    if row["is_key_customer"]:
        event.add("categories", [_("Key customer")])
    return event


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "UTC")
    calendar.add("refresh-interval", datetime.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    return calendar


def _event_key(row: dict[str, Any], *, language: str, with_owner: bool) -> str:
    stamp = row["updated_at"].timestamp()
    return f"totonou:vevent:{row['id']}:{row['version']}:{stamp}:{language}:{int(with_owner)}"


def events_ical(rows: list[dict[str, Any]], *, language: str, with_owner: bool) -> list[bytes]:
    """Each row's VEVENT text, from the cache when the activity has not changed since it was written."""
    keys = [_event_key(row, language=language, with_owner=with_owner) for row in rows]
    cached = cache.get_many(keys)
    missing: dict[str, bytes] = {}
    texts = []
    for key, row in zip(keys, rows, strict=True):
        text = cached.get(key)
        if text is None:
            text = missing[key] = _event(row, with_owner=with_owner).to_ical()
        texts.append(text)
    if missing:
        cache.set_many(missing, EVENT_CACHE_SECONDS)
    return texts


def _day_key(owner_ids: list[int], day: tuple[str, str, int], *, language: str, with_owner: bool) -> str:
    owners = hashlib.sha256(",".join(map(str, owner_ids)).encode()).hexdigest()[:16]
    date, newest, count = day
    return f"totonou:vfeed-day:{owners}:{language}:{int(with_owner)}:{date}:{newest}:{count}"


def _days_rows(
    owner_ids: list[int], dates: list[str], *, now: datetime.datetime
) -> dict[str, list[dict[str, Any]]]:
    """The rows of the window's days ``dates`` (sorted), by UTC day: one query over the span from the
    first to the last of them (usually one day: the one that changed)."""
    first = datetime.datetime.fromisoformat(dates[0]).replace(tzinfo=datetime.UTC)
    last = datetime.datetime.fromisoformat(dates[-1]).replace(tzinfo=datetime.UTC)
    rows = (
        feed_activities(owner_ids, now=now)
        .filter(starts_at__gte=first, starts_at__lt=last + datetime.timedelta(days=1))
        .order_by("starts_at", "id")
        .values(*COLUMNS)
    )
    wanted = set(dates)
    by_day: dict[str, list[dict[str, Any]]] = {date: [] for date in dates}
    for row in rows:
        date = utc_day(row["starts_at"])
        if date in wanted:
            by_day[date].append(row)
    return by_day


def feed_build(feed: CalendarFeed, owner_ids: list[int], *, now: datetime.datetime) -> bytes:
    """The feed as iCalendar bytes, in the feed user's language, from the day chunks; the days not in the
    cache are read and written again."""
    days = feed_days(owner_ids, now=now)
    language = feed_language(feed.user)
    with_owner = feed.include_team
    keys = [_day_key(owner_ids, day, language=language, with_owner=with_owner) for day in days]
    chunks = cache.get_many(keys)
    missing = [(day[0], key) for day, key in zip(days, keys, strict=True) if key not in chunks]
    with translation.override(language):
        name = _("Totonou: %(name)s") % {"name": str(feed.user)}
        if feed.include_team:
            name = _("Totonou: %(name)s and team") % {"name": str(feed.user)}
        head, end = _calendar(name).to_ical().rsplit(b"END:VCALENDAR", 1)
        if missing:
            by_day = _days_rows(owner_ids, [date for date, _key in missing], now=now)
            written = {
                key: b"".join(events_ical(by_day[date], language=language, with_owner=with_owner))
                for date, key in missing
            }
            cache.set_many(written, EVENT_CACHE_SECONDS)
            chunks.update(written)
    return b"".join([head, *(chunks[key] for key in keys), b"END:VCALENDAR", end])


def feed_cache_key(etag: str) -> str:
    return f"totonou:calendar-feed:{etag}"


def feed_response_body(
    feed: CalendarFeed, owner_ids: list[int], *, etag: str, now: datetime.datetime
) -> bytes:
    """The built feed, from the cache when this ETag was built before."""
    key = feed_cache_key(etag)
    body = cache.get(key)
    if body is None:
        body = feed_build(feed, owner_ids, now=now)
        cache.set(key, body, CACHE_SECONDS)
    return body


def activity_ics(activity: Activity) -> bytes:
    """One activity as an iCalendar file (``.ics`` download), in the current language."""
    row = Activity.objects.filter(pk=activity.pk).values(*COLUMNS).get()
    calendar = _calendar("Totonou")
    calendar.add_component(_event(row, with_owner=False))
    return calendar.to_ical()


def _google_time(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(activity: Activity) -> str:
    """An "add to Google Calendar" link with the activity's title, times, place and notes."""
    customer = activity.customer
    row = {
        "type__name_ja": activity.type.name_ja,
        "type__name_en": activity.type.name_en,
        "customer__name": customer.name if customer is not None else "",
        "subject": activity.subject,
        "status": activity.status,
        "is_key_customer": activity.is_key_customer,
    }
    details = "\n".join(part for part in (activity.purpose, activity.notes) if part)
    link = absolute_url(activity.get_absolute_url())
    query = {
        "action": "TEMPLATE",
        "text": event_summary(row),
        "dates": f"{_google_time(activity.starts_at)}/{_google_time(activity.ends_at)}",
        "details": f"{details}\n{link}".strip(),
        "location": customer.address if customer is not None else "",
    }
    return "https://calendar.google.com/calendar/render?" + urllib.parse.urlencode(query)
