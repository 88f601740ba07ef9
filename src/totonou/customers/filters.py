"""Filters for customer and contact lists, shared by the UI and the API."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema

from totonou.core.api import Id
from totonou.search.selectors import matching_ids


class SegmentFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup("name__icontains")] = None


class CustomerFilter(FilterSchema):
    q: str | None = None
    segment: Id | None = None
    owner: Id | None = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    is_key: bool | None = None
    status: Literal["prospect", "active", "inactive"] | None = None
    archived: Annotated[
        bool,
        Field(description="false (the default): customers in use; true: archived customers only."),
    ] = False
    sort: Annotated[
        Literal["name", "last_contact"] | None,
        Field(
            description="name (the default): by kana, then name; last_contact: the longest without a real "
            "contact first (never contacted first)."
        ),
    ] = None

    def filter_sort(self, value: str | None) -> Q:
        return Q()  # an order, applied by the selector

    def filter_archived(self, value: bool) -> Q:
        return Q(archived_at__isnull=not value)

    def filter_q(self, value: str | None) -> Q:
        """By name or kana, through the search index (ADR 0012: bigrams, so a part of a Japanese name is
        found; a word by its beginning; width, case and legal forms folded): a search reads its
        matches, never every customer. Archived customers leave the index: their list compares text."""
        if not value:
            return Q()
        if not self.archived:
            ids = matching_ids(kind="customer", q=value)
            if ids is not None:
                return Q(pk__in=ids)
        return Q(name__icontains=value) | Q(name_kana__icontains=value)

    def filter_segment(self, value: int | None) -> Q:
        return Q(segment_id=value) if value is not None else Q()

    def filter_owner(self, value: int | None) -> Q:
        return Q(owner_id=value) if value is not None else Q()


class ContactFilter(FilterSchema):
    q: str | None = None
    customer: Annotated[Id | None, FilterLookup("customer_id")] = None
    archived: Annotated[
        bool, Field(description="false (the default): current contacts; true: archived contacts only.")
    ] = False

    def filter_archived(self, value: bool) -> Q:
        return Q(archived_at__isnull=not value)

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return (
            Q(name__icontains=value)
            | Q(name_kana__icontains=value)
            | Q(department__icontains=value)
            | Q(title__icontains=value)
        )
