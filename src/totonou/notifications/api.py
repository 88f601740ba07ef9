"""REST API for the signed-in user's notifications (the bell) and how they hear of them."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import model_validator

from totonou.core.api import InputSchema, Page, PageQuery, api_user, paginate
from totonou.core.links import absolute_url
from totonou.notifications.models import Notification
from totonou.notifications.personal import notifications_mark_read, preferences_read, preferences_update

router = Router(tags=["notifications"])

KindName = Literal["mention", "comment", "review", "like", "deal", "reminder"]
ChannelsName = Literal["both", "in_app", "email", "none"]


class NotificationOut(Schema):
    id: int
    kind: KindName
    title: str
    body: str
    is_key: bool
    read: bool
    read_at: datetime.datetime | None
    created_at: datetime.datetime
    web_url: str

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        return obj.title_text

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return obj.body_text

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.read_at is not None

    @staticmethod
    def resolve_web_url(obj: Notification) -> str:
        return absolute_url(obj.link) if obj.link.startswith("/") else obj.link


class NotificationQuery(Schema):
    unread: bool | None = None
    kind: KindName | None = None


class MarkReadIn(InputSchema):
    ids: list[int] | None = None
    all: bool | None = None

    @model_validator(mode="after")
    def _one_of(self) -> MarkReadIn:
        if bool(self.ids) == bool(self.all):
            raise ValueError("Give either ids or all: true.")
        return self


class MarkReadOut(Schema):
    marked: int
    unread: int


class PreferencesOut(Schema):
    channels: dict[KindName, ChannelsName]
    digest: bool
    digest_time: datetime.time
    quiet_start: datetime.time | None
    quiet_end: datetime.time | None


class PreferencesPatch(InputSchema):
    nullable = frozenset({"quiet_start", "quiet_end"})

    channels: dict[KindName, ChannelsName] | None = None
    digest: bool | None = None
    digest_time: datetime.time | None = None
    quiet_start: datetime.time | None = None
    quiet_end: datetime.time | None = None


@router.get("/notifications", response=Page[NotificationOut], url_name="notification_list")
def list_notifications(
    request: HttpRequest, filters: Query[NotificationQuery], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """The user's notifications in the bell, newest first (``?unread=true`` for the unread ones)."""
    queryset = Notification.objects.filter(recipient=api_user(request), in_app=True)
    if filters.unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif filters.unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return paginate(request, queryset.order_by("-created_at", "-id"), pagination)


@router.post("/notifications/read", response=MarkReadOut, url_name="notification_mark_read")
def mark_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, int]:
    """Mark the given notifications of the user read (``{"ids": [...]}``), or all (``{"all": true}``).
    Ids of other users' notifications are ignored."""
    from totonou.notifications.personal import unread_count

    user = api_user(request)
    marked = notifications_mark_read(user=user, ids=None if payload.all else payload.ids)
    return {"marked": marked, "unread": unread_count(user=user)}


@router.get("/me/notification-preferences", response=PreferencesOut, url_name="notification_preferences")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    return preferences_read(user=api_user(request))


@router.patch(
    "/me/notification-preferences", response=PreferencesOut, url_name="notification_preferences_patch"
)
def patch_preferences(request: HttpRequest, payload: PreferencesPatch) -> dict[str, Any]:
    """Change how the user hears of each kind (``channels``), the digest and the quiet hours; only the
    fields sent change (``null`` quiet hours: none)."""
    data = payload.model_dump(exclude_unset=True)
    return preferences_update(
        user=api_user(request),
        channels=data.get("channels"),
        digest=data.get("digest"),
        digest_time=data.get("digest_time"),
        quiet_start=data.get("quiet_start", ""),
        quiet_end=data.get("quiet_end", ""),
    )
