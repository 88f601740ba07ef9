"""REST API for chat channels and the delivery log: managers (the channels of their teams; another team's
channel is 404, its URL being a secret) and admins (``users.permissions.team_owned_q``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from totonou.core.api import Id, Page, PageQuery, References, api_user, body_data, paginate
from totonou.customers.models import Segment
from totonou.integrations import services
from totonou.integrations.schemas import ChannelIn, ChannelOut, ChannelPatch, ChannelTestOut, DeliveryOut
from totonou.integrations.selectors import channel_list, delivery_list
from totonou.notifications.filters import DeliveryFilter
from totonou.notifications.models import CHANNEL_FILTERS, Channel, Delivery
from totonou.users.models import Team, User

router = Router(tags=["channels"])


def _data(user: Any, payload: Any) -> dict[str, Any]:
    """The body as service arguments: the filter ids checked against what exists (the channel stores
    them as plain ids)."""
    data, _version = body_data(payload)
    references = References(user)
    references.one("team", Team.objects.all(), data.get("team"))
    references.one("segment", Segment.objects.all(), data.get("segment"))
    references.one("owner", User.objects.filter(is_active=True), data.get("owner"))
    references.check()
    for name, field in CHANNEL_FILTERS.items():
        if name in data:
            data[field] = data.pop(name)
    return data


def _channel(user: Any, pk: int) -> Channel:
    return channel_list(user=user).get(pk=pk)


@router.get("/channels", response=Page[ChannelOut], url_name="channel_list")
def list_channels(request: HttpRequest, pagination: Query[PageQuery]) -> dict[str, Any]:
    return paginate(request, channel_list(user=api_user(request)), pagination)


@router.get("/channels/{channel_id}", response=ChannelOut, url_name="channel_detail")
def get_channel(request: HttpRequest, channel_id: Id) -> Channel:
    return _channel(api_user(request), channel_id)


@router.post("/channels", response={201: ChannelOut}, url_name="channel_create")
def create_channel(request: HttpRequest, payload: ChannelIn) -> Status[Channel]:
    user = api_user(request)
    data = _data(user, payload)
    return Status(201, services.channel_create(actor=user, **data))


@router.patch("/channels/{channel_id}", response=ChannelOut, url_name="channel_update")
def update_channel(request: HttpRequest, channel_id: Id, payload: ChannelPatch) -> Channel:
    user = api_user(request)
    channel = _channel(user, channel_id)
    return services.channel_update(actor=user, channel=channel, **_data(user, payload))


@router.delete("/channels/{channel_id}", response={204: None}, url_name="channel_delete")
def delete_channel(request: HttpRequest, channel_id: Id) -> Status[None]:
    user = api_user(request)
    services.channel_delete(actor=user, channel=_channel(user, channel_id))
    return Status(204, None)


@router.post("/channels/{channel_id}/test", response=ChannelTestOut, url_name="channel_test")
def test_channel(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    """Send a test message now; ``ok`` and the receiver's status code or error."""
    user = api_user(request)
    delivery = services.channel_test(actor=user, channel=_channel(user, channel_id))
    return {
        "ok": delivery.status == Delivery.Status.SUCCEEDED,
        "status_code": delivery.last_status_code,
        "detail": delivery.last_error,
        "delivery": delivery.pk,
    }


@router.get("/deliveries", response=Page[DeliveryOut], url_name="delivery_list")
def list_deliveries(
    request: HttpRequest, filters: Query[DeliveryFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, delivery_list(user=api_user(request), filters=filters), pagination)


@router.get("/deliveries/{delivery_id}", response=DeliveryOut, url_name="delivery_detail")
def get_delivery(request: HttpRequest, delivery_id: Id) -> Delivery:
    return delivery_list(user=api_user(request)).get(pk=delivery_id)


@router.post("/deliveries/{delivery_id}/retry", response=DeliveryOut, url_name="delivery_retry")
def retry_delivery(request: HttpRequest, delivery_id: Id) -> Delivery:
    user = api_user(request)
    delivery = delivery_list(user=user).get(pk=delivery_id)
    services.delivery_retry(actor=user, delivery=delivery)
    return delivery_list(user=user).get(pk=delivery_id)
