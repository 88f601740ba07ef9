"""The calendar: day, week and month views of one member, several, or a whole team.

``?view=day|week|month&date=YYYY-MM-DD`` with ``&members=1,2`` (or ``me``) or ``&team=ID``. The grid is
built here from one activity query, so a team's week costs the same number of queries with 10
activities as with 100; the templates only lay it out. Times are placed in the reader's time zone.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from totonou.activities.holidays import holiday_names
from totonou.activities.models import Activity
from totonou.activities.selectors import CellCount, CellKey, calendar_activities
from totonou.core.bounds import EARLIEST_DATE, in_bounds, parse_id
from totonou.core.htmx import render_page
from totonou.users.models import Team, User
from totonou.users.permissions import can_change_owned_by
from totonou.users.request import signed_in_user
from totonou.web import time_grid
from totonou.web.time_grid import Box, Span
from totonou.web.views.choices import member_choices

VIEWS = ("day", "week", "month")
DEFAULT_VIEW = "week"
PLAN_HOUR = 9  # "plan on this day" starts here (or at the next full hour today)
MONTH_SHOWN = 4  # activities listed in a month cell before "+N more"
SLOT_SHOWN = 3  # activities listed in an hour of the week (or of one member's column) before "+N more"


# --- What is shown --------------------------------------------------------------------------------


@dataclass
class Entry:
    """One activity in the grid, with its local start and whether the reader may drag it."""

    activity: Activity
    start: datetime.datetime
    can_move: bool
    end: datetime.datetime | None = None  # local; set for the time grid
    box: Box | None = None  # where the time grid draws it (time_grid.py)
    span: Span | None = None  # its piece of the column's day
    continued: bool = False  # the rest of an activity drawn in an earlier column (after midnight)

    @property
    def time(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def start_value(self) -> str:
        return f"{self.start:%Y-%m-%dT%H:%M}"


@dataclass
class Cell:
    """What a calendar cell shows of its activities, and what it only counts ("+N more")."""

    entries: list[Entry] = field(default_factory=list)
    hidden_count: int = 0
    hidden_key_count: int = 0  # key-customer activities behind "+N more": counted, so none goes unnoticed
    more_url: str = ""


@dataclass
class Slot(Cell):
    """One hour of one column: an empty slot links to the activity form with its start filled in.
    Its words are made here once per day, not by template filters in every one of a week's slots."""

    start: datetime.datetime = field(default_factory=timezone.now)
    plan_url: str = ""
    day_value: str = ""  # 2026-04-14
    plan_label: str = ""  # "Plan at 09:00, 4/14 (Tue) (member)", for screen readers
    more_style: str = ""  # where "+N more" sits on the time grid


@dataclass
class Column:
    """A day of the week view, or a member's column of the day view."""

    day: datetime.date
    member: User | None
    holiday: str | None
    is_today: bool
    day_url: str
    plan_url: str
    slots: list[Slot] = field(default_factory=list)
    all_day: list[Entry] = field(default_factory=list)  # 24 hours or more: the strip above the hours
    now_top: int | None = None  # today's current-time line, in minutes below the first hour
    lanes: int = 1  # the most boxes side by side in it

    @property
    def track(self) -> str:
        """Its grid column: at least 6.5rem, and 3.25rem per lane, so a busy day of a team stays
        readable (the grid scrolls inside its frame when the screen is narrower than that)."""
        return f"minmax({max(6.5, self.lanes * 3.25):g}rem, 1fr)"

    @property
    def is_off(self) -> bool:
        return self.day.weekday() >= 5 or self.holiday is not None

    @property
    def entry_count(self) -> int:
        return len(self.all_day) + sum(len(slot.entries) + slot.hidden_count for slot in self.slots)


@dataclass
class MonthDay(Cell):
    day: datetime.date = EARLIEST_DATE
    in_month: bool = True
    holiday: str | None = None
    is_today: bool = False
    day_url: str = ""
    plan_url: str = ""

    @property
    def is_off(self) -> bool:
        return self.day.weekday() >= 5 or self.holiday is not None


@dataclass
class Selection:
    """Whose activities are shown: some members, or a whole team."""

    members: list[User]
    team: Team | None

    @property
    def ids(self) -> list[int]:
        return [member.pk for member in self.members]

    def query(self) -> dict[str, str]:
        if self.team is not None:
            return {"team": str(self.team.pk)}
        return {"members": ",".join(str(pk) for pk in self.ids)}


