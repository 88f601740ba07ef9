"""The one write the insights offer: "plan a visit" from the uncontacted list, in one click.

It composes the activity service (``activity_create``, the one write path for activities) with two
reads: the customer's next planned contact (a second click plans nothing) and the owner's next free
work slot. See docs/adr/0008-one-click-plan-visit.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, ActivityType
from totonou.activities.selectors import planned_contacts_ahead
from totonou.activities.services import activity_create
from totonou.core.exceptions import ValidationError
from totonou.customers.models import Customer
from totonou.insights.selectors.periods import user_zone
from totonou.insights.selectors.slots import next_free_slot
from totonou.users.models import User
from totonou.users.permissions import can_change_owned_by

VISIT = "visit"


@dataclass(frozen=True)
class PlannedVisit:
    activity: Activity
    created: bool  # False: the customer already had a planned contact ahead, nothing was planned


@transaction.atomic
def uncontacted_plan_visit(
    *, actor: User, customer: Customer, now: datetime.datetime | None = None
) -> PlannedVisit:
    """Plan a one-hour visit to ``customer`` in its owner's next free work slot (the actor's own when
    the actor may not plan for the owner). Idempotent: when the customer already has a planned contact
    ahead, that plan is returned and nothing is written. The customer row is locked so that two quick
    clicks plan one visit."""
    now = now or timezone.now()
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    existing = (
        planned_contacts_ahead(now)
        .filter(customer=customer)
        .select_related("owner", "type")
        .order_by("starts_at", "pk")
        .first()
    )
    if existing is not None:
        return PlannedVisit(existing, created=False)
    visit = ActivityType.objects.filter(slug=VISIT, is_active=True).first()
    if visit is None:
        raise ValidationError({"type": [_("There is no active activity type “visit” to plan.")]})
    owner = customer.owner if can_change_owned_by(actor, customer.owner_id) else actor
    starts_at, ends_at = next_free_slot(owner=owner, zone=user_zone(owner), now=now)
    activity = activity_create(
        actor=actor,
        owner=owner,
        type=visit,
        customer=customer,
        starts_at=starts_at,
        ends_at=ends_at,
        subject=_("Follow-up (no recent contact)"),
    )
    return PlannedVisit(activity, created=True)
