"""Reads for channels and the delivery log: a manager sees the channels of the teams they manage (and,
where managers change what every team shares, the channels with no team filter), an admin every one
(``users.permissions.team_owned_q``). A channel's URL is a secret: another team's channel is not found."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from totonou.notifications.filters import DeliveryFilter
from totonou.notifications.models import Channel, Delivery, DeliveryAttempt
from totonou.users.permissions import ensure_manager_or_admin, team_owned_q


def channel_list(*, user: Any) -> QuerySet[Channel]:
    ensure_manager_or_admin(user)
    return Channel.objects.filter(team_owned_q(user, "team_id")).order_by("name", "id")


def delivery_list(*, user: Any, filters: DeliveryFilter | None = None) -> QuerySet[Delivery]:
    """Newest first, with channel, event and attempts: three queries for any page."""
    ensure_manager_or_admin(user)
    queryset = (
        Delivery.objects.filter(team_owned_q(user, "channel__team_id"))
        .select_related("channel", "event")
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("number")))
    )
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("-created_at", "-id")
