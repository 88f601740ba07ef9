"""REST API for users and teams: everyone signed in reads; admins create and change them (the same
services as the settings pages). A user is deactivated (``is_active: false``), never deleted. And the
signed-in user's calendar feed URL."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from totonou.core.api import (
    Id,
    InputSchema,
    Page,
    PageQuery,
    References,
    api_user,
    body_data,
    get_visible,
    paginate,
)
from totonou.core.links import absolute_url
from totonou.users import services
from totonou.users.filters import UserFilter
from totonou.users.models import CalendarFeed, Team, User
from totonou.users.permissions import ensure_admin
from totonou.users.schemas import TeamIn, TeamOut, TeamPatch, UserCreatedOut, UserIn, UserOut, UserPatch
from totonou.users.selectors import team_list, user_list
from totonou.users.services import calendar_feed_read, calendar_feed_revoke, calendar_feed_rotate

router = Router(tags=["users"])


def set_password_url(uidb64: str, token: str) -> str:
    return absolute_url(reverse("password_reset_confirm", args=[uidb64, token]))


@router.get("/users", response=Page[UserOut], url_name="user_list")
def list_users(
    request: HttpRequest, filters: Query[UserFilter], pagination: Query[PageQuery]
) -> dict[str, object]:
    return paginate(request, user_list(user=api_user(request), filters=filters), pagination)


@router.get("/users/{user_id}", response=UserOut, url_name="user_detail")
def get_user(request: HttpRequest, user_id: Id) -> User:
    return get_visible(user_list(user=api_user(request)), api_user(request), user_id)


def _user_references(actor: Any, data: dict[str, Any]) -> None:
    references = References(actor)
    if "team" in data:
        references.replace(data, "team", team_list(user=actor))
    references.replace_many(data, "managed_teams", team_list(user=actor))
    references.check()


@router.post("/users", response={201: UserCreatedOut}, url_name="user_create")
def create_user(request: HttpRequest, payload: UserIn) -> Status[User]:
    """Create a user (admins). The answer carries ``set_password_url``, shown only here: the new user
    opens it to set a password, then signs in."""
    actor = api_user(request)
    ensure_admin(actor)
    data, _version = body_data(payload)
    _user_references(actor, data)
    user = services.user_create(actor=actor, password=None, **data)
    link = set_password_url(*services.user_password_link(actor=actor, user=user))
    created = get_visible(user_list(user=actor), actor, user.pk)
    created.set_password_url = link  # type: ignore[attr-defined]
    return Status(201, created)


@router.patch("/users/{user_id}", response=UserOut, url_name="user_update")
def update_user(request: HttpRequest, user_id: Id, payload: UserPatch) -> User:
    """Change a user (admins): role, team, managed teams, active flag, preferences."""
    actor = api_user(request)
    ensure_admin(actor)
    user = get_visible(user_list(user=actor), actor, user_id)
    data, _version = body_data(payload)
    _user_references(actor, data)
    services.user_update(actor=actor, user=user, **data)
    return get_visible(user_list(user=actor), actor, user_id)


@router.get("/teams", response=Page[TeamOut], url_name="team_list")
def list_teams(request: HttpRequest, pagination: Query[PageQuery]) -> dict[str, object]:
    return paginate(request, team_list(user=api_user(request)), pagination)


@router.get("/teams/{team_id}", response=TeamOut, url_name="team_detail")
def get_team(request: HttpRequest, team_id: Id) -> Team:
    return get_visible(team_list(user=api_user(request)), api_user(request), team_id)


def _team_references(actor: Any, data: dict[str, Any]) -> None:
    references = References(actor)
    references.replace_many(data, "managers", user_list(user=actor))
    references.replace_many(data, "members", user_list(user=actor))
    references.check()


@router.post("/teams", response={201: TeamOut}, url_name="team_create")
def create_team(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    actor = api_user(request)
    ensure_admin(actor)
    data, _version = body_data(payload)
    _team_references(actor, data)
    team = services.team_create(actor=actor, **data)
    return Status(201, get_visible(team_list(user=actor), actor, team.pk))


@router.patch("/teams/{team_id}", response=TeamOut, url_name="team_update")
def update_team(request: HttpRequest, team_id: Id, payload: TeamPatch) -> Team:
    """Admins change everything; the team's managers its settings (time zone, report deadline) only."""
    actor = api_user(request)
    team = get_visible(team_list(user=actor), actor, team_id)
    data, _version = body_data(payload)
    _team_references(actor, data)
    services.team_update(actor=actor, team=team, **data)
    return get_visible(team_list(user=actor), actor, team_id)


class CalendarFeedOut(Schema):
    url: str | None
    include_team: bool
    created_at: datetime.datetime | None
    last_used_at: datetime.datetime | None


class CalendarFeedRotateIn(InputSchema):
    include_team: bool | None = None


def _feed_out(feed: CalendarFeed | None, token: str) -> dict[str, Any]:
    if feed is None:
        return {"url": None, "include_team": False, "created_at": None, "last_used_at": None}
    return {
        "url": absolute_url(reverse("web:calendar_feed", args=[token])),
        "include_team": feed.include_team,
        "created_at": feed.created_at,
        "last_used_at": feed.last_used_at,
    }


@router.get("/me/calendar-feed", response=CalendarFeedOut, url_name="calendar_feed")
def get_calendar_feed(request: HttpRequest) -> dict[str, Any]:
    """The user's secret iCalendar feed URL (``url`` null when they have none yet)."""
    return _feed_out(*calendar_feed_read(actor=api_user(request)))


@router.post("/me/calendar-feed/rotate", response=CalendarFeedOut, url_name="calendar_feed_rotate")
def rotate_calendar_feed(request: HttpRequest, payload: CalendarFeedRotateIn | None = None) -> dict[str, Any]:
    """A new feed URL (the first one, or a replacement: the old URL answers 404 from now on)."""
    include_team = payload.include_team if payload is not None else None
    return _feed_out(*calendar_feed_rotate(actor=api_user(request), include_team=include_team))


@router.delete("/me/calendar-feed", response={204: None}, url_name="calendar_feed_revoke")
def revoke_calendar_feed(request: HttpRequest) -> Status:
    """Turn the feed off: its URL answers 404 from now on."""
    calendar_feed_revoke(actor=api_user(request))
    return Status(204, None)
