"""API shapes for targets. References are integer ids; ``period`` is a fiscal-calendar key."""

from __future__ import annotations

import datetime
from typing import ClassVar

from pydantic import field_validator

from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut
from totonou.targets.models import Metric, Target


class TargetOut(WebObjectOut):
    id: int
    user: int | None
    team: int | None
    metric: str
    period: str
    period_label: str
    first_day: datetime.date
    last_day: datetime.date
    value: int
    created_by: int | None
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_user(obj: Target) -> int | None:
        return obj.user_id

    @staticmethod
    def resolve_team(obj: Target) -> int | None:
        return obj.team_id

    @staticmethod
    def resolve_created_by(obj: Target) -> int | None:
        return obj.created_by_id

    @staticmethod
    def resolve_period_label(obj: Target) -> str:
        return obj.fiscal_period.label

    @staticmethod
    def resolve_first_day(obj: Target) -> datetime.date:
        return obj.fiscal_period.first_day

    @staticmethod
    def resolve_last_day(obj: Target) -> datetime.date:
        return obj.fiscal_period.last_day


class TargetIn(InputSchema):
    """A rep's (``user``) or a team's target: give exactly one of them."""

    nullable: ClassVar[frozenset[str]] = frozenset({"user", "team"})

    user: Id | None = None
    team: Id | None = None
    metric: Metric
    period: str
    value: int

    @field_validator("value")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            from django.utils.translation import gettext as _

            raise ValueError(_("A target cannot be negative."))
        return value


class TargetPatch(InputSchema):
    """The new figure; ``version`` (optional) is the version read, 409 when it is stale."""

    nullable: ClassVar[frozenset[str]] = frozenset({"version"})

    value: int
    version: int | None = None
