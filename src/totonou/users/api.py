"""REST API for users and teams: read-only (people and teams are managed in the admin)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from totonou.core.api import Id, Page, PageQuery, api_user, get_visible, paginate
from totonou.users.filters import UserFilter
from totonou.users.models import Team, User
from totonou.users.schemas import TeamOut, UserOut
from totonou.users.selectors import team_list, user_list

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
