"""API shapes for activity types, activities and the activity actions (complete, reschedule, cancel).
Field names follow the models (DESIGN.md); an activity's ``type`` is its ActivityType's slug."""

from __future__ import annotations

import datetime
from typing import ClassVar

from totonou.activities.models import Activity
from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut


class ActivityTypeOut(WebObjectOut):
    id: int
    slug: str
    name: str
    name_ja: str
    name_en: str
    counts_as_contact: bool
    is_face_to_face: bool
    is_customer_facing: bool
    order: int
    is_active: bool
    web_url: str


class ActivityOut(WebObjectOut):
    id: int
    owner: int
    type: str
    customer: int | None
    deal: int | None
    contacts: list[int]
    subject: str
    purpose: str
    notes: str
    next_step: str
    status: str
    starts_at: ApiDateTime
    ends_at: ApiDateTime
    planned_at: ApiDateTime | None
    original_starts_at: ApiDateTime | None
    completed_at: ApiDateTime | None
    cancelled_at: ApiDateTime | None
    cancel_reason: str
    is_key_customer: bool
    reviewed_by: int | None
    reviewed_at: ApiDateTime | None
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_owner(obj: Activity) -> int:
        return obj.owner_id

    @staticmethod
    def resolve_type(obj: Activity) -> str:
        return obj.type.slug

    @staticmethod
    def resolve_customer(obj: Activity) -> int | None:
        return obj.customer_id

    @staticmethod
    def resolve_deal(obj: Activity) -> int | None:
        return obj.deal_id

    @staticmethod
    def resolve_contacts(obj: Activity) -> list[int]:
        return [contact.pk for contact in obj.contacts.all()]  # prefetched by the selector

    @staticmethod
    def resolve_reviewed_by(obj: Activity) -> int | None:
        return obj.reviewed_by_id


class _ActivityFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"customer", "deal", "version"})

    owner: Id | None = None
    customer: Id | None = None
    deal: Id | None = None
    contacts: list[Id] | None = None
    subject: str | None = None
    purpose: str | None = None
    notes: str | None = None
    next_step: str | None = None


class ActivityIn(_ActivityFields):
    """Plan an activity (``status`` ``planned``, the default) or log one after the fact (``done``).
    ``owner`` defaults to the caller; with a ``deal`` and no ``customer``, the deal's customer."""

    type: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: str | None = None


class ActivityPatch(_ActivityFields):
    """The fields to change. The status changes through the actions (complete, reschedule, cancel)."""

    type: str | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    version: int | None = None


class ActivityCompleteIn(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"version"})

    notes: str | None = None
    next_step: str | None = None
    version: int | None = None


class ActivityRescheduleIn(InputSchema):
    """The new start; without ``ends_at`` the activity keeps its duration."""

    nullable: ClassVar[frozenset[str]] = frozenset({"ends_at", "version"})

    starts_at: datetime.datetime
    ends_at: datetime.datetime | None = None
    version: int | None = None


class ActivityCancelIn(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"version"})

    reason: str
    version: int | None = None
