"""API shapes for stages, loss reasons and deals. Field names follow the models (docs/architecture.md)."""

from __future__ import annotations

import datetime
from typing import ClassVar

from ninja import Schema

from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut
from totonou.core.bounds import BoundedDate, DayCount, LongText
from totonou.deals.models import Deal


class StageOut(WebObjectOut):
    id: int
    slug: str
    name: str
    name_ja: str
    name_en: str
    order: int
    probability: int
    stagnation_days: int
    kind: str
    is_active: bool
    web_url: str


class LossReasonOut(Schema):
    """Loss reasons have no page of their own in the UI, so no ``web_url``."""

    id: int
    slug: str
    name: str
    name_ja: str
    name_en: str
    order: int
    is_active: bool


class StageIn(InputSchema):
    slug: str | None = None
    name_ja: str
    name_en: str
    order: int | None = None
    probability: int | None = None
    stagnation_days: DayCount | None = None
    kind: str | None = None
    is_active: bool | None = None


class StagePatch(InputSchema):
    name_ja: str | None = None
    name_en: str | None = None
    order: int | None = None
    probability: int | None = None
    stagnation_days: DayCount | None = None
    kind: str | None = None
    is_active: bool | None = None


class LossReasonIn(InputSchema):
    slug: str | None = None
    name_ja: str
    name_en: str
    order: int | None = None
    is_active: bool | None = None


class LossReasonPatch(InputSchema):
    name_ja: str | None = None
    name_en: str | None = None
    order: int | None = None
    is_active: bool | None = None


class DealOut(WebObjectOut):
    id: int
    customer: int
    owner: int
    title: str
    amount: int
    stage: int
    expected_close_date: datetime.date | None
    stage_entered_at: ApiDateTime
    closed_at: ApiDateTime | None
    loss_reason: int | None
    loss_note: LongText
    next_step: str
    notes: LongText
    contact: int | None
    external_id: str
    archived_at: ApiDateTime | None
    last_activity_at: ApiDateTime | None
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_contact(obj: Deal) -> int | None:
        return obj.contact_id

    @staticmethod
    def resolve_customer(obj: Deal) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_owner(obj: Deal) -> int:
        return obj.owner_id

    @staticmethod
    def resolve_stage(obj: Deal) -> int:
        return obj.stage_id

    @staticmethod
    def resolve_loss_reason(obj: Deal) -> int | None:
        return obj.loss_reason_id


class _DealFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset(
        {"expected_close_date", "loss_reason", "version", "contact"}
    )

    owner: Id | None = None
    amount: int | None = None
    expected_close_date: BoundedDate | None = None
    stage: Id | None = None
    loss_reason: Id | None = None
    next_step: str | None = None
    notes: LongText | None = None
    contact: Id | None = None
    external_id: str | None = None


class DealIn(_DealFields):
    """A new deal; ``owner`` defaults to the caller, ``stage`` to the first open stage."""

    customer: Id
    title: str


class DealPatch(_DealFields):
    """The fields to change. A new ``stage`` records a stage change (with ``loss_reason`` and
    ``loss_note`` when the stage is a lost one); ``version`` (optional) gives 409 when stale."""

    customer: Id | None = None
    title: str | None = None
    loss_note: LongText | None = None
    version: int | None = None


class DealStageIn(InputSchema):
    """A stage change (``POST /deals/{id}/stage``). Into a lost stage: ``loss_reason`` is required,
    ``loss_note`` optional. Into a won or lost stage: ``closed_on`` (default today; an earlier day only for
    an administrator) and ``amount`` (to confirm or correct it). Out of a won or lost stage (reopening):
    only the owner's manager or an administrator. ``version`` (optional) gives 409 when stale."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"loss_reason", "loss_note", "closed_on", "amount", "version"}
    )

    stage: Id
    loss_reason: Id | None = None
    loss_note: LongText | None = None
    closed_on: BoundedDate | None = None
    amount: int | None = None
    version: int | None = None
