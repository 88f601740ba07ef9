"""REST API for strategies (営業戦略): everyone signed in reads; managers and admins write."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from totonou.core.api import (
    Id,
    Page,
    PageQuery,
    References,
    api_user,
    body_data,
    get_visible,
    paginate,
)
from totonou.customers.models import Segment
from totonou.strategy import services
from totonou.strategy.filters import StrategyFilter
from totonou.strategy.models import Strategy
from totonou.strategy.schemas import StrategyIn, StrategyOut, StrategyPatch
from totonou.strategy.selectors import strategy_list
from totonou.users.models import Team

router = Router(tags=["strategy"])


def _references(user: Any, data: dict[str, Any]) -> None:
    references = References(user)
    references.replace(data, "team", Team.objects.all())
    references.replace_many(data, "segments", Segment.objects.all())
    references.check()


def _strategy(user: Any, pk: int) -> Strategy:
    return get_visible(strategy_list(user=user), user, pk)


@router.get("/strategies", response=Page[StrategyOut], url_name="strategy_list")
def list_strategies(
    request: HttpRequest, filters: Query[StrategyFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, strategy_list(user=api_user(request), filters=filters), pagination)


@router.get("/strategies/{strategy_id}", response=StrategyOut, url_name="strategy_detail")
def get_strategy(request: HttpRequest, strategy_id: Id) -> Strategy:
    return _strategy(api_user(request), strategy_id)


@router.post("/strategies", response={201: StrategyOut}, url_name="strategy_create")
def create_strategy(request: HttpRequest, payload: StrategyIn) -> Status[Strategy]:
    user = api_user(request)
    data, _version = body_data(payload)
    _references(user, data)
    strategy = services.strategy_create(actor=user, **data)
    return Status(201, _strategy(user, strategy.pk))


@router.patch("/strategies/{strategy_id}", response=StrategyOut, url_name="strategy_update")
def update_strategy(request: HttpRequest, strategy_id: Id, payload: StrategyPatch) -> Strategy:
    user = api_user(request)
    strategy = get_visible(Strategy.objects.all(), user, strategy_id)
    data, version = body_data(payload)
    _references(user, data)
    services.strategy_update(actor=user, strategy=strategy, version=version, **data)
    return _strategy(user, strategy_id)


@router.delete("/strategies/{strategy_id}", response={204: None}, url_name="strategy_delete")
def delete_strategy(request: HttpRequest, strategy_id: Id) -> Status[None]:
    user = api_user(request)
    services.strategy_delete(actor=user, strategy=get_visible(Strategy.objects.all(), user, strategy_id))
    return Status(204, None)