# --- Reading the request --------------------------------------------------------------------------


def _requested_member_ids(request: HttpRequest, user: User) -> list[int]:
    """``?members=1,2`` or ``?members=1&members=2`` (checkboxes); ``me`` is the reader; junk is ignored."""
    ids: list[int] = []
    for value in request.GET.getlist("members"):
        for part in value.split(","):
            part = part.strip()
            if part == "me":
                ids.append(user.pk)
            elif (member_id := parse_id(part)) is not None:
                ids.append(member_id)
    return list(dict.fromkeys(ids))


def _selection(request: HttpRequest, user: User, members: list[User]) -> Selection:
    """``?team=`` or ``?members=``; without either, a manager sees their team and anyone else themselves."""
    team_id = request.GET.get("team", "")
    if not team_id and "members" not in request.GET and user.is_manager and user.team_id is not None:
        team_id = str(user.team_id)
    if (team_pk := parse_id(team_id)) is not None:
        team_members = [member for member in members if member.team_id == team_pk]
        if team_members:
            return Selection(members=team_members, team=team_members[0].team)
    requested = _requested_member_ids(request, user)
    by_id = {member.pk: member for member in members}
    chosen = [by_id[pk] for pk in requested if pk in by_id]
    return Selection(members=chosen or [user], team=None)


def _requested_day(request: HttpRequest) -> datetime.date:
    """``?date=`` (or the older ``?week=``); today when missing, not a date, or out of range."""
    for name in ("date", "week"):
        try:
            day = datetime.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
        if in_bounds(day):
            return day
    return timezone.localdate()


def _requested_view(request: HttpRequest) -> str:
    view = request.GET.get("view", "")
    return view if view in VIEWS else DEFAULT_VIEW


# --- Dates ------------------------------------------------------------------------------------------


def week_start(day: datetime.date, first_weekday: int) -> datetime.date:
    """The first day of ``day``'s week; ``first_weekday`` as in ``date.weekday()`` (0 Monday, 6 Sunday)."""
    return day - datetime.timedelta(days=(day.weekday() - first_weekday) % 7)


def _days(first: datetime.date, count: int) -> list[datetime.date]:
    return [first + datetime.timedelta(days=offset) for offset in range(count)]


