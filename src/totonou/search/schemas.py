"""API shapes for search results."""

from __future__ import annotations

from ninja import Field, Schema

from totonou.core.api import ApiDateTime
from totonou.search.selectors import Hit


class SearchHitOut(Schema):
    type: str = Field(..., description="activity | customer | contact | deal")
    id: int
    title: str
    title_highlights: list[tuple[int, int]] = Field(
        ..., description="[start, end) character ranges of the matches in the title"
    )
    snippet: str = Field(..., description="the text around the first match")
    highlights: list[tuple[int, int]] = Field(
        ..., description="[start, end) ranges of the matches in the snippet"
    )
    date: ApiDateTime
    owner: int | None
    customer: int | None
    web_url: str

    @staticmethod
    def resolve_type(hit: Hit) -> str:
        return hit.kind

    @staticmethod
    def resolve_id(hit: Hit) -> int:
        return hit.object_id

    @staticmethod
    def resolve_owner(hit: Hit) -> int | None:
        return hit.owner_id

    @staticmethod
    def resolve_customer(hit: Hit) -> int | None:
        return hit.customer_id
