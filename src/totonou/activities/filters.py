"""Filters for activity lists (calendar ranges, feeds, timelines), shared by the UI and the API."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema

from totonou.core.api import MAX_ID, Id
from totonou.core.bounds import BoundedDateTime
from totonou.core.filters import aware


class ActivityFilter(FilterSchema):
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    owners: Annotated[list[Id] | None, FilterLookup("owner_id__in")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    customer: Annotated[Id | None, FilterLookup("customer_id")] = None
    deal: Annotated[Id | None, FilterLookup("deal_id")] = None
    status: Annotated[Literal["planned", "done", "cancelled"] | None, FilterLookup("status")] = None
    type: Annotated[str | None, FilterLookup("type__slug")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    key_only: bool | None = None
    start: BoundedDateTime | None = None
    end: BoundedDateTime | None = None

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(is_key_customer=True) if value else Q()

    def filter_start(self, value: datetime.datetime | None) -> Q:
        """Activities that start at or after ``start`` (a date means its midnight in the user's zone)."""
        return Q(starts_at__gte=aware(value)) if value is not None else Q()

    def filter_end(self, value: datetime.datetime | None) -> Q:
        """Activities that start before ``end``."""
        return Q(starts_at__lt=aware(value)) if value is not None else Q()


# Ids in a query string are 64-bit like the rows they name; a larger number is a field error, not a 500.
_Id = Annotated[int, Field(ge=1, le=MAX_ID)]
_EventId = Annotated[int, Field(ge=0, le=MAX_ID)]


class FeedFilter(FilterSchema):
    """The team feed (``ActivityEvent`` rows) by the activity they belong to, plus the polling window:
    ``after`` (events newer than the id a client already has) and ``before`` (older, for paging)."""

    owner: _Id | None = None
    team: _Id | None = None
    segment: _Id | None = None
    type: Annotated[str | None, FilterLookup("activity__type__slug")] = None
    key_only: bool | None = None
    unreviewed: bool | None = None
    after: Annotated[_EventId | None, FilterLookup("id__gt")] = None
    before: Annotated[_EventId | None, FilterLookup("id__lt")] = None

    # A deal's stage change (``deal`` set, no activity) matches by its deal: owner, team, segment and key
    # flag of the deal's owner and customer. ``type`` and ``unreviewed`` are about activities only.

    def filter_owner(self, value: int | None) -> Q:
        return Q(activity__owner_id=value) | Q(deal__owner_id=value) if value is not None else Q()

    def filter_team(self, value: int | None) -> Q:
        if value is None:
            return Q()
        return Q(activity__owner__team_id=value) | Q(deal__owner__team_id=value)

    def filter_segment(self, value: int | None) -> Q:
        if value is None:
            return Q()
        return Q(activity__customer__segment_id=value) | Q(deal__customer__segment_id=value)

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(activity__is_key_customer=True) | Q(deal__customer__is_key=True) if value else Q()

    def filter_unreviewed(self, value: bool | None) -> Q:
        """``true``: events of activities nobody has reviewed yet (the manager's review queue)."""
        return Q(activity__isnull=False, activity__reviewed_at__isnull=True) if value else Q()


class CommentFilter(FilterSchema):
    """Comments on one activity, deal or weekly report (the API requires exactly one; see
    ``target_errors``)."""

    activity: Annotated[_Id | None, FilterLookup("activity_id")] = None
    deal: Annotated[_Id | None, FilterLookup("deal_id")] = None
    weekly_report: Annotated[_Id | None, FilterLookup("weekly_report_id")] = None

    def target_errors(self) -> dict[str, list[str]]:
        if [self.activity, self.deal, self.weekly_report].count(None) != 2:
            return {"__all__": [_("Give exactly one of activity, deal or weekly report.")]}
        return {}


class MentionFilter(FilterSchema):
    """The caller's mentions: ``unread=true`` only the unread ones, ``unread=false`` only the read ones."""

    unread: Annotated[bool | None, FilterLookup("read_at__isnull")] = None
