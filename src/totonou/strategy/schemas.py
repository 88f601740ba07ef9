"""API shapes for strategies. Field names follow the model; references are integer ids."""

from __future__ import annotations

import datetime
from typing import ClassVar

from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut
from totonou.core.bounds import BoundedDate, LongText
from totonou.strategy.models import Strategy


class StrategyOut(WebObjectOut):
    id: int
    name: str
    hypothesis: LongText
    starts_on: datetime.date
    ends_on: datetime.date
    team: int | None
    segments: list[int]
    title_keywords: list[str]
    target_share: int
    created_by: int | None
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_team(obj: Strategy) -> int | None:
        return obj.team_id

    @staticmethod
    def resolve_segments(obj: Strategy) -> list[int]:
        return [segment.pk for segment in obj.segments.all()]  # prefetched by the selector

    @staticmethod
    def resolve_created_by(obj: Strategy) -> int | None:
        return obj.created_by_id


class StrategyIn(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"team"})

    name: str
    hypothesis: LongText
    starts_on: BoundedDate
    ends_on: BoundedDate
    target_share: int
    segments: list[Id]
    title_keywords: list[str] = []
    team: Id | None = None


class StrategyPatch(InputSchema):
    """The fields to change; ``version`` (optional) is the version read, 409 when it is stale."""

    nullable: ClassVar[frozenset[str]] = frozenset({"team", "version"})

    name: str | None = None
    hypothesis: LongText | None = None
    starts_on: BoundedDate | None = None
    ends_on: BoundedDate | None = None
    target_share: int | None = None
    segments: list[Id] | None = None
    title_keywords: list[str] | None = None
    team: Id | None = None
    version: int | None = None
