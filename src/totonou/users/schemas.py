"""API shapes for users and teams."""

from __future__ import annotations

import datetime
from typing import Annotated, ClassVar

from ninja import Field

from totonou.core.api import Id, InputSchema, WebObjectOut
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


Weekday = Annotated[
    int, Field(ge=0, le=6, description="The weekly report's deadline day: 0 = Monday … 6 = Sunday.")
]


class TeamOut(WebObjectOut):
    id: int
    name: str
    managers: list[int]
    members: list[int]
    time_zone: str = Field(description="Period boundaries (targets, pipeline periods) and the deadline.")
    report_deadline_weekday: Weekday
    report_deadline_time: datetime.time = Field(description="The deadline's local time, in ``time_zone``.")
    web_url: str

    @staticmethod
    def resolve_managers(obj: Team) -> list[int]:
        return [user.pk for user in obj.managers.all()]

    @staticmethod
    def resolve_members(obj: Team) -> list[int]:
        return [user.pk for user in obj.members.all()]


class UserCreatedOut(UserOut):
    """The new user, with the one-time link at which they set their password (shown only here)."""

    set_password_url: str


class _UserFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"team"})

    role: str | None = None
    team: Id | None = None
    managed_teams: list[Id] | None = None
    display_name: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    time_zone: str | None = None
    calendar_color: str | None = None
    week_starts_on: int | None = None
    slack_user_id: str | None = None
    chatwork_account_id: str | None = None


class UserIn(_UserFields):
    username: str


class UserPatch(_UserFields):
    is_active: bool | None = None


class _TeamSettings(InputSchema):
    """What the team's managers change too (the rest of a team is the admins')."""

    time_zone: str | None = None
    report_deadline_weekday: Weekday | None = None
    report_deadline_time: datetime.time | None = None


class TeamIn(_TeamSettings):
    name: str
    managers: list[Id] | None = None
    members: list[Id] | None = None


class TeamPatch(_TeamSettings):
    name: str | None = None
    managers: list[Id] | None = None
    members: list[Id] | None = None
