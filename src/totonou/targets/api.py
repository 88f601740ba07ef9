"""REST API for targets (目標): reps read their own and their team's; managers set their teams'
targets and their members', admins all."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from totonou.core.api import Id, Page, PageQuery, References, api_user, body_data, get_visible, paginate
from totonou.targets import services
from totonou.targets.filters import TargetFilter
from totonou.targets.models import Target
from totonou.targets.schemas import TargetIn, TargetOut, TargetPatch
from totonou.targets.selectors import target_list
from totonou.users.models import Team, User

router = Router(tags=["targets"])


def _target(user: Any, pk: int) -> Target:
    return get_visible(target_list(user=user), user, pk)


@router.get("/targets", response=Page[TargetOut], url_name="target_list")
def list_targets(
    request: HttpRequest, filters: Query[TargetFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, target_list(user=api_user(request), filters=filters), pagination)


@router.get("/targets/{target_id}", response=TargetOut, url_name="target_detail")
def get_target(request: HttpRequest, target_id: Id) -> Target:
    return _target(api_user(request), target_id)


@router.post("/targets", response={201: TargetOut}, url_name="target_create")
def create_target(request: HttpRequest, payload: TargetIn) -> Status[Target]:
    user = api_user(request)
    data, _version = body_data(payload)
    references = References(user)
    references.replace(data, "user", User.objects.filter(is_active=True))
    references.replace(data, "team", Team.objects.all())
    references.check()
    data["metric"] = str(data["metric"].value if hasattr(data["metric"], "value") else data["metric"])
    target = services.target_create(actor=user, **data)
    return Status(201, _target(user, target.pk))


@router.patch("/targets/{target_id}", response=TargetOut, url_name="target_update")
def update_target(request: HttpRequest, target_id: Id, payload: TargetPatch) -> Target:
    user = api_user(request)
    target = _target(user, target_id)
    data, version = body_data(payload)
    services.target_update(actor=user, target=target, version=version, **data)
    return _target(user, target_id)


@router.delete("/targets/{target_id}", response={204: None}, url_name="target_delete")
def delete_target(request: HttpRequest, target_id: Id) -> Status[None]:
    user = api_user(request)
    services.target_delete(actor=user, target=_target(user, target_id))
    return Status(204, None)
