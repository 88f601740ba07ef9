"""Reads for targets: the list a user may see, and a fiscal year's figures for a team (one query)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from totonou.targets.filters import TargetFilter
from totonou.targets.models import Target
from totonou.targets.periods import year_keys


def target_list(*, user: Any, filters: TargetFilter | None = None) -> QuerySet[Target]:
    queryset = Target.objects.visible_to(user).select_related("user", "team")
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("period", "metric", "team_id", "user_id", "id")


def target_values(
    *, metrics: Iterable[str], periods: Iterable[str], user_ids: Iterable[int], team_ids: Iterable[int] = ()
) -> dict[tuple[str, str, int, str], int]:
    """``{(metric, "user" | "team", owner id, period key): value}`` for the given owners, metrics and
    periods, in one query (no visibility: callers pass the owners they may show)."""
    rows = Target.objects.filter(metric__in=list(metrics), period__in=list(periods)).filter(
        _owners(list(user_ids), list(team_ids))
    )
    values: dict[tuple[str, str, int, str], int] = {}
    for metric, user_id, team_id, period, value in rows.values_list(
        "metric", "user_id", "team_id", "period", "value"
    ):
        if user_id is not None:
            values[(metric, "user", user_id, period)] = value
        else:
            values[(metric, "team", team_id, period)] = value
    return values


def _owners(user_ids: list[int], team_ids: list[int]) -> Q:
    return Q(user_id__in=user_ids) | Q(team_id__in=team_ids)


def fiscal_year_keys(fiscal_year: int) -> list[str]:
    return year_keys(fiscal_year)
