"""Changes to a book of customers that span customers, deals and activities: merging a duplicate
customer into the one that stays, and handing a rep's customers over to another rep or a team (ADR 0018).

Both are set-based: a handful of UPDATE statements whatever the number of rows, one transaction,
audited row by row with batched inserts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity
from totonou.activities.services import customers_refresh_last_contact
from totonou.core.audit import audit_record, audit_records
from totonou.core.models import AuditEntry
from totonou.customers.models import Contact, Customer
from totonou.customers.search_documents import customer_index, customer_unindex
from totonou.customers.services import ensure_active_owner
from totonou.deals.models import Deal, Stage
from totonou.search.models import Kind
from totonou.search.services import (
    documents_move_customer,
    documents_set_owner_for,
    documents_set_owner_for_customers,
)
from totonou.users.models import Team, User
from totonou.users.permissions import (
    can_change_owned_by,
    ensure_can_change_owned_by,
    ensure_manager_or_admin,
)

#: Fields the survivor of a merge takes from the duplicate when its own are empty.
FILLED_FROM_DUPLICATE = ("name_kana", "postal_code", "address", "phone", "website", "external_id", "notes")


# --- Merge --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    survivor: Customer
    contacts: int
    deals: int
    activities: int


def _locked_pair(first: Customer, second: Customer) -> tuple[Customer, Customer]:
    """Both rows under lock, always in id order (two merges at once cannot deadlock)."""
    rows = Customer.objects.select_for_update().in_bulk([first.pk, second.pk])
    return rows[first.pk], rows[second.pk]


@transaction.atomic
def customer_merge(*, actor: User, survivor: Customer, duplicate: Customer) -> MergeResult:
    """Merge ``duplicate`` into ``survivor`` (managers and admins, for customers of their teams).

    Contacts, deals and activities (with their comments) move to the survivor; the duplicate's history
    (audit trail) too. The survivor keeps its own values and takes the duplicate's where its own are
    empty, and is a key customer if either was. The duplicate is archived with ``merged_into`` set, so
    its page redirects to the survivor. The search index, last-contact data and the activities' key flag
    (database triggers, ADR 0011) follow.
    """
    ensure_manager_or_admin(actor)
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": [_("A customer cannot be merged into itself.")]})
    survivor, duplicate = _locked_pair(survivor, duplicate)
    ensure_can_change_owned_by(actor, survivor.owner_id)
    ensure_can_change_owned_by(actor, duplicate.owner_id)
    if duplicate.merged_into_id is not None:
        raise ValidationError({"duplicate": [_("This customer was already merged into another one.")]})
    if survivor.archived_at is not None:
        raise ValidationError({"__all__": [_("The customer that stays is archived; restore it first.")]})

    now = timezone.now()
    moved = _move_children(actor=actor, survivor=survivor, duplicate=duplicate, now=now)

    # The survivor fills its blanks from the duplicate (an external id is unique: the duplicate lets go).
    changes: dict[str, list[Any]] = {}
    for name in FILLED_FROM_DUPLICATE:
        theirs = getattr(duplicate, name)
        if theirs and not getattr(survivor, name):
            changes[name] = ["", theirs]
    if duplicate.segment_id and not survivor.segment_id:
        changes["segment"] = [None, duplicate.segment_id]
    if duplicate.is_key and not survivor.is_key:
        changes["is_key"] = [False, True]
    duplicate_changes: dict[str, list[Any]] = {
        "merged_into": [None, survivor.pk],
        "archived_at": [
            duplicate.archived_at.isoformat() if duplicate.archived_at else None,
            now.isoformat(),
        ],
    }
    if "external_id" in changes:
        duplicate_changes["external_id"] = [duplicate.external_id, ""]
        duplicate.external_id = ""
    duplicate.merged_into = survivor
    duplicate.archived_at = now
    duplicate.version += 1
    duplicate.save(update_fields=["merged_into", "archived_at", "external_id", "version", "updated_at"])
    # Earlier merges into the duplicate now point straight at the survivor (one redirect, never a chain).
    Customer.objects.filter(merged_into=duplicate).update(merged_into=survivor)

    for name, (_before, after) in changes.items():
        setattr(survivor, "segment_id" if name == "segment" else name, after)
    survivor.full_clean(exclude=[f.name for f in Customer._meta.concrete_fields if f.name not in changes])
    survivor.version += 1
    survivor.save(update_fields=[*changes, "version", "updated_at"])
    customers_refresh_last_contact(customer_ids=[survivor.pk, duplicate.pk])
    survivor.refresh_from_db()

    # History: the duplicate's trail now reads on the survivor; both record the merge.
    customer_type = ContentType.objects.get_for_model(Customer)
    AuditEntry.objects.filter(content_type=customer_type, object_id=duplicate.pk).update(
        object_id=survivor.pk
    )
    audit_record(
        actor=actor,
        instance=survivor,
        action="update",
        changes={
            **changes,
            "merged": [None, duplicate.pk],
            "contacts": [0, moved["contacts"]],
            "deals": [0, moved["deals"]],
            "activities": [0, moved["activities"]],
        },
    )
    audit_record(actor=actor, instance=duplicate, action="update", changes=duplicate_changes)

    documents_move_customer(from_customer_id=duplicate.pk, to_customer_id=survivor.pk)
    customer_unindex(duplicate.pk)  # the duplicate's own document (its contacts' moved above)
    customer_index(survivor)  # and the contacts take the survivor's owner
    return MergeResult(survivor, moved["contacts"], moved["deals"], moved["activities"])


def _move_children(*, actor: User, survivor: Customer, duplicate: Customer, now: Any) -> dict[str, int]:
    """Contacts, deals and activities of ``duplicate`` to ``survivor``, with one audit entry each.

    The database keeps an activity's deal on the activity's customer (ADR 0003) and refuses to move a
    deal that has activities: activities let go of their deal, deals move, activities move, and each
    takes its deal back (one UPDATE per deal that has activities)."""
    change = {"customer": [duplicate.pk, survivor.pk]}
    bump = {"version": F("version") + 1, "updated_at": now}

    contacts = list(Contact.objects.filter(customer=duplicate).values_list("pk", "name"))
    Contact.objects.filter(customer=duplicate).update(customer=survivor, **bump)

    links: dict[int, list[int]] = defaultdict(list)
    for activity_id, deal_id in Activity.objects.filter(customer=duplicate, deal__isnull=False).values_list(
        "pk", "deal_id"
    ):
        links[deal_id].append(activity_id)
    activities = list(Activity.objects.filter(customer=duplicate).values_list("pk", "subject"))
    deals = list(Deal.objects.filter(customer=duplicate).values_list("pk", "title"))
    if links:
        Activity.objects.filter(customer=duplicate, deal__isnull=False).update(deal=None)
    Deal.objects.filter(customer=duplicate).update(customer=survivor, **bump)
    Activity.objects.filter(customer=duplicate).update(customer=survivor, **bump)
    for deal_id, activity_ids in links.items():
        Activity.objects.filter(pk__in=activity_ids).update(deal_id=deal_id)

    audit_records(actor=actor, model=Contact, rows=[(pk, name, change) for pk, name in contacts])
    audit_records(actor=actor, model=Deal, rows=[(pk, title, change) for pk, title in deals])
    audit_records(
        actor=actor, model=Activity, rows=[(pk, subject or pk, change) for pk, subject in activities]
    )
    return {"contacts": len(contacts), "deals": len(deals), "activities": len(activities)}


# --- Reassign -----------------------------------------------------------------------------------------


@dataclass
class ReassignResult:
    """How many records changed owner, and to whom each customer went."""

    customers: int = 0
    deals: int = 0
    activities: int = 0
    per_owner: dict[int, int] = field(default_factory=dict)


def _reassign_targets(
    actor: User, *, to_owner: User | None, to_team: Team | None, from_owner: User
) -> list[User]:
    if (to_owner is None) == (to_team is None):
        raise ValidationError({"to_owner": [_("Choose the rep who takes over, or a team to share them.")]})
    if to_owner is not None:
        ensure_active_owner(to_owner, "to_owner")
        if to_owner.pk == from_owner.pk:
            raise ValidationError({"to_owner": [_("Choose someone other than the current owner.")]})
        ensure_can_change_owned_by(actor, to_owner.pk)
        return [to_owner]
    assert to_team is not None
    reps = [
        member
        for member in to_team.members.filter(is_active=True, role=User.Role.REP).order_by("pk")
        if member.pk != from_owner.pk
    ]
    if not reps:
        raise ValidationError({"to_team": [_("This team has no active rep to take the customers.")]})
    for rep in reps:
        if not can_change_owned_by(actor, rep.pk):
            ensure_can_change_owned_by(actor, rep.pk)
    return reps


@transaction.atomic
def customers_reassign(
    *,
    actor: User,
    from_owner: User,
    to_owner: User | None = None,
    to_team: Team | None = None,
    customers: Iterable[Customer | int] | None = None,
) -> ReassignResult:
    """Hand ``from_owner``'s customers (all in use, or the chosen ``customers``) over to ``to_owner``, or
    share them round-robin (by customer id, over the team's active reps by id) across ``to_team``.

    Each customer's open deals and future plans owned by ``from_owner`` go with it. With a single new
    owner and no chosen customers (a rep leaves), all of ``from_owner``'s open deals and future plans go,
    internal ones too. Managers and admins only; a manager only between members of their teams.
    Set-based: the customers read once, then per new owner three reads and three UPDATEs whatever the
    number of customers, and audit entries and search documents in batches of 2,000.
    """
    ensure_manager_or_admin(actor)
    ensure_can_change_owned_by(actor, from_owner.pk)
    targets = _reassign_targets(actor, to_owner=to_owner, to_team=to_team, from_owner=from_owner)
    owned = Customer.objects.filter(owner=from_owner, archived_at__isnull=True)
    now = timezone.now()
    result = ReassignResult()
    open_deals = Deal.objects.filter(owner=from_owner, stage__kind=Stage.Kind.OPEN)
    future_plans = Activity.objects.filter(
        owner=from_owner, status=Activity.Status.PLANNED, starts_at__gte=now
    )
    # Each group: the new owner, its customers' rows (id, name), and its customers, open deals and future
    # plans to update. The customers are read once, whatever the number of groups.
    groups: list[tuple[User, list[tuple[int, str]], Any, Any, Any]] = []
    if customers is None and len(targets) == 1:
        groups.append((targets[0], list(owned.values_list("pk", "name")), owned, open_deals, future_plans))
    else:
        if customers is not None:
            wanted: list[int] = sorted(
                {item.pk if isinstance(item, Customer) else int(item) for item in customers}
            )
            if not wanted:
                raise ValidationError({"customers": [_("Choose at least one customer.")]})
            owned = owned.filter(pk__in=wanted)
        rows = list(owned.order_by("pk").values_list("pk", "name"))
        if customers is not None and len(rows) != len(wanted):
            raise ValidationError(
                {
                    "customers": [
                        _("Every chosen customer must be one of %(name)s's customers in use.")
                        % {"name": from_owner}
                    ]
                }
            )
        for index, target in enumerate(targets):
            share_rows = rows[index :: len(targets)]
            if share_rows:
                share = _ids(share_rows)
                groups.append(
                    (
                        target,
                        share_rows,
                        Customer.objects.filter(pk__in=share),
                        open_deals.filter(customer_id__in=share),
                        future_plans.filter(customer_id__in=share),
                    )
                )
    for target, customer_rows, customer_set, deal_set, plan_set in groups:
        change = {"owner": [from_owner.pk, target.pk]}
        deal_rows = list(deal_set.values_list("pk", "title"))
        plan_rows = list(plan_set.values_list("pk", "subject"))
        bump = {"owner": target, "version": F("version") + 1, "updated_at": now}
        if plan_rows:
            plan_set.update(**bump)
        if deal_rows:
            deal_set.update(**bump)
        if customer_rows:
            customer_set.update(**bump)
        audit_records(actor=actor, model=Customer, rows=[(pk, name, change) for pk, name in customer_rows])
        audit_records(actor=actor, model=Deal, rows=[(pk, title, change) for pk, title in deal_rows])
        audit_records(
            actor=actor, model=Activity, rows=[(pk, subject or pk, change) for pk, subject in plan_rows]
        )
        customer_ids = _ids(customer_rows)
        documents_set_owner_for(kind=Kind.CUSTOMER, object_ids=customer_ids, owner_id=target.pk)
        # A contact's document takes its owner from its customer.
        documents_set_owner_for_customers(kind=Kind.CONTACT, customer_ids=customer_ids, owner_id=target.pk)
        documents_set_owner_for(kind=Kind.DEAL, object_ids=_ids(deal_rows), owner_id=target.pk)
        documents_set_owner_for(kind=Kind.ACTIVITY, object_ids=_ids(plan_rows), owner_id=target.pk)
        result.customers += len(customer_rows)
        result.deals += len(deal_rows)
        result.activities += len(plan_rows)
        result.per_owner[target.pk] = len(customer_rows)
    return result


def _ids(rows: list[tuple[Any, ...]]) -> list[int]:
    return [row[0] for row in rows]
