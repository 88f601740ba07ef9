"""Writes for deals. A stage change always writes a StageChange row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ConflictError, ValidationError
from totonou.core.services import check_version, lock, reject_unknown, save_changes, unique_slug
from totonou.customers.models import Customer
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.notifications import deal_stage_notify
from totonou.deals.personal_notifications import deal_outcome_notify
from totonou.deals.search_documents import deal_index, deal_unindex
from totonou.users.models import User
from totonou.users.permissions import ensure_can_change_owned_by, ensure_can_change_reference_data

STAGE_FIELDS = {"name_ja", "name_en", "order", "probability", "stagnation_days", "kind", "is_active"}
LOSS_REASON_FIELDS = {"name_ja", "name_en", "order", "is_active"}
DEAL_FIELDS = {"customer", "owner", "title", "amount", "expected_close_date", "next_step", "notes"}
UNSET: Any = object()  # "not given", as opposed to None ("clear it")


def default_stage() -> Stage:
    stage = Stage.objects.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("order", "id").first()
    if stage is None:
        raise ValidationError({"stage": [_("No open stage is configured.")]})
    return stage


@transaction.atomic
def deal_create(
    *,
    actor: User,
    customer: Customer,
    title: str,
    owner: User | None = None,
    stage: Stage | None = None,
    loss_reason: LossReason | None = None,
    loss_note: str = "",
    **fields: Any,
) -> Deal:
    reject_unknown(fields, DEAL_FIELDS - {"customer", "owner", "title"})
    owner = owner or actor
    ensure_can_change_owned_by(actor, owner.pk)
    stage = stage or default_stage()
    now = timezone.now()
    deal = Deal(
        customer=customer,
        owner=owner,
        title=title,
        stage=stage,
        stage_entered_at=now,
        closed_at=now if stage.kind != Stage.Kind.OPEN else None,
        loss_reason=loss_reason if stage.kind == Stage.Kind.LOST else None,
        loss_note=loss_note if stage.kind == Stage.Kind.LOST else "",
        **fields,
    )
    deal.full_clean()
    deal.save()
    deal_index(deal)
    StageChange.objects.create(deal=deal, from_stage=None, to_stage=stage, changed_by=actor, changed_at=now)
    audit_record(
        actor=actor,
        instance=deal,
        action="create",
        changes=snapshot(deal, {"customer", "owner", "title", "stage", *fields}),
    )
    return deal


@transaction.atomic
def deal_update(
    *,
    actor: User,
    deal: Deal,
    version: int | None = None,
    stage: Stage | None = None,
    loss_reason: LossReason | None = UNSET,
    loss_note: str | None = UNSET,
    **changes: Any,
) -> Deal:
    """Edit a deal. A new ``stage`` goes through the stage change (with its history row); the loss
    reason and note are changed only when given, and only a lost deal may have them."""
    reject_unknown(changes, DEAL_FIELDS)
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    check_version(deal, version)
    new_owner = changes.get("owner")
    if new_owner is not None and new_owner.pk != deal.owner_id:
        ensure_can_change_owned_by(actor, new_owner.pk)
    new_customer = changes.get("customer")
    if new_customer is not None and new_customer.pk != deal.customer_id and deal.activities.exists():
        raise ValidationError(
            {
                "customer": [
                    _("This deal has activities with its customer; it cannot move to another customer.")
                ]
            }
        )
    if save_changes(instance=deal, changes=changes, actor=actor):
        deal_index(deal)
    if stage is not None and stage.pk != deal.stage_id:
        _change_stage(
            actor=actor,
            deal=deal,
            stage=stage,
            loss_reason=None if loss_reason is UNSET else loss_reason,
            loss_note=None if loss_note is UNSET else loss_note,
        )
        return deal
    loss_changes: dict[str, Any] = {}
    if loss_reason is not UNSET:
        loss_changes["loss_reason"] = loss_reason
    if loss_note is not UNSET:
        loss_changes["loss_note"] = loss_note or ""
    if (
        loss_changes.get("loss_reason") or loss_changes.get("loss_note")
    ) and deal.stage.kind != Stage.Kind.LOST:
        field = "loss_reason" if loss_changes.get("loss_reason") else "loss_note"
        raise ValidationError({field: [_("Only a lost deal has a loss reason.")]})
    if loss_changes:
        save_changes(instance=deal, changes=loss_changes, actor=actor)
    return deal


@transaction.atomic
def deal_change_stage(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    loss_reason: LossReason | None = None,
    loss_note: str | None = None,
    version: int | None = None,
) -> Deal:
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    check_version(deal, version)
    if stage.pk == deal.stage_id:
        raise ConflictError(_("The deal is already in this stage."))
    _change_stage(actor=actor, deal=deal, stage=stage, loss_reason=loss_reason, loss_note=loss_note)
    return deal


def _change_stage(
    *, actor: User, deal: Deal, stage: Stage, loss_reason: LossReason | None, loss_note: str | None
) -> None:
    now = timezone.now()
    from_stage_id = deal.stage_id
    changes: dict[str, Any] = {
        "stage": stage,
        "stage_entered_at": now,
        "closed_at": now if stage.kind != Stage.Kind.OPEN else None,
        "loss_reason": loss_reason if stage.kind == Stage.Kind.LOST else None,
        "loss_note": (loss_note or "") if stage.kind == Stage.Kind.LOST else "",
    }
    save_changes(instance=deal, changes=changes, actor=actor)
    StageChange.objects.create(
        deal=deal, from_stage_id=from_stage_id, to_stage=stage, changed_by=actor, changed_at=now
    )
    deal_stage_notify(deal=deal, actor=actor, from_stage_id=from_stage_id)
    deal_outcome_notify(deal=deal, actor=actor)


@transaction.atomic
def deal_delete(*, actor: User, deal: Deal) -> None:
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    if deal.activities.exists():
        raise ConflictError(_("This deal has activities; close it as lost instead of deleting it."))
    audit_record(actor=actor, instance=deal, action="delete")
    deal_unindex(deal.pk)
    deal.delete()


# --- Stages and loss reasons (shared reference data: ensure_can_change_reference_data) ----------------


def _stage_in_use(stage: Stage) -> bool:
    return (
        Deal.objects.filter(stage=stage).exists()
        or StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
    )


def _is_last_open_stage(stage: Stage) -> bool:
    """A new deal starts in the first active open stage: one must always remain."""
    if stage.kind != Stage.Kind.OPEN or not stage.is_active:
        return False
    others = Stage.objects.select_for_update().filter(kind=Stage.Kind.OPEN, is_active=True)
    return not others.exclude(pk=stage.pk).exists()


@transaction.atomic
def stage_create(*, actor: User, slug: str = "", **fields: Any) -> Stage:
    ensure_can_change_reference_data(actor)
    reject_unknown(fields, STAGE_FIELDS)
    stage = Stage(slug=slug or unique_slug(Stage, fields.get("name_en", ""), fields.get("name_ja", "")))
    for name, value in fields.items():
        setattr(stage, name, value)
    stage.full_clean()
    stage.save()
    audit_record(actor=actor, instance=stage, action="create", changes=snapshot(stage, {"slug", *fields}))
    return stage


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, **changes: Any) -> Stage:
    """Change a stage. Its kind (open / won / lost) is fixed once deals have been in it; deactivating
    it hides it from the pickers while its deals and history keep it."""
    ensure_can_change_reference_data(actor)
    reject_unknown(changes, STAGE_FIELDS)
    stage = lock(stage)
    kind = changes.get("kind", stage.kind)
    if kind != stage.kind and _stage_in_use(stage):
        raise ValidationError(
            {"kind": [_("Deals have been in this stage: its kind (open, won, lost) cannot change.")]}
        )
    is_active = changes.get("is_active", stage.is_active)
    if (kind != Stage.Kind.OPEN or not is_active) and _is_last_open_stage(stage):
        field = "kind" if kind != Stage.Kind.OPEN else "is_active"
        raise ValidationError({field: [_("At least one active open stage is needed for new deals.")]})
    save_changes(instance=stage, changes=changes, actor=actor)
    return stage


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    """Delete a stage no deal has ever been in; a stage with deals is deactivated instead."""
    ensure_can_change_reference_data(actor)
    stage = lock(stage)
    if _stage_in_use(stage):
        raise ConflictError(_("Deals are or have been in this stage: deactivate it instead of deleting it."))
    if _is_last_open_stage(stage):
        raise ConflictError(_("At least one active open stage is needed for new deals."))
    audit_record(actor=actor, instance=stage, action="delete")
    stage.delete()


@transaction.atomic
def loss_reason_create(*, actor: User, slug: str = "", **fields: Any) -> LossReason:
    ensure_can_change_reference_data(actor)
    reject_unknown(fields, LOSS_REASON_FIELDS)
    reason = LossReason(
        slug=slug or unique_slug(LossReason, fields.get("name_en", ""), fields.get("name_ja", ""))
    )
    for name, value in fields.items():
        setattr(reason, name, value)
    reason.full_clean()
    reason.save()
    audit_record(actor=actor, instance=reason, action="create", changes=snapshot(reason, {"slug", *fields}))
    return reason


@transaction.atomic
def loss_reason_update(*, actor: User, loss_reason: LossReason, **changes: Any) -> LossReason:
    ensure_can_change_reference_data(actor)
    reject_unknown(changes, LOSS_REASON_FIELDS)
    loss_reason = lock(loss_reason)
    save_changes(instance=loss_reason, changes=changes, actor=actor)
    return loss_reason


@transaction.atomic
def loss_reason_delete(*, actor: User, loss_reason: LossReason) -> None:
    ensure_can_change_reference_data(actor)
    loss_reason = lock(loss_reason)
    if Deal.objects.filter(loss_reason=loss_reason).exists():
        raise ConflictError(_("Deals were lost for this reason: deactivate it instead of deleting it."))
    audit_record(actor=actor, instance=loss_reason, action="delete")
    loss_reason.delete()
