"""Filters for user lists, shared by the UI and the API."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from totonou.core.api import Id


class UserFilter(FilterSchema):
    q: str | None = None
    team: Annotated[Id | None, FilterLookup("team_id")] = None
    role: Annotated[Literal["rep", "manager", "admin"] | None, FilterLookup("role")] = None
    is_active: Annotated[bool | None, FilterLookup("is_active")] = None

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return (
            Q(username__icontains=value)
            | Q(display_name__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )
