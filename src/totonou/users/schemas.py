"""API shapes for users and teams (read-only)."""

from __future__ import annotations

from totonou.core.api import WebObjectOut
from totonou.users.models import Team, User


class UserOut(WebObjectOut):
    id: int
    username: str
    display_name: str
    name: str
    role: str
    team: int | None
    is_active: bool
    language: str
    time_zone: str
    calendar_color: str
    web_url: str

    @staticmethod
    def resolve_team(obj: User) -> int | None:
        return obj.team_id


class TeamOut(WebObjectOut):
    id: int
    name: str
    managers: list[int]
    members: list[int]
    web_url: str

    @staticmethod
    def resolve_managers(obj: Team) -> list[int]:
        return [user.pk for user in obj.managers.all()]

    @staticmethod
    def resolve_members(obj: Team) -> list[int]:
        return [user.pk for user in obj.members.all()]
