"""REST API for stages, loss reasons (written by admins, and managers where the settings say so) and
deals (案件). A stage sent in a PATCH goes through
the service's stage change, which writes the StageChange history row."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

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
from totonou.customers.models import Contact, Customer
from totonou.deals import services
from totonou.deals.filters import DealFilter
from totonou.deals.models import Deal, LossReason, Stage
from totonou.deals.schemas import (
    DealIn,
    DealOut,
    DealPatch,
    DealStageIn,
    LossReasonIn,
    LossReasonOut,
    LossReasonPatch,
    StageIn,
    StageOut,
    StagePatch,
)
from totonou.deals.selectors import deal_list, stage_list
from totonou.users.permissions import ensure_can_change_reference_data
from totonou.users.selectors import assignable_users

router = Router(tags=["deals"])


# --- Stages and loss reasons --------------------------------------------------------------------------


class ReferenceListQuery(Schema):
    include_inactive: bool = False


@router.get("/stages", response=Page[StageOut], url_name="stage_list")
def list_stages(
    request: HttpRequest, pagination: Query[PageQuery], options: Query[ReferenceListQuery]
) -> dict[str, Any]:
    """The active stages in order; ``include_inactive=true`` adds the deactivated ones."""
    user = api_user(request)
    queryset = Stage.objects.visible_to(user).order_by("order", "id")
    return paginate(request, queryset if options.include_inactive else stage_list(user=user), pagination)


@router.get("/stages/{stage_id}", response=StageOut, url_name="stage_detail")
def get_stage(request: HttpRequest, stage_id: Id) -> Stage:
    return get_visible(Stage.objects.all(), api_user(request), stage_id)


@router.post("/stages", response={201: StageOut}, url_name="stage_create")
def create_stage(request: HttpRequest, payload: StageIn) -> Status[Stage]:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    data, _version = body_data(payload)
    return Status(201, services.stage_create(actor=user, **data))


@router.patch("/stages/{stage_id}", response=StageOut, url_name="stage_update")
def update_stage(request: HttpRequest, stage_id: Id, payload: StagePatch) -> Stage:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    data, _version = body_data(payload)
    return services.stage_update(actor=user, stage=get_visible(Stage.objects.all(), user, stage_id), **data)


@router.delete("/stages/{stage_id}", response={204: None}, url_name="stage_delete")
def delete_stage(request: HttpRequest, stage_id: Id) -> Status[None]:
    """Delete a stage no deal has been in (409 otherwise: deactivate it with ``is_active: false``)."""
    user = api_user(request)
    ensure_can_change_reference_data(user)
    services.stage_delete(actor=user, stage=get_visible(Stage.objects.all(), user, stage_id))
    return Status(204, None)


@router.get("/loss-reasons", response=Page[LossReasonOut], url_name="loss_reason_list")
def list_loss_reasons(
    request: HttpRequest, pagination: Query[PageQuery], options: Query[ReferenceListQuery]
) -> dict[str, Any]:
    queryset = LossReason.objects.visible_to(api_user(request)).order_by("order", "id")
    if not options.include_inactive:
        queryset = queryset.filter(is_active=True)
    return paginate(request, queryset, pagination)


@router.get("/loss-reasons/{loss_reason_id}", response=LossReasonOut, url_name="loss_reason_detail")
def get_loss_reason(request: HttpRequest, loss_reason_id: Id) -> LossReason:
    return get_visible(LossReason.objects.all(), api_user(request), loss_reason_id)


@router.post("/loss-reasons", response={201: LossReasonOut}, url_name="loss_reason_create")
def create_loss_reason(request: HttpRequest, payload: LossReasonIn) -> Status[LossReason]:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    data, _version = body_data(payload)
    return Status(201, services.loss_reason_create(actor=user, **data))


@router.patch("/loss-reasons/{loss_reason_id}", response=LossReasonOut, url_name="loss_reason_update")
def update_loss_reason(request: HttpRequest, loss_reason_id: Id, payload: LossReasonPatch) -> LossReason:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    reason = get_visible(LossReason.objects.all(), user, loss_reason_id)
    data, _version = body_data(payload)
    return services.loss_reason_update(actor=user, loss_reason=reason, **data)


@router.delete("/loss-reasons/{loss_reason_id}", response={204: None}, url_name="loss_reason_delete")
def delete_loss_reason(request: HttpRequest, loss_reason_id: Id) -> Status[None]:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    reason = get_visible(LossReason.objects.all(), user, loss_reason_id)
    services.loss_reason_delete(actor=user, loss_reason=reason)
    return Status(204, None)


# --- Deals ------------------------------------------------------------------------------------------


def _deal_references(user: Any, data: dict[str, Any], deal: Deal | None = None) -> None:
    """Ids to records. Inactive stages and loss reasons are refused, except the ones the deal has."""
    references = References(user)
    references.replace(data, "customer", Customer.objects.all())
    references.replace(data, "contact", Contact.objects.all())
    references.replace(data, "owner", assignable_users(user=user))
    current_stage = Q(pk=deal.stage_id) if deal is not None else Q(pk__in=[])
    references.replace(data, "stage", Stage.objects.filter(Q(is_active=True) | current_stage))
    current_reason = Q(pk=deal.loss_reason_id) if deal is not None and deal.loss_reason_id else Q(pk__in=[])
    references.replace(data, "loss_reason", LossReason.objects.filter(Q(is_active=True) | current_reason))
    references.check()


def _deal(user: Any, pk: int) -> Deal:
    return get_visible(deal_list(user=user), user, pk)


@router.get("/deals", response=Page[DealOut], url_name="deal_list")
def list_deals(
    request: HttpRequest, filters: Query[DealFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, deal_list(user=api_user(request), filters=filters), pagination)


@router.get("/deals/{deal_id}", response=DealOut, url_name="deal_detail")
def get_deal(request: HttpRequest, deal_id: Id) -> Deal:
    return _deal(api_user(request), deal_id)


@router.post("/deals", response={201: DealOut}, url_name="deal_create")
def create_deal(request: HttpRequest, payload: DealIn) -> Status[Deal]:
    user = api_user(request)
    data, _version = body_data(payload)
    _deal_references(user, data)
    deal = services.deal_create(actor=user, **data)
    return Status(201, _deal(user, deal.pk))


@router.patch("/deals/{deal_id}", response=DealOut, url_name="deal_update")
def update_deal(request: HttpRequest, deal_id: Id, payload: DealPatch) -> Deal:
    user = api_user(request)
    deal = get_visible(Deal.objects.all(), user, deal_id)
    data, version = body_data(payload)
    _deal_references(user, data, deal)
    changes_stage = data.get("stage") is not None and data["stage"].pk != deal.stage_id
    if not changes_stage and ("loss_reason" in data or "loss_note" in data):
        # The service sets loss reason and note together: what the PATCH leaves out stays as it is.
        data.setdefault("loss_reason", deal.loss_reason)
        data.setdefault("loss_note", deal.loss_note)
    services.deal_update(actor=user, deal=deal, version=version, **data)
    return _deal(user, deal_id)


@router.delete("/deals/{deal_id}", response={204: None}, url_name="deal_delete")
def delete_deal(request: HttpRequest, deal_id: Id) -> Status[None]:
    user = api_user(request)
    services.deal_delete(actor=user, deal=get_visible(Deal.objects.all(), user, deal_id))
    return Status(204, None)


@router.post("/deals/{deal_id}/stage", response=DealOut, url_name="deal_change_stage")
def change_deal_stage(request: HttpRequest, deal_id: Id, payload: DealStageIn) -> Deal:
    """Move the deal into ``stage`` (the service of the deal page's stage control): writes a stage
    change, sends ``deal.stage_changed`` / ``deal.won`` / ``deal.lost`` and enters the feed. 409 when the
    deal is already in that stage (or ``version`` is stale); 403 for reopening a closed deal unless the
    caller is the owner's manager or an administrator."""
    user = api_user(request)
    deal = get_visible(Deal.objects.all(), user, deal_id)
    data, version = body_data(payload)
    references = References(user)
    stage = references.one("stage", Stage.objects.filter(is_active=True), data.pop("stage"))
    references.replace(data, "loss_reason", LossReason.objects.filter(is_active=True))
    references.check()
    assert stage is not None
    services.deal_change_stage(actor=user, deal=deal, stage=stage, version=version, **data)
    return _deal(user, deal_id)


@router.post("/deals/{deal_id}/archive", response=DealOut, url_name="deal_archive")
def archive_deal(request: HttpRequest, deal_id: Id) -> Deal:
    """Hide the deal from deal lists (``archived=true`` lists the archived ones); 409 when it already is.
    A deal with activities cannot be deleted: archive it."""
    user = api_user(request)
    services.deal_archive(actor=user, deal=get_visible(Deal.objects.all(), user, deal_id))
    return _deal(user, deal_id)


@router.post("/deals/{deal_id}/restore", response=DealOut, url_name="deal_restore")
def restore_deal(request: HttpRequest, deal_id: Id) -> Deal:
    """Bring an archived deal back into the lists; 409 when it is not archived."""
    user = api_user(request)
    services.deal_restore(actor=user, deal=get_visible(Deal.objects.all(), user, deal_id))
    return _deal(user, deal_id)