def _local(day: datetime.date, hour: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _shift_month(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 + months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def _range(view: str, day: datetime.date, first_weekday: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day the view shows (a month shows whole weeks)."""
    if view == "day":
        return day, day
    if view == "week":
        first = week_start(day, first_weekday)
        return first, first + datetime.timedelta(days=6)
    month_first = day.replace(day=1)
    month_last = day.replace(day=stdlib_calendar.monthrange(day.year, day.month)[1])
    return week_start(month_first, first_weekday), week_start(month_last, first_weekday) + datetime.timedelta(
        days=6
    )


def _neighbours(view: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    if view == "day":
        return day - datetime.timedelta(days=1), day + datetime.timedelta(days=1)
    if view == "week":
        return day - datetime.timedelta(days=7), day + datetime.timedelta(days=7)
    return _shift_month(day, -1), _shift_month(day, 1)


# --- Links ------------------------------------------------------------------------------------------


class Links:
    """Calendar and plan-form URLs that keep the selected members."""

    def __init__(self, request: HttpRequest, user: User, selection: Selection, now: datetime.datetime):
        self.user = user
        self.selection = selection
        self.now = now
        self.here = request.get_full_path()
        self.calendar = reverse("activities:calendar")
        self.create = reverse("activities:activity_create")
        self._next = urlencode({"next": self.here})
        self._owner_part: dict[int | None, str] = {}

    def to(self, view: str, day: datetime.date) -> str:
        query = {"view": view, "date": day.isoformat(), **self.selection.query()}
        return f"{self.calendar}?{urlencode(query)}"

    def member_day(self, day: datetime.date, member: User) -> str:
        """One member's day: every activity of it, uncapped."""
        query = {"view": "day", "date": day.isoformat(), "members": str(member.pk)}
        return f"{self.calendar}?{urlencode(query)}"

    def plan(self, start: datetime.datetime, owner: User | None) -> str:
        """The activity form at ``start``: a plan ahead, a result ("log") for a time that has passed.
        (What ``urlencode`` of starts_at, mode, next and owner writes, with the constant parts encoded once:
        a team's day asks for a few hundred of these.)"""
        if owner is None and len(self.selection.members) == 1:
            owner = self.selection.members[0]
        owner_id = owner.pk if owner is not None else None
        owner_part = self._owner_part.get(owner_id)
        if owner_part is None:
            owner_part = ""
            if owner_id is not None and owner_id != self.user.pk and can_change_owned_by(self.user, owner_id):
                owner_part = f"&owner={owner_id}"
            self._owner_part[owner_id] = owner_part
        mode = "log" if start < self.now else "plan"
        return (
            f"{self.create}?starts_at={start:%Y-%m-%dT%H}%3A{start:%M}&mode={mode}&{self._next}{owner_part}"
        )

    def plan_day(self, day: datetime.date, owner: User | None) -> str:
        hour = PLAN_HOUR
        if day == self.now.date():
            hour = min(max(PLAN_HOUR, self.now.hour + 1), 23)
        return self.plan(_local(day, hour), owner)


# --- Building the grid ------------------------------------------------------------------------------


@dataclass
class Cells:
    """The selected members' activities in the shown range, bucketed the way the view lays them out."""

    by_hour: bool
    by_owner: bool
    shown: int | None
    entries: dict[CellKey, list[Entry]]
    counts: dict[CellKey, CellCount]

    def key(self, day: datetime.date, hour: int | None = None, owner_id: int | None = None) -> CellKey:
        return (day, hour if self.by_hour else None, owner_id if self.by_owner else None)

    @property
    def total(self) -> int:
        return sum(count.total for count in self.counts.values())

    def fill(self, cell: Cell, key: CellKey, more_url: str) -> None:
        """The cell's entries in time order: all of them, or the ``shown`` first in rank (key customers
        first) when more than one would be hidden; the rest counted."""
        entries = self.entries.get(key, [])
        count = self.counts.get(key, CellCount(0, 0))
        if self.shown is not None and count.total > self.shown + 1:
            entries = [entry for entry in entries if getattr(entry.activity, "cell_rank", 0) <= self.shown]
        cell.entries = entries
        cell.hidden_count = count.total - len(entries)
        cell.hidden_key_count = count.key - sum(1 for entry in entries if entry.activity.is_key_customer)
        cell.more_url = more_url if cell.hidden_count else ""


def _cells(
    user: User,
    selection: Selection,
    first: datetime.date,
    last: datetime.date,
    *,
    by_hour: bool,
    by_owner: bool,
    shown: int | None,
) -> Cells:
    """The shown activities (at most ``shown + 1`` per cell, ranked in SQL) and every cell's counts, so a
    team's busy week renders a few hundred items, not thousands."""
    activities, counts = calendar_activities(
        user=user,
        owner_ids=selection.ids,
        start=_local(first),
        end=_local(last + datetime.timedelta(days=1)),
        by_hour=by_hour,
        by_owner=by_owner,
        shown=shown,
        owners=selection.members,
    )
    cells = Cells(by_hour=by_hour, by_owner=by_owner, shown=shown, entries={}, counts=counts)
    zone = timezone.get_current_timezone()  # once, not per activity
    for activity in activities:
        start = timezone.localtime(activity.starts_at, zone)
        entry = Entry(
            activity=activity,
            start=start,
            can_move=activity.status == Activity.Status.PLANNED
            and can_change_owned_by(user, activity.owner_id),
        )
        cells.entries.setdefault(cells.key(start.date(), start.hour, activity.owner_id), []).append(entry)
    return cells


def _time_grid(
    *,
    days: list[datetime.date],
    members: list[User | None],
    cells: Cells,
    holidays: dict[datetime.date, str],
    links: Links,
    today: datetime.date,
) -> tuple[list[Column], range]:
    """Columns (a day, or a member on one day) drawn to scale (ADR 0030): each activity a box from its
    start to its end, side by side where they overlap, in the hour slot it starts in; an activity past
    midnight goes on in the next column, one of 24 hours or more sits in the strip above the hours.
    "+N more" sits at its hour and opens that day (a member's own day when the columns are members)."""
    columns: list[Column] = []
    by_place: dict[tuple[datetime.date, int | None], Column] = {}
    buckets: dict[tuple[datetime.date, int | None], list[tuple[int, Cell]]] = {}
    for day, hour, owner_id in cells.counts:
        if hour is not None:
            buckets.setdefault((day, owner_id), []).append((hour, Cell()))
    # Pieces per column: (start, drawn end) and what draws it: an Entry, or the hour of a "+N more".
    pieces: dict[tuple[datetime.date, int | None], list[tuple[Span, Entry | int]]] = {}
    for day in days:
        for member in members:
            column = Column(
                day=day,
                member=member,
                holiday=holidays.get(day),
                is_today=day == today,
                day_url=links.to("day", day),
                plan_url=links.plan_day(day, member),
            )
            columns.append(column)
            by_place[(day, member.pk if member is not None else None)] = column
    for (day, owner_id), hour_cells in buckets.items():
        member_day = by_place.get((day, owner_id))
        if member_day is None:
            continue
        more_url = links.member_day(day, member_day.member) if member_day.member else member_day.day_url
        hour_cells.sort(key=lambda pair: pair[0])
        for hour, cell in hour_cells:
            cells.fill(cell, cells.key(day, hour, owner_id), more_url)
            for entry in cell.entries:
                _place(entry, day, owner_id, by_place, pieces)
            if cell.hidden_count:
                pieces.setdefault((day, owner_id), []).append(
                    (Span(hour * 60, hour * 60 + 60), hour)  # "+N more" fills its hour
                )
    first_hour, last_hour = time_grid.visible_hours(
        (span.start, span.drawn_end) for column_pieces in pieces.values() for span, _ in column_pieces
    )
    hours = range(first_hour, last_hour)
    plan_at = _("Plan at %(time)s, %(day)s")  # translated once, not per slot
    for place, column in by_place.items():
        day, member = column.day, column.member
        day_label = date_format(day, "n/j (D)")
        whose = f" ({member})" if member is not None else ""
        slots: dict[int, Slot] = {}
        for hour in hours:
            slot = Slot(start=_local(day, hour), day_value=day.isoformat())
            slot.plan_url = links.plan(slot.start, member)
            slot.plan_label = plan_at % {"time": f"{hour:02}:00", "day": day_label}
            slot.plan_label += whose
            slots[hour] = slot
        column.slots = list(slots.values())
        for hour, cell in buckets.get(place, []):  # the counts and "+N more" of each hour
            slot = slots[hour]
            slot.hidden_count, slot.hidden_key_count, slot.more_url = (
                cell.hidden_count,
                cell.hidden_key_count,
                cell.more_url,
            )
        column_pieces = pieces.get(place, [])
        placed = time_grid.boxes([(span.start, span.drawn_end) for span, _ in column_pieces], first_hour)
        column.lanes = max([1, *(box.lanes for box in placed)])
        for (span, what), box in zip(column_pieces, placed, strict=True):
            if isinstance(what, int):
                slots[what].more_style = box.style
                continue
            what.box = box
            slots[span.start // 60].entries.append(what)
        for slot in column.slots:
            slot.entries.sort(key=lambda entry: (entry.span.start if entry.span else 0, entry.activity.pk))
        if column.is_today:
            column.now_top = time_grid.now_top(links.now, first_hour, last_hour)
    return columns, hours


def _place(
    entry: Entry,
    day: datetime.date,
    owner_id: int | None,
    by_place: dict[tuple[datetime.date, int | None], Column],
    pieces: dict[tuple[datetime.date, int | None], list[tuple[Span, Entry | int]]],
) -> None:
    """An entry's pieces: in the strip of every shown day it covers (24 hours or more), or on its
    day's hours and, past midnight, on the next shown day's."""
    start = entry.start
    end = entry.end = timezone.localtime(entry.activity.ends_at, start.tzinfo)  # the reader's zone
    if time_grid.is_all_day(start, end):
        covered = day
        while (column := by_place.get((covered, owner_id))) is not None and (
            covered == day or datetime.datetime.combine(covered, datetime.time()) < end.replace(tzinfo=None)
        ):
            column.all_day.append(entry if covered == day else _continued(entry, None))
            covered += datetime.timedelta(days=1)
        return
    span = time_grid.span_on(start, end, day)
    if span is None:  # pragma: no cover - an entry always touches its own start's day
        return
    entry.span = span
    pieces.setdefault((day, owner_id), []).append((span, entry))
    following = day + datetime.timedelta(days=1)
    if span.continues_after and (following, owner_id) in by_place:
        rest = time_grid.span_on(start, end, following)
        if rest is not None:
            pieces.setdefault((following, owner_id), []).append((rest, _continued(entry, rest)))


def _continued(entry: Entry, span: Span | None) -> Entry:
    """The rest of ``entry`` in a later column: the same card, not draggable, not the activity's anchor."""
    return Entry(
        activity=entry.activity, start=entry.start, can_move=False, end=entry.end, span=span, continued=True
    )


def _month_grid(
    *,
    first: datetime.date,
    last: datetime.date,
    month: int,
    cells: Cells,
    holidays: dict[datetime.date, str],
    links: Links,
    today: datetime.date,
) -> list[list[MonthDay]]:
    ordered: list[MonthDay] = []
    for day in _days(first, (last - first).days + 1):
        cell = MonthDay(
            day=day,
            in_month=day.month == month,
            holiday=holidays.get(day),
            is_today=day == today,
            day_url=links.to("day", day),
            plan_url=links.plan_day(day, None),
        )
        cells.fill(cell, cells.key(day), cell.day_url)
        ordered.append(cell)
    return [ordered[index : index + 7] for index in range(0, len(ordered), 7)]


def _teams(members: list[User]) -> list[Team]:
    """The teams of the listed members (from the members' own join: no extra query)."""
    teams = {member.team.pk: member.team for member in members if member.team is not None}
    return sorted(teams.values(), key=lambda team: (team.name, team.pk))


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Day, week or month of the selected members (default: the signed-in user's week)."""
    user = signed_in_user(request)
    view = _requested_view(request)
    day = _requested_day(request)
    # The people whose calendars exist: not an administrator's account outside any team (it plans no
    # sales work), unless it is the reader's own.
    members = [
        member
        for member in member_choices(user)
        if member.pk == user.pk or not (member.role == User.Role.ADMIN and member.team_id is None)
    ]
    selection = _selection(request, user, members)
    now = timezone.localtime()
    today = now.date()
    links = Links(request, user, selection, now)
    first, last = _range(view, day, user.week_starts_on)
    several = len(selection.members) > 1
    if view == "month":
        cells = _cells(user, selection, first, last, by_hour=False, by_owner=False, shown=MONTH_SHOWN)
    elif view == "week":
        cells = _cells(user, selection, first, last, by_hour=True, by_owner=False, shown=SLOT_SHOWN)
    else:  # one member's day shows everything; several members' columns are capped like the week
        shown = SLOT_SHOWN if several else None
        cells = _cells(user, selection, first, last, by_hour=True, by_owner=several, shown=shown)
    holidays = holiday_names(first, last)
    previous_day, next_day = _neighbours(view, day)
    teams = _teams(members)
    here = {"view": view, "date": day.isoformat()}
    context: dict[str, Any] = {
        "view": view,
        "day": day,
        "first": first,
        "last": last,
        "today": today,
        "selection": selection,
        "selected_ids": selection.ids,
        # A day with a column per member names them in the column heads, not on every activity.
        "show_owner": len(selection.members) > 1 and view != "day",
        "members": members,
        "me_url": f"{links.calendar}?{urlencode({**here, 'members': 'me'})}",
        "team_urls": [
            (team, f"{links.calendar}?{urlencode({**here, 'team': str(team.pk)})}") for team in teams
        ],
        "view_urls": [(name, links.to(name, day)) for name in VIEWS],
        "previous_url": links.to(view, previous_day),
        "next_url": links.to(view, next_day),
        "today_url": links.to(view, today),
        "plan_url": links.plan_day(today if first <= today <= last else first, None),
        "entry_count": cells.total,
    }
    if view == "month":
        context["weeks"] = _month_grid(
            first=first,
            last=last,
            month=day.month,
            cells=cells,
            holidays=holidays,
            links=links,
            today=today,
        )
        context["weekdays"] = _days(first, 7)
    else:
        column_members: list[User | None] = [None]
        if view == "day" and several:
            column_members = list(selection.members)
        columns, hours = _time_grid(
            days=_days(first, (last - first).days + 1),
            members=column_members,
            cells=cells,
            holidays=holidays,
            links=links,
            today=today,
        )
        context.update(
            tracks=" ".join(column.track for column in columns),
            columns=columns,
            hours=hours,
            holiday=holidays.get(day),
            first_minute=hours.start * 60,
            last_minute=hours.stop * 60,
            now_minute=now.hour * 60 + now.minute,
        )
    return render_page(request, "activities/calendar.html", context)
