"""API shapes for segments, customers and contacts. Field names follow the models (docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar

from ninja import Schema

from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut
from totonou.core.bounds import DayCount, LongText
from totonou.customers.models import Contact, Customer


class SegmentOut(WebObjectOut):
    id: int
    name: str
    color: str
    cadence_days: int
    key_cadence_days: int
    sort_order: int
    web_url: str


class SegmentIn(InputSchema):
    name: str
    color: str | None = None
    cadence_days: DayCount | None = None
    key_cadence_days: DayCount | None = None
    sort_order: int | None = None


class SegmentPatch(InputSchema):
    name: str | None = None
    color: str | None = None
    cadence_days: DayCount | None = None
    key_cadence_days: DayCount | None = None
    sort_order: int | None = None


class CustomerOut(WebObjectOut):
    id: int
    name: str
    name_kana: str
    segment: int | None
    owner: int
    is_key: bool
    cadence_days: int | None
    status: str
    postal_code: str
    address: str
    phone: str
    website: str
    notes: LongText
    external_id: str
    archived: bool
    archived_at: ApiDateTime | None
    merged_into: int | None
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_segment(obj: Customer) -> int | None:
        return obj.segment_id

    @staticmethod
    def resolve_archived(obj: Customer) -> bool:
        return obj.archived_at is not None

    @staticmethod
    def resolve_merged_into(obj: Customer) -> int | None:
        return obj.merged_into_id

    @staticmethod
    def resolve_owner(obj: Customer) -> int:
        return obj.owner_id


class _CustomerFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"segment", "cadence_days", "version"})

    name_kana: str | None = None
    segment: Id | None = None
    owner: Id | None = None
    is_key: bool | None = None
    cadence_days: DayCount | None = None
    status: str | None = None
    postal_code: str | None = None
    address: str | None = None
    phone: str | None = None
    website: str | None = None
    notes: LongText | None = None
    external_id: str | None = None


class CustomerIn(_CustomerFields):
    """A new customer; ``owner`` defaults to the caller."""

    name: str


class CustomerPatch(_CustomerFields):
    """The fields to change; ``version`` (optional) is the version read, 409 when it is stale.
    ``archived``: true archives the customer (it leaves lists, pickers and search, keeps its history),
    false restores it."""

    name: str | None = None
    archived: bool | None = None
    version: int | None = None


class DuplicateOut(Schema):
    """A customer that may be the same: ``reasons`` are ``name``, ``phone`` and/or ``website``."""

    customer: CustomerOut
    reasons: list[str]


class DuplicateQuery(Schema):
    name: str = ""
    phone: str = ""
    website: str = ""
    exclude: Id | None = None


class ContactOut(WebObjectOut):
    id: int
    customer: int
    name: str
    name_kana: str
    department: str
    title: str
    email: str
    phone: str
    is_decision_maker: bool
    notes: LongText
    archived: bool
    archived_at: ApiDateTime | None
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_customer(obj: Contact) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_archived(obj: Contact) -> bool:
        return obj.archived_at is not None


class _ContactFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"version"})

    name_kana: str | None = None
    department: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    is_decision_maker: bool | None = None
    notes: LongText | None = None


class ContactIn(_ContactFields):
    customer: Id
    name: str


class ContactPatch(_ContactFields):
    """The fields to change. ``customer`` moves the contact to another customer; ``archived`` true
    archives it (it leaves the customer's list, pickers and search), false restores it."""

    name: str | None = None
    customer: Id | None = None
    archived: bool | None = None
    version: int | None = None


class BulkSegmentIn(InputSchema):
    """Put ``customers`` in ``segment`` (null: no segment)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"segment"})

    customers: list[Id]
    segment: Id | None


class BulkKeyIn(InputSchema):
    """Set (true) or clear (false) the key-customer flag of ``customers``."""

    customers: list[Id]
    is_key: bool


class BulkOut(Schema):
    """How many customers changed (those that already had the value are not counted)."""

    changed: int
