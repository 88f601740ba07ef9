"""Filters for the insights, shared by the API and (later) the Insights page: each is a FilterSchema
whose simple fields filter a queryset and whose other fields (periods, thresholds) the selectors read."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, FilterConfigDict, FilterLookup, FilterSchema
from ninja.schema import DjangoGetter
from pydantic import PrivateAttr, ValidationInfo, field_validator, model_validator

from totonou.core.api import Id
from totonou.core.bounds import MAX_DAYS, BoundedDate, in_bounds, out_of_bounds_message
from totonou.users.selectors import team_member_ids

#: How many weeks or months a trend may span.
MAX_PERIODS = 26
#: The longest custom range (``from`` … ``to``, both included): a year, leap day included.
MAX_RANGE_DAYS = 366

PeriodKind = Literal["week", "month", "custom"]


class UncontactedFilter(FilterSchema):
    """Customers without a real contact: by default each one's own threshold; ``days`` overrides them."""

    days: Annotated[int | None, Field(ge=1, le=MAX_DAYS)] = None
    segment: Annotated[Id | None, FilterLookup("segment_id")] = None
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    team: Annotated[Id | None, FilterLookup("owner__team_id")] = None
    key_only: bool | None = None
    planned: Annotated[
        bool | None,
        Field(description="true: only customers with a planned contact ahead; false: only those without."),
    ] = None

    def filter_days(self, value: int | None) -> Q:
        return Q()  # the threshold is applied by the selector

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(is_key=True) if value else Q()

    def filter_planned(self, value: bool | None) -> Q:
        return Q()  # applied by the selector (it needs "now")


class MemberFilter(FilterSchema):
    """Whose numbers: one user (``owner``), a team's members (``team``), or every active rep and manager."""

    owner: Annotated[Id | None, FilterLookup("pk")] = None
    team: Annotated[Id | None, FilterLookup("team_id")] = None


