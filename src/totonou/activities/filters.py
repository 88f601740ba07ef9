"""Filters for activity lists (calendar ranges, feeds, timelines), shared by the UI and the API."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from totonou.core.filters import aware


class ActivityFilter(FilterSchema):
    owner: Annotated[int | None, FilterLookup("owner_id")] = None
    team: Annotated[int | None, FilterLookup("owner__team_id")] = None
    customer: Annotated[int | None, FilterLookup("customer_id")] = None
    deal: Annotated[int | None, FilterLookup("deal_id")] = None
    status: Annotated[Literal["planned", "done", "cancelled"] | None, FilterLookup("status")] = None
    type: Annotated[str | None, FilterLookup("type__slug")] = None
    segment: Annotated[int | None, FilterLookup("customer__segment_id")] = None
    key_only: bool | None = None
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(customer__is_key=True) if value else Q()

    def filter_start(self, value: datetime.datetime | None) -> Q:
        """Activities that start at or after ``start`` (a date means its midnight in the user's zone)."""
        return Q(starts_at__gte=aware(value)) if value is not None else Q()

    def filter_end(self, value: datetime.datetime | None) -> Q:
        """Activities that start before ``end``."""
        return Q(starts_at__lt=aware(value)) if value is not None else Q()
