"""Filters for the delivery log, shared by the page and the API."""

from __future__ import annotations

from typing import Annotated

from ninja import FilterLookup, FilterSchema

from totonou.core.api import Id


class DeliveryFilter(FilterSchema):
    channel: Annotated[Id | None, FilterLookup("channel_id")] = None
    status: Annotated[str | None, FilterLookup("status")] = None
    event: Annotated[str | None, FilterLookup("event_name")] = None
