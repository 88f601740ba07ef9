"""The search request, shared by the results page and the API."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import field_validator, model_validator

from totonou.core.api import Id
from totonou.core.bounds import BoundedDate
from totonou.search.selectors import MAX_QUERY_LENGTH, SearchQuery

KindName = Literal["activity", "customer", "contact", "deal"]


class SearchFilter(Schema):
    q: str
    type: KindName | None = None
    owner: Id | None = None
    customer: Id | None = None
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None

    @field_validator("q")
    @classmethod
    def _query(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError(_("Enter what to search for."))
        if len(value) > MAX_QUERY_LENGTH:
            raise ValueError(_("Search for at most %(limit)s characters.") % {"limit": MAX_QUERY_LENGTH})
        if "\x00" in value:
            raise ValueError(_("Null characters are not allowed."))
        return value

    @model_validator(mode="after")
    def _dates(self) -> SearchFilter:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(_("The end date must not be before the start date."))
        return self

    def to_query(self) -> SearchQuery:
        return SearchQuery(
            q=self.q,
            kinds=[self.type] if self.type else [],
            owner=self.owner,
            customer=self.customer,
            date_from=self.date_from,
            date_to=self.date_to,
        )
