"""REST API for users and teams (read-only: people and teams are managed in the admin) and the
signed-in user's calendar feed URL."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from totonou.core.api import Id, InputSchema, Page, PageQuery, api_user, get_visible, paginate
from totonou.core.links import absolute_url
from totonou.users.filters import UserFilter
from totonou.users.models import CalendarFeed, Team, User
from totonou.users.schemas import TeamOut, UserOut
from totonou.users.selectors import team_list, user_list
from totonou.users.services import calendar_feed_read, calendar_feed_revoke, calendar_feed_rotate

router = Router(tags=["users"])


@router.get("/users", response=Page[UserOut], url_name="user_list")
def list_users(
    request: HttpRequest, filters: Query[UserFilter], pagination: Query[PageQuery]
) -> dict[str, object]:
    return paginate(request, user_list(user=api_user(request), filters=filters), pagination)


@router.get("/users/{user_id}", response=UserOut, url_name="user_detail")
def get_user(request: HttpRequest, user_id: Id) -> User:
    return get_visible(user_list(user=api_user(request)), api_user(request), user_id)


@router.get("/teams", response=Page[TeamOut], url_name="team_list")
def list_teams(request: HttpRequest, pagination: Query[PageQuery]) -> dict[str, object]:
    return paginate(request, team_list(user=api_user(request)), pagination)


@router.get("/teams/{team_id}", response=TeamOut, url_name="team_detail")
def get_team(request: HttpRequest, team_id: Id) -> Team:
    return get_visible(team_list(user=api_user(request)), api_user(request), team_id)


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
