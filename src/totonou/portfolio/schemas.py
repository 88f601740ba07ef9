"""API shapes for merging customers and handing customers over."""

from __future__ import annotations

from typing import ClassVar

from ninja import Schema

from totonou.core.api import Id, InputSchema
from totonou.customers.schemas import CustomerOut


class MergeIn(InputSchema):
    """``duplicate``: the id of the customer merged into this one (it is archived and points here)."""

    duplicate: Id


class MergeOut(Schema):
    customer: CustomerOut
    contacts: int
    deals: int
    activities: int


class ReassignIn(InputSchema):
    """Hand ``from_owner``'s customers in use (or only ``customers``) with their open deals and future
    plans to ``to_owner``, or share them round-robin across the active reps of ``to_team``."""

    nullable: ClassVar[frozenset[str]] = frozenset({"to_owner", "to_team", "customers"})

    from_owner: Id
    to_owner: Id | None = None
    to_team: Id | None = None
    customers: list[Id] | None = None


class OwnerCount(Schema):
    owner: int
    customers: int


class ReassignOut(Schema):
    customers: int
    deals: int
    activities: int
    owners: list[OwnerCount]