class PeriodFilter(FilterSchema):
    """The one period every insight of the Insights pages counts (docs/adr/0009): a week or a month (the
    one containing ``date``, default today), or a custom range of days ``from`` … ``to`` (both included,
    at most ``MAX_RANGE_DAYS``). A trend shows that many periods of the same kind back from it: weeks,
    months, or ranges of the same length ending the day before. ``from`` or ``to`` without ``period``
    means ``period=custom``. Every insight filter and the Insights page use this class, so a week, a
    month and a range are validated and resolved to days in one place
    (``selectors.periods.chosen_periods``)."""

    model_config = FilterConfigDict(populate_by_name=True)  # the page passes ``from_``

    period: PeriodKind = "week"
    date: Annotated[
        BoundedDate | None,
        Field(description="A day in the (last) week or month (default: today); not with a custom range."),
    ] = None
    from_: Annotated[
        BoundedDate | None,
        Field(alias="from", validate_default=True, description="A custom range's first day."),
    ] = None
    to: Annotated[
        BoundedDate | None,
        Field(
            validate_default=True,
            description=f"A custom range's last day (at most {MAX_RANGE_DAYS} days after ``from``).",
        ),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _a_range_is_custom(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps the query
        given = isinstance(raw, dict) and any(
            raw.get(key) not in (None, "") for key in ("from", "from_", "to")
        )
        if given and "period" not in raw:
            return {**raw, "period": "custom"}
        return data

    @field_validator("date")
    @classmethod
    def _date(cls, value: datetime.date | None, info: ValidationInfo) -> datetime.date | None:
        _in_range(value)
        if value is not None and info.data.get("period") == "custom":
            raise ValueError(_("A custom range is given by its first and last day, not by a date."))
        return value

    @field_validator("from_")
    @classmethod
    def _from(cls, value: datetime.date | None, info: ValidationInfo) -> datetime.date | None:
        _in_range(value)
        custom = info.data.get("period") == "custom"
        if custom and value is None:
            raise ValueError(_("Give the first day of the range."))
        if value is not None and not custom and "period" in info.data:
            raise ValueError(_("A first and last day make a custom range: choose “Custom range”."))
        return value

    @field_validator("to")
    @classmethod
    def _to(cls, value: datetime.date | None, info: ValidationInfo) -> datetime.date | None:
        _in_range(value)
        period, first = info.data.get("period"), info.data.get("from_")
        if period == "custom" and value is None:
            raise ValueError(_("Give the last day of the range."))
        if value is not None and period != "custom" and "period" in info.data:
            raise ValueError(_("A first and last day make a custom range: choose “Custom range”."))
        if value is not None and first is not None:
            if value < first:
                raise ValueError(_("The last day comes before the first day."))
            if (value - first).days + 1 > MAX_RANGE_DAYS:
                raise ValueError(_("A range is at most %(days)s days long.") % {"days": MAX_RANGE_DAYS})
        return value

    def filter_period(self, value: str) -> Q:
        return Q()

    def filter_date(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_from_(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_to(self, value: datetime.date | None) -> Q:
        return Q()


def _in_range(value: datetime.date | None) -> None:
    """The input bounds (``core.bounds``) for a day a validator reads before the field's own check."""
    if value is not None and not in_bounds(value):
        raise ValueError(out_of_bounds_message())


class CoverageFilter(PeriodFilter, MemberFilter):
    """Coverage per period; the API's default is the month (``month`` and ``months`` keep their meaning:
    a day in the last month, how many months), the Insights page passes its own period."""

    period: PeriodKind = "month"
    month: Annotated[
        BoundedDate | None,
        Field(
            description="A day in the last month of the trend (default: today); the older name of ``date``."
        ),
    ] = None
    months: Annotated[
        int, Field(ge=1, le=MAX_PERIODS, description="How many periods the trend shows (months by default).")
    ] = 6

    def filter_month(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_months(self, value: int) -> Q:
        return Q()


class PlanVsActualFilter(PeriodFilter, MemberFilter):
    periods: Annotated[int, Field(ge=1, le=MAX_PERIODS)] = 1
    type: Annotated[str | None, Field(description="Only activities of this type (its slug).")] = None

    def filter_periods(self, value: int) -> Q:
        return Q()

    def filter_type(self, value: str | None) -> Q:
        return Q()


class StrategyAlignmentFilter(PeriodFilter, MemberFilter):
    """Per week by default (``weeks`` of them, the last one containing ``date``, default today or the
    strategy's last day); any period of ``PeriodFilter``."""

    strategy: Id
    weeks: Annotated[
        int, Field(ge=1, le=MAX_PERIODS, description="How many periods the trend shows (weeks by default).")
    ] = 4

    def filter_strategy(self, value: int) -> Q:
        return Q()

    def filter_weeks(self, value: int) -> Q:
        return Q()


class AttainmentFilter(FilterSchema):
    """Attainment of targets for a fiscal period: one user's, or a team's members' and the team total
    (default: the viewer's team); ``metric`` narrows to one metric (default: all five)."""

    period: Annotated[
        str | None,
        Field(
            description="2026-04, 2026-Q1, 2026-H1 or FY2026 (fiscal quarters, halves); default: this month."
        ),
    ] = None
    team: Id | None = None
    user: Id | None = None
    metric: Literal["revenue", "won_deals", "new_deals", "activities", "key_customer_visits"] | None = None

    def filter_period(self, value: str | None) -> Q:
        return Q()

    def filter_team(self, value: int | None) -> Q:
        return Q()

    def filter_user(self, value: int | None) -> Q:
        return Q()

    def filter_metric(self, value: str | None) -> Q:
        return Q()


# --- Pipeline -----------------------------------------------------------------------------------------


class TeamScope(FilterSchema):
    """``team``: deals owned by the team's members, given to the database as the list of their ids (read
    once per filter), not as a join on the owner's team. With the join, PostgreSQL joined every deal (or
    every stage change of a year) to its owner before it knew which were the team's; with the ids it
    reads the members' deals through the owner index (pipeline analytics: 160 → 65 ms of SQL)."""

    team: Annotated[Id | None, Field(description="The deals of this team's members.")] = None
    _member_ids: dict[int, list[int]] = PrivateAttr(default_factory=dict)

    def filter_team(self, value: int | None) -> Q:
        if value is None:
            return Q()
        if value not in self._member_ids:
            self._member_ids[value] = team_member_ids(value)
        return Q(owner_id__in=self._member_ids[value])

    def owner_ids(self) -> list[int] | None:
        """The owners every deal this filter selects belongs to (the team's members, the one ``owner``,
        or both), or None when it does not narrow by owner: a reader of a copied owner column
        (``StageChange.deal_owner_id``) narrows by them through its index."""
        owners: set[int] | None = None
        if self.team is not None:
            if self.team not in self._member_ids:
                self._member_ids[self.team] = team_member_ids(self.team)
            owners = set(self._member_ids[self.team])
        owner = getattr(self, "owner", None)
        if owner is not None:
            owners = {owner} if owners is None else owners & {owner}
        return None if owners is None else sorted(owners)


class PipelineFilter(TeamScope):
    """Which deals the pipeline figures cover (a queryset of deals): one owner, a team's members, a
    segment, key customers only and an expected close date range (inclusive)."""

    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    key_only: bool | None = None
    close_from: Annotated[
        BoundedDate | None,
        FilterLookup("expected_close_date__gte"),
        Field(description="Expected close on or after this day."),
    ] = None
    close_to: Annotated[
        BoundedDate | None,
        FilterLookup("expected_close_date__lte"),
        Field(description="Expected close on or before this day."),
    ] = None

    def filter_key_only(self, value: bool | None) -> Q:
        return Q(customer__is_key=True) if value else Q()


class PipelinePeriodFilter(TeamScope):
    """Deals of an owner, team or segment, for the analytics of a period of local days (inclusive, the
    team's time zone; default the last twelve months: the first of the month eleven months back to
    today)."""

    model_config = FilterConfigDict(populate_by_name=True)  # the page passes ``from_``

    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    from_: Annotated[BoundedDate | None, Field(alias="from", description="The first day.")] = None
    to: Annotated[BoundedDate | None, Field(description="The last day.")] = None

    def filter_from_(self, value: datetime.date | None) -> Q:
        return Q()

    def filter_to(self, value: datetime.date | None) -> Q:
        return Q()


class WinRateFilter(PipelinePeriodFilter):
    group_by: Literal["owner", "team", "segment", "month", "size", "loss_reason"] = "owner"

    def filter_group_by(self, value: str) -> Q:
        return Q()


class ForecastFilter(TeamScope):
    owner: Annotated[Id | None, FilterLookup("owner_id")] = None
    segment: Annotated[Id | None, FilterLookup("customer__segment_id")] = None
    period: Annotated[
        str | None,
        Field(
            description="A fiscal month (2026-04) or quarter (2026-Q1), or month / quarter (the current one)."
        ),
    ] = None

    def filter_period(self, value: str | None) -> Q:
        return Q()
