"""Writes for deals. A stage change always goes through ``_change_stage``: it writes a StageChange row,
records the chat event (``deal.stage_changed`` / ``deal.won`` / ``deal.lost``) and tells the feed."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ConflictError, ValidationError
from totonou.core.services import check_version, lock, reject_unknown, save_changes, unique_slug
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.notifications import deal_stage_notify
from totonou.deals.personal_notifications import deal_outcome_notify
from totonou.deals.search_documents import deal_index, deal_unindex
from totonou.deals.signals import deal_stage_changed
from totonou.users.models import User
from totonou.users.permissions import (
    ensure_can_change_owned_by,
    ensure_can_change_reference_data,
    ensure_can_reopen_owned_by,
)

STAGE_FIELDS = {"name_ja", "name_en", "order", "probability", "stagnation_days", "kind", "is_active"}
LOSS_REASON_FIELDS = {"name_ja", "name_en", "order", "is_active"}
DEAL_FIELDS = {
    "customer",
    "owner",
    "title",
    "amount",
    "expected_close_date",
    "next_step",
    "notes",
    "contact",
    "external_id",
}
UNSET: Any = object()  # "not given", as opposed to None ("clear it")


def default_stage() -> Stage:
    stage = Stage.objects.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("order", "id").first()
    if stage is None:
        raise ValidationError({"stage": [_("No open stage is configured.")]})
    return stage


# --- Rules shared by create, update and the stage change ------------------------------------------------


def _check_contact(*, customer_id: int | None, contact: Contact | None) -> None:
    if contact is not None and contact.customer_id != customer_id:
        raise ValidationError({"contact": [_("This contact belongs to another customer.")]})


def _check_external_id(*, external_id: str | None, deal_id: int | None) -> None:
    if not external_id:
        return
    others = Deal.objects.filter(external_id=external_id)
    if deal_id is not None:
        others = others.exclude(pk=deal_id)
    if others.exists():
        raise ValidationError({"external_id": [_("Another deal already has this external id.")]})


def _closed_at(*, actor: User, closed_on: datetime.date | None, imported: bool) -> datetime.datetime:
    """When a deal closes: now, or the start of ``closed_on`` (local) when that is an earlier day, which
    only an administrator or an import may give. Never in the future."""
    now = timezone.now()
    today = timezone.localdate(now)
    if closed_on is None or closed_on == today:
        return now
    if closed_on > today:
        raise ValidationError({"closed_on": [_("The close date cannot be in the future.")]})
    if not (imported or getattr(actor, "role", None) == User.Role.ADMIN):
        raise ValidationError({"closed_on": [_("Only an administrator may give a close date in the past.")]})
    return timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time.min))


def _closing(
    *,
    actor: User,
    stage: Stage,
    loss_reason: LossReason | None,
    loss_note: str | None,
    closed_on: datetime.date | None,
    imported: bool,
) -> dict[str, Any]:
    """The fields a move into ``stage`` sets: the close time of a won or lost deal, the loss reason (a
    lost deal must have one) and note. Given values that do not fit the stage are field errors."""
    errors: dict[str, list[str]] = {}
    lost = stage.kind == Stage.Kind.LOST
    if lost and loss_reason is None:
        errors["loss_reason"] = [_("Give the reason the deal was lost.")]
    if not lost and loss_reason is not None:
        errors["loss_reason"] = [_("Only a lost deal has a loss reason.")]
    if not lost and loss_note:
        errors["loss_note"] = [_("Only a lost deal has a loss note.")]
    if loss_reason is not None and not loss_reason.is_active:
        errors["loss_reason"] = [_("This loss reason is no longer in use.")]
    if stage.kind == Stage.Kind.OPEN and closed_on is not None:
        errors["closed_on"] = [_("Only a won or lost deal has a close date.")]
    if errors:
        raise ValidationError(errors)
    closed_at = (
        _closed_at(actor=actor, closed_on=closed_on, imported=imported)
        if stage.kind != Stage.Kind.OPEN
        else None
    )
    return {
        "closed_at": closed_at,
        "loss_reason": loss_reason if lost else None,
        "loss_note": (loss_note or "") if lost else "",
    }


# --- Create, update, archive, delete --------------------------------------------------------------------


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
    closed_on: datetime.date | None = None,
    imported: bool = False,
    **fields: Any,
) -> Deal:
    """A new deal owned by ``owner`` (default: the actor, who must be allowed to change the owner's
    records), in ``stage`` (default: the first open stage). ``imported`` lets an import give a past
    ``closed_on``."""
    reject_unknown(fields, DEAL_FIELDS - {"customer", "owner", "title"})
    owner = owner or actor
    ensure_can_change_owned_by(actor, owner.pk)
    stage = stage or default_stage()
    if not stage.is_active:
        raise ValidationError({"stage": [_("This stage is no longer in use.")]})
    _check_contact(customer_id=customer.pk, contact=fields.get("contact"))
    _check_external_id(external_id=fields.get("external_id"), deal_id=None)
    closing = _closing(
        actor=actor,
        stage=stage,
        loss_reason=loss_reason,
        loss_note=loss_note,
        closed_on=closed_on,
        imported=imported,
    )
    now = timezone.now()
    entered_at = closing["closed_at"] or now
    deal = Deal(
        customer=customer,
        owner=owner,
        title=title,
        stage=stage,
        stage_entered_at=entered_at,
        **closing,
        **fields,
    )
    deal.full_clean()
    deal.save()
    deal_index(deal)
    change = StageChange.objects.create(
        deal=deal, from_stage=None, to_stage=stage, changed_by=actor, changed_at=entered_at
    )
    audit_record(
        actor=actor,
        instance=deal,
        action="create",
        changes=snapshot(deal, {"customer", "owner", "title", "stage", *fields}),
    )
    if stage.kind != Stage.Kind.OPEN:
        deal_stage_notify(deal=deal, actor=actor, from_stage_id=None)
    deal_stage_changed.send(
        sender=Deal, deal=deal, actor=actor, stage_change=change, from_stage=None, reopened=False
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
    closed_on: datetime.date | None = None,
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
    customer_id = new_customer.pk if new_customer is not None else deal.customer_id
    if "contact" in changes or (new_customer is not None and new_customer.pk != deal.customer_id):
        contact = changes.get("contact", deal.contact)
        _check_contact(customer_id=customer_id, contact=contact)
    if "external_id" in changes:
        _check_external_id(external_id=changes["external_id"], deal_id=deal.pk)
    if stage is not None and stage.pk != deal.stage_id:
        # The stage's rules first, so a refused stage change leaves the other fields unchanged too.
        _check_stage_change(
            actor=actor,
            deal=deal,
            stage=stage,
            loss_reason=None if loss_reason is UNSET else loss_reason,
            loss_note=None if loss_note is UNSET else loss_note,
            closed_on=closed_on,
        )
    elif closed_on is not None:
        raise ValidationError({"closed_on": [_("A close date is given only with a new stage.")]})
    if save_changes(instance=deal, changes=changes, actor=actor):
        deal_index(deal)
    if stage is not None and stage.pk != deal.stage_id:
        _change_stage(
            actor=actor,
            deal=deal,
            stage=stage,
            loss_reason=None if loss_reason is UNSET else loss_reason,
            loss_note=None if loss_note is UNSET else loss_note,
            closed_on=closed_on,
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
    if deal.stage.kind == Stage.Kind.LOST and "loss_reason" in loss_changes:
        reason = loss_changes["loss_reason"]
        if reason is None:
            raise ValidationError({"loss_reason": [_("Give the reason the deal was lost.")]})
        if not reason.is_active and reason.pk != deal.loss_reason_id:
            raise ValidationError({"loss_reason": [_("This loss reason is no longer in use.")]})
    if loss_changes:
        save_changes(instance=deal, changes=loss_changes, actor=actor)
    return deal


@transaction.atomic
def deal_archive(*, actor: User, deal: Deal, version: int | None = None) -> Deal:
    """Hide a deal from the deal list (a deal with activities cannot be deleted: archive it instead)."""
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    check_version(deal, version)
    if deal.archived_at is not None:
        raise ConflictError(_("This deal is already archived."))
    save_changes(instance=deal, changes={"archived_at": timezone.now()}, actor=actor)
    return deal


@transaction.atomic
def deal_restore(*, actor: User, deal: Deal, version: int | None = None) -> Deal:
    """Bring an archived deal back into the deal list."""
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    check_version(deal, version)
    if deal.archived_at is None:
        raise ConflictError(_("This deal is not archived."))
    save_changes(instance=deal, changes={"archived_at": None}, actor=actor)
    return deal


@transaction.atomic
def deal_delete(*, actor: User, deal: Deal) -> None:
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    if deal.activities.exists():
        raise ConflictError(_("This deal has activities; archive it instead of deleting it."))
    audit_record(actor=actor, instance=deal, action="delete")
    deal_unindex(deal.pk)
    deal.delete()


# --- The stage change -------------------------------------------------------------------------------------


@transaction.atomic
def deal_change_stage(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    loss_reason: LossReason | None = None,
    loss_note: str | None = None,
    closed_on: datetime.date | None = None,
    amount: int | None = None,
    version: int | None = None,
    imported: bool = False,
) -> Deal:
    """Move ``deal`` into ``stage``, the one write behind the deal page's control, the API's
    ``POST /deals/{id}/stage`` and the pipeline board.

    Won: closes the deal on ``closed_on`` (default today; an earlier day only for an administrator or an
    import) and may correct the ``amount``. Lost: requires ``loss_reason``, takes an optional ``loss_note``.
    Leaving a won or lost stage reopens the deal: only the owner's manager or an administrator may.
    Writes a ``StageChange`` (``changed_by``: the actor), the chat event and the feed item."""
    deal = lock(deal)
    ensure_can_change_owned_by(actor, deal.owner_id)
    check_version(deal, version)
    if stage.pk == deal.stage_id:
        raise ConflictError(_("The deal is already in this stage."))
    _check_stage_change(
        actor=actor,
        deal=deal,
        stage=stage,
        loss_reason=loss_reason,
        loss_note=loss_note,
        closed_on=closed_on,
        imported=imported,
    )
    if amount is not None:
        if amount < 0:
            raise ValidationError({"amount": [_("Ensure this value is greater than or equal to 0.")]})
        if save_changes(instance=deal, changes={"amount": amount}, actor=actor):
            deal_index(deal)
    _change_stage(
        actor=actor,
        deal=deal,
        stage=stage,
        loss_reason=loss_reason,
        loss_note=loss_note,
        closed_on=closed_on,
        imported=imported,
    )
    return deal


def _check_stage_change(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    loss_reason: LossReason | None,
    loss_note: str | None,
    closed_on: datetime.date | None,
    imported: bool = False,
) -> None:
    """Everything that can refuse a stage change, before anything is written."""
    if deal.stage.kind != Stage.Kind.OPEN:
        ensure_can_reopen_owned_by(actor, deal.owner_id)
    if not stage.is_active:
        raise ValidationError({"stage": [_("This stage is no longer in use.")]})
    _closing(
        actor=actor,
        stage=stage,
        loss_reason=loss_reason,
        loss_note=loss_note,
        closed_on=closed_on,
        imported=imported,
    )


def _change_stage(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    loss_reason: LossReason | None,
    loss_note: str | None,
    closed_on: datetime.date | None = None,
    imported: bool = False,
) -> None:
    from_stage = deal.stage
    reopened = from_stage.kind != Stage.Kind.OPEN
    closing = _closing(
        actor=actor,
        stage=stage,
        loss_reason=loss_reason,
        loss_note=loss_note,
        closed_on=closed_on,
        imported=imported,
    )
    entered_at = closing["closed_at"] or timezone.now()
    changes: dict[str, Any] = {"stage": stage, "stage_entered_at": entered_at, **closing}
    save_changes(instance=deal, changes=changes, actor=actor)
    change = StageChange.objects.create(
        deal=deal, from_stage=from_stage, to_stage=stage, changed_by=actor, changed_at=entered_at
    )
    deal_stage_notify(deal=deal, actor=actor, from_stage_id=from_stage.pk)
    deal_outcome_notify(deal=deal, actor=actor)
    deal_stage_changed.send(
        sender=Deal, deal=deal, actor=actor, stage_change=change, from_stage=from_stage, reopened=reopened
    )


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
