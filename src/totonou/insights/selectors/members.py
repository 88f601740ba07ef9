"""Whose numbers an insight shows: one user, a team's members, or every active rep and manager."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from totonou.insights.filters import MemberFilter
from totonou.users.models import User
from totonou.users.permissions import visible


def insight_members(*, user: Any, filters: MemberFilter) -> list[User]:
    """``owner``: that user; ``team``: the team's active members; neither: every active rep and manager.
    Ordered by display name. One query."""
    people: QuerySet[User] = visible(User.objects.all(), user)
    if filters.owner is None:
        people = people.filter(is_active=True)
        if filters.team is None:
            people = people.filter(role__in=[User.Role.REP, User.Role.MANAGER])
    people = filters.filter(people)
    return list(people.order_by("display_name", "username", "pk"))
