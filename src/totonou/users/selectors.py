"""Reads for users and teams."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from totonou.users.filters import UserFilter
from totonou.users.models import Team, User
from totonou.users.permissions import visible


def user_list(*, user: Any, filters: UserFilter | None = None) -> QuerySet[User]:
    queryset = visible(User.objects.select_related("team"), user)
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by("username", "id")


def team_list(*, user: Any) -> QuerySet[Team]:
    people = User.objects.order_by("username", "id")
    return (
        visible(Team.objects.all(), user)
        .prefetch_related(Prefetch("members", queryset=people), Prefetch("managers", queryset=people))
        .order_by("name", "id")
    )


def assignable_users(*, user: Any) -> QuerySet[User]:
    """Users a record can be given to (as its owner): the active ones."""
    return visible(User.objects.filter(is_active=True), user)
