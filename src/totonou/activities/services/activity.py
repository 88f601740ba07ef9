"""Writes for activities: plan, log, complete, move, cancel, review.

Plan and actual live in one record. Completing keeps the plan's timestamps; moving keeps
``original_starts_at``; cancelling needs a reason. An activity's deal belongs to its customer (checked
here with a field message, and by a database trigger).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, ActivityEvent, ActivityType
from totonou.activities.notifications import activity_notify
from totonou.activities.personal_notifications import notes_mentions_notify, review_notify
from totonou.activities.search_documents import activities_index, activity_index, activity_unindex
from totonou.activities.services.contact import customers_refresh_last_contact, deals_refresh_last_activity
from totonou.core.audit import audit_record, audit_records, snapshot
from totonou.core.exceptions import ConflictError, PermissionDenied, ValidationError
from totonou.core.services import check_version, ensure_aware, lock, reject_unknown, save_changes
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal
from totonou.users.models import User
from totonou.users.permissions import (
    can_review_owned_by,
    ensure_can_change_owned_by,
    is_signed_in,
)

TEXT_FIELDS = {"subject", "purpose", "notes", "next_step"}
# A result recorded "now" may carry a start typed to the minute a moment ago; allow that much clock slack.
DONE_END_SLACK = datetime.timedelta(minutes=1)
UPDATE_FIELDS = {
    "owner",
    "type",
    "customer",
    "deal",
    "contacts",
    "starts_at",
    "ends_at",
    "external_id",
    *TEXT_FIELDS,
}


def _check_relations(
    *,
    customer: Customer | None,
    deal: Deal | None,
    contacts: Iterable[Contact],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> None:
    ensure_aware(starts_at=starts_at, ends_at=ends_at)
    errors: dict[str, list[str]] = {}
    if ends_at < starts_at:
        errors["ends_at"] = [_("The end must not be before the start.")]
    if deal is not None and (customer is None or deal.customer_id != customer.pk):
        errors["deal"] = [_("This deal belongs to another customer.")]
    foreign = [contact for contact in contacts if customer is None or contact.customer_id != customer.pk]
    if foreign:
        errors["contacts"] = [
            _("These contacts do not belong to the customer: %(names)s")
            % {"names": ", ".join(contact.name for contact in foreign)}
        ]
    if errors:
        raise ValidationError(errors)


def ensure_not_future_result(*, ends_at: datetime.datetime, now: datetime.datetime | None = None) -> None:
    """A done activity happened: it can never end in the future."""
    now = now or timezone.now()
    if ends_at > now + DONE_END_SLACK:
        raise ValidationError(
            {"ends_at": [_("A result cannot end in the future; plan it instead, or give an earlier end.")]}
        )


@transaction.atomic
def activity_create(
    *,
    actor: User,
    type: ActivityType,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    owner: User | None = None,
    customer: Customer | None = None,
    deal: Deal | None = None,
    contacts: Iterable[Contact] = (),
    status: str = Activity.Status.PLANNED,
    subject: str = "",
    purpose: str = "",
    notes: str = "",
    next_step: str = "",
    external_id: str = "",
) -> Activity:
    """Plan an activity (``status="planned"``) or log one after the fact (``status="done"``)."""
    owner = owner or actor
    ensure_can_change_owned_by(actor, owner.pk)
    contacts = list(contacts)
    if customer is None and deal is not None:
        customer = deal.customer
    _check_relations(customer=customer, deal=deal, contacts=contacts, starts_at=starts_at, ends_at=ends_at)
    now = timezone.now()
    if status == Activity.Status.PLANNED:
        timestamps: dict[str, Any] = {"planned_at": now, "original_starts_at": starts_at}
    elif status == Activity.Status.DONE:
        ensure_not_future_result(ends_at=ends_at, now=now)
        timestamps = {"completed_at": now}
    else:
        raise ValidationError({"status": [_("A new activity is either planned or done.")]})
    activity = Activity(
        owner=owner,
        type=type,
        customer=customer,
        deal=deal,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        subject=subject,
        purpose=purpose,
        notes=notes,
        next_step=next_step,
        external_id=external_id,
        is_key_customer=customer is not None and customer.is_key,  # the database keeps it (ADR 0011)
        **timestamps,
    )
    # The relations were given as records and the rules above are checked explicitly; skip the
    # per-foreign-key and per-constraint queries of full_clean (the database enforces both anyway).
    activity.full_clean(exclude=["owner", "type", "customer", "deal"], validate_constraints=False)
    activity.save()
    if contacts:
        activity.contacts.set(contacts)
    kind = ActivityEvent.Kind.PLANNED if status == Activity.Status.PLANNED else ActivityEvent.Kind.LOGGED
    ActivityEvent.objects.create(activity=activity, kind=kind, actor=actor)
    activity_notify(name="activity.completed" if status == "done" else "activity.planned", activity=activity)
    if "@" in notes:
        notes_mentions_notify(activity=activity, actor=actor)
    if status == Activity.Status.DONE:
        customers_refresh_last_contact(customer_ids=[activity.customer_id])
        deals_refresh_last_activity(deal_ids=[activity.deal_id])
    activity_index(activity)
    audit_record(
        actor=actor,
        instance=activity,
        action="create",
        changes=snapshot(activity, CREATE_SNAPSHOT),
    )
    return activity


CREATE_SNAPSHOT = ["owner", "type", "customer", "deal", "status", "starts_at", "ends_at"]


def _new_activity(*, actor: User, now: datetime.datetime, row: dict[str, Any]) -> Activity:
    """The unsaved activity ``activity_create`` would save for ``row``, checked the same way."""
    fields = dict(row)
    owner = fields.pop("owner", None) or actor
    status = fields.pop("status", Activity.Status.PLANNED)
    customer, deal = fields.pop("customer", None), fields.pop("deal", None)
    reject_unknown(fields, {"type", "starts_at", "ends_at", "external_id", *TEXT_FIELDS})
    ensure_can_change_owned_by(actor, owner.pk)
    if customer is None and deal is not None:
        customer = deal.customer
    _check_relations(
        customer=customer, deal=deal, contacts=(), starts_at=fields["starts_at"], ends_at=fields["ends_at"]
    )
    if status == Activity.Status.PLANNED:
        timestamps: dict[str, Any] = {"planned_at": now, "original_starts_at": fields["starts_at"]}
    elif status == Activity.Status.DONE:
        ensure_not_future_result(ends_at=fields["ends_at"], now=now)
        timestamps = {"completed_at": now}
    else:
        raise ValidationError({"status": [_("A new activity is either planned or done.")]})
    activity = Activity(
        owner=owner,
        customer=customer,
        deal=deal,
        status=status,
        is_key_customer=customer is not None and customer.is_key,
        **fields,
        **timestamps,
    )
    activity.full_clean(exclude=["owner", "type", "customer", "deal"], validate_constraints=False)
    return activity


@transaction.atomic
def activities_create_many(*, actor: User, rows: list[dict[str, Any]]) -> list[Activity | Exception]:
    """``activity_create`` for many activities at once (imports, without contacts): the same checks, feed
    items, audit trail, search documents, mentions and derived data (the customers' last contact, the
    deals' last activity, refreshed once for the batch), in a fixed number of statements per call. No
    chat event is recorded: an import of 5,000 visits is not 5,000 messages. ``rows`` are
    ``activity_create``'s keyword arguments; the answer has, for each row in order, the new activity or
    the error ``activity_create`` would have raised. Should the database still refuse the batch (a
    constraint), each row is tried on its own."""
    now = timezone.now()
    results: list[Activity | Exception] = []
    valid: list[tuple[int, Activity]] = []
    for index, row in enumerate(rows):
        try:
            activity = _new_activity(actor=actor, now=now, row=row)
        except (ValidationError, PermissionDenied) as error:
            results.append(error)
            continue
        results.append(activity)
        valid.append((index, activity))
    try:
        with transaction.atomic():
            Activity.objects.bulk_create([activity for _index, activity in valid])
    except IntegrityError:
        created = []
        for index, activity in valid:
            try:
                with transaction.atomic():
                    activity = _new_activity(actor=actor, now=now, row=rows[index])
                    activity.validate_constraints()
                    activity.save()
                created.append((index, activity))
                results[index] = activity
            except (ValidationError, PermissionDenied, IntegrityError) as error:
                results[index] = (
                    error if not isinstance(error, IntegrityError) else ValidationError(str(error))
                )
        valid = created
    activities = [activity for _index, activity in valid]
    if not activities:
        return results
    ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                activity=activity,
                kind=ActivityEvent.Kind.PLANNED
                if activity.status == Activity.Status.PLANNED
                else ActivityEvent.Kind.LOGGED,
                actor=actor,
            )
            for activity in activities
        ]
    )
    for activity in activities:
        if "@" in activity.notes:
            notes_mentions_notify(activity=activity, actor=actor)
    done = [activity for activity in activities if activity.status == Activity.Status.DONE]
    customers_refresh_last_contact(customer_ids=[activity.customer_id for activity in done])
    deals_refresh_last_activity(deal_ids=[activity.deal_id for activity in done])
    activities_index(activities)
    audit_records(
        actor=actor,
        model=Activity,
        action="create",
        rows=[(activity.pk, str(activity), snapshot(activity, CREATE_SNAPSHOT)) for activity in activities],
    )
    return results


@transaction.atomic
def activity_update(
    *, actor: User, activity: Activity, version: int | None = None, **changes: Any
) -> Activity:
    """Edit an activity. Changing a planned activity's start moves it (the original start is kept)."""
    reject_unknown(changes, UPDATE_FIELDS)
    activity = lock(activity)
    ensure_can_change_owned_by(actor, activity.owner_id)
    check_version(activity, version)
    new_owner = changes.get("owner")
    if new_owner is not None and new_owner.pk != activity.owner_id:
        ensure_can_change_owned_by(actor, new_owner.pk)
    customer = changes.get("customer", activity.customer)
    deal = changes.get("deal", activity.deal)
    if (
        "customer" in changes
        and "deal" not in changes
        and deal is not None
        and (customer is None or deal.customer_id != customer.pk)
    ):
        raise ValidationError({"deal": [_("This deal belongs to another customer.")]})
    contacts = changes.pop("contacts", None)
    _check_relations(
        customer=customer,
        deal=deal,
        contacts=contacts if contacts is not None else activity.contacts.all(),
        starts_at=changes.get("starts_at", activity.starts_at),
        ends_at=changes.get("ends_at", activity.ends_at),
    )
    if activity.status == Activity.Status.DONE and "ends_at" in changes:
        ensure_not_future_result(ends_at=changes["ends_at"])
    previous_customer_id, previous_deal_id = activity.customer_id, activity.deal_id
    previous_notes = activity.notes
    changed = save_changes(instance=activity, changes=changes, actor=actor, validate_constraints=False)
    if "notes" in changed and "@" in activity.notes:
        notes_mentions_notify(activity=activity, actor=actor, before=previous_notes)
    if "customer" in changed:
        activity.is_key_customer = activity.customer is not None and activity.customer.is_key
    if changed:
        activity_index(activity)
    if activity.status == Activity.Status.DONE and changed.keys() & {"customer", "type", "starts_at"}:
        customers_refresh_last_contact(customer_ids=[previous_customer_id, activity.customer_id])
    if activity.status == Activity.Status.DONE and changed.keys() & {"deal", "starts_at"}:
        deals_refresh_last_activity(deal_ids=[previous_deal_id, activity.deal_id])
    if "starts_at" in changed and activity.status == Activity.Status.PLANNED:
        moved_from = datetime.datetime.fromisoformat(changed["starts_at"][0])
        _record_move(activity=activity, actor=actor, moved_from=moved_from)
    if contacts is not None:
        before = sorted(activity.contacts.values_list("pk", flat=True))
        after = sorted(contact.pk for contact in contacts)
        if before != after:
            activity.contacts.set(contacts)
            if not changed:
                Activity.objects.filter(pk=activity.pk).update(
                    version=activity.version + 1, updated_at=timezone.now()
                )
                activity.version += 1
            audit_record(
                actor=actor, instance=activity, action="update", changes={"contacts": [before, after]}
            )
    return activity


@transaction.atomic
def activity_complete(
    *,
    actor: User,
    activity: Activity,
    notes: str | None = None,
    next_step: str | None = None,
    version: int | None = None,
) -> Activity:
    """Turn a plan into a result; ``completed_at`` is now. The plan's times stay as they were, unless the
    plan ends in the future: a result never does, so it then ends now."""
    activity = lock(activity)
    ensure_can_change_owned_by(actor, activity.owner_id)
    check_version(activity, version)
    if activity.status != Activity.Status.PLANNED:
        raise ConflictError(_("Only a planned activity can be completed."))
    now = timezone.now()
    changes: dict[str, Any] = {"status": Activity.Status.DONE, "completed_at": now}
    if activity.ends_at > now + DONE_END_SLACK:
        # Done before the plan's end: the result ends now (a plan not begun yet keeps its length).
        if activity.starts_at > now:
            changes["starts_at"] = now - (activity.ends_at - activity.starts_at)
        changes["ends_at"] = now
    if notes is not None:
        changes["notes"] = notes
    if next_step is not None:
        changes["next_step"] = next_step
    previous_notes = activity.notes
    save_changes(instance=activity, changes=changes, actor=actor, validate_constraints=False)
    if "@" in activity.notes and activity.notes != previous_notes:
        notes_mentions_notify(activity=activity, actor=actor, before=previous_notes)
    ActivityEvent.objects.create(activity=activity, kind=ActivityEvent.Kind.COMPLETED, actor=actor)
    activity_notify(name="activity.completed", activity=activity)
    activity_index(activity)
    customers_refresh_last_contact(customer_ids=[activity.customer_id])
    deals_refresh_last_activity(deal_ids=[activity.deal_id])
    return activity


@transaction.atomic
def activity_reschedule(
    *,
    actor: User,
    activity: Activity,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    version: int | None = None,
) -> Activity:
    """Move a plan to a new time; without ``ends_at`` the duration is kept. ``original_starts_at`` stays."""
    ensure_aware(starts_at=starts_at, ends_at=ends_at)
    activity = lock(activity)
    ensure_can_change_owned_by(actor, activity.owner_id)
    check_version(activity, version)
    if activity.status != Activity.Status.PLANNED:
        raise ConflictError(_("Only a planned activity can be moved."))
    if ends_at is None:
        ends_at = starts_at + (activity.ends_at - activity.starts_at)
    if ends_at < starts_at:
        raise ValidationError({"ends_at": [_("The end must not be before the start.")]})
    moved_from = activity.starts_at
    changed = save_changes(
        instance=activity, changes={"starts_at": starts_at, "ends_at": ends_at}, actor=actor
    )
    if "starts_at" in changed:
        _record_move(activity=activity, actor=actor, moved_from=moved_from)
        activity_index(activity)
    return activity


def _record_move(*, activity: Activity, actor: User, moved_from: datetime.datetime) -> None:
    """The feed's "moved" line; both times in UTC so consumers compare like with like."""
    ActivityEvent.objects.create(
        activity=activity,
        kind=ActivityEvent.Kind.MOVED,
        actor=actor,
        data={
            "from": moved_from.astimezone(datetime.UTC).isoformat(),
            "to": activity.starts_at.astimezone(datetime.UTC).isoformat(),
        },
    )
    activity_notify(name="activity.moved", activity=activity, moved_from=moved_from)


@transaction.atomic
def activity_cancel(*, actor: User, activity: Activity, reason: str, version: int | None = None) -> Activity:
    activity = lock(activity)
    ensure_can_change_owned_by(actor, activity.owner_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the activity is cancelled.")]})
    check_version(activity, version)
    if activity.status != Activity.Status.PLANNED:
        raise ConflictError(_("Only a planned activity can be cancelled."))
    save_changes(
        instance=activity,
        changes={
            "status": Activity.Status.CANCELLED,
            "cancel_reason": reason,
            "cancelled_at": timezone.now(),
        },
        actor=actor,
        validate_constraints=False,
    )
    ActivityEvent.objects.create(
        activity=activity, kind=ActivityEvent.Kind.CANCELLED, actor=actor, data={"reason": reason}
    )
    activity_notify(name="activity.cancelled", activity=activity, reason=reason)
    return activity


@transaction.atomic
def activity_mark_reviewed(*, actor: User, activity: Activity) -> Activity:
    """A manager (of the owner's team) or an admin marks an activity reviewed; never the owner
    (``users.permissions.can_review_owned_by``)."""
    if not (is_signed_in(actor) and actor.role in {"manager", "admin"}):
        raise PermissionDenied(_("Only managers and administrators review activities."))
    activity = lock(activity)
    if activity.owner_id == actor.pk:
        raise PermissionDenied(_("You cannot review your own activity."))
    if not can_review_owned_by(actor, activity.owner_id):
        raise PermissionDenied(_("You may only review activities of your teams."))
    if activity.reviewed_at is None:
        save_changes(
            instance=activity,
            changes={"reviewed_by": actor, "reviewed_at": timezone.now()},
            actor=actor,
            validate_constraints=False,
        )
        ActivityEvent.objects.create(activity=activity, kind=ActivityEvent.Kind.REVIEWED, actor=actor)
        review_notify(activity=activity, actor=actor)
    return activity


@transaction.atomic
def activity_delete(*, actor: User, activity: Activity) -> None:
    activity = lock(activity)
    ensure_can_change_owned_by(actor, activity.owner_id)
    audit_record(actor=actor, instance=activity, action="delete")
    customer_id, was_done = activity.customer_id, activity.status == Activity.Status.DONE
    deal_id = activity.deal_id
    activity_unindex(activity.pk)
    activity.delete()
    if was_done:
        customers_refresh_last_contact(customer_ids=[customer_id])
        deals_refresh_last_activity(deal_ids=[deal_id])
