"""REST API for users and teams: everyone signed in reads; admins create and change them (the same
services as the settings pages). A user is deactivated (``is_active: false``), never deleted."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Status

from totonou.core.api import Id, Page, PageQuery, References, api_user, body_data, get_visible, paginate
from totonou.core.links import absolute_url
from totonou.users import services
from totonou.users.filters import UserFilter
from totonou.users.models import Team, User
from totonou.users.permissions import ensure_admin
from totonou.users.schemas import TeamIn, TeamOut, TeamPatch, UserCreatedOut, UserIn, UserOut, UserPatch
from totonou.users.selectors import team_list, user_list

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
    actor = api_user(request)
    ensure_admin(actor)
    team = get_visible(team_list(user=actor), actor, team_id)
    data, _version = body_data(payload)
    _team_references(actor, data)
    services.team_update(actor=actor, team=team, **data)
    return get_visible(team_list(user=actor), actor, team_id)
