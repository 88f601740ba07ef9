"""API shapes for channels and deliveries. Secrets (``token``, ``secret``) are write-only: the output
says only whether one is set."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from ninja import Schema

from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut
from totonou.notifications.models import Channel, Delivery


class ChannelOut(WebObjectOut):
    id: int
    name: str
    kind: str
    url: str
    room_id: str
    has_token: bool
    has_secret: bool
    language: str
    events: list[str]
    team: int | None
    segment: int | None
    owner: int | None
    key_only: bool
    digest_time: str
    time_zone: str
    enabled: bool
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_has_token(obj: Channel) -> bool:
        return bool(obj.token)

    @staticmethod
    def resolve_has_secret(obj: Channel) -> bool:
        return bool(obj.secret)

    @staticmethod
    def resolve_team(obj: Channel) -> int | None:
        return obj.team_id

    @staticmethod
    def resolve_segment(obj: Channel) -> int | None:
        return obj.segment_id

    @staticmethod
    def resolve_owner(obj: Channel) -> int | None:
        return obj.owner_id

    @staticmethod
    def resolve_digest_time(obj: Channel) -> str:
        value: Any = obj.digest_time
        return value.strftime("%H:%M") if isinstance(value, datetime.time) else str(value)


class _ChannelFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"team", "segment", "owner"})

    url: str | None = None
    room_id: str | None = None
    token: str | None = None
    secret: str | None = None
    language: str | None = None
    events: list[str] | None = None
    team: Id | None = None
    segment: Id | None = None
    owner: Id | None = None
    key_only: bool | None = None
    digest_time: datetime.time | None = None
    time_zone: str | None = None
    enabled: bool | None = None


class ChannelIn(_ChannelFields):
    """A new channel: ``url`` for slack, teams, google_chat and webhook (plus ``secret`` for webhook),
    ``room_id`` and ``token`` for chatwork."""

    name: str
    kind: str


class ChannelPatch(_ChannelFields):
    """The fields to change; an omitted or empty ``token`` / ``secret`` keeps the stored one."""

    name: str | None = None
    kind: str | None = None


class ChannelTestOut(Schema):
    ok: bool
    status_code: int | None
    detail: str
    delivery: int


class AttemptOut(Schema):
    number: int
    started_at: ApiDateTime
    duration_ms: int
    status_code: int | None
    error: str


class DeliveryOut(WebObjectOut):
    id: int
    channel: int
    event: str
    event_id: str
    dedupe_key: str
    status: str
    attempt_count: int
    next_attempt_at: ApiDateTime | None
    last_status_code: int | None
    last_error: str
    delivered_at: ApiDateTime | None
    created_at: ApiDateTime
    attempts: list[AttemptOut]
    web_url: str

    @staticmethod
    def resolve_channel(obj: Delivery) -> int:
        return obj.channel_id

    @staticmethod
    def resolve_event(obj: Delivery) -> str:
        return obj.event_name

    @staticmethod
    def resolve_event_id(obj: Delivery) -> str:
        return str(obj.event.uid)

    @staticmethod
    def resolve_attempts(obj: Delivery) -> list[Any]:
        return list(obj.attempts.all())  # prefetched by the selector
