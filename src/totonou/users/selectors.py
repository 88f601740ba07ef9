"""Reads for users and teams."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from totonou.core.compiled import CompiledList
from totonou.users.filters import UserFilter
from totonou.users.models import NAME_FIELDS, ApiToken, Team, User
from totonou.users.permissions import team_owned_q, visible


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


#: What an owner filter's option shows of a user (``User.__str__``): the whole rows with their teams were
#: 1.35 ms of each list page for a team's 50 users, these columns 0.55 ms.
OPTION_FIELDS = ("pk", *NAME_FIELDS)


def owner_choices(*, user: Any) -> QuerySet[User]:
    """The users an owner filter lists (the active ones ``user`` may see), by name, with only the columns
    an option shows: read ``pk`` and ``str(owner)`` only (the ``owner_options`` template tag)."""
    return assignable_users(user=user).only(*OPTION_FIELDS).order_by("display_name", "username", "id")


def user_get(*, pk: int) -> User | None:
    """The user ``pk`` (active or not), or None. Who may open what of theirs is the caller's check."""
    return User.objects.filter(pk=pk).first()


def managed_team_ids(*, user: Any, limit: int | None = None) -> list[int]:
    """The teams ``user`` manages, by name (the first ``limit``)."""
    teams = user.managed_teams.order_by("name", "pk").values_list("pk", flat=True)
    return list(teams[:limit] if limit is not None else teams)


def team_member_ids(team_id: int) -> list[int]:
    """Every user whose team is ``team_id`` (active or not): "a team's records" is "owned by one of these",
    the same rule as ``owner__team_id`` but as a list of ids read first (see ``TeamScope``)."""
    return list(User.objects.filter(team_id=team_id).order_by("pk").values_list("pk", flat=True))


def mention_hint_users(*, user: Any, limit: int) -> list[User]:
    """The people of the user's teams (the one they belong to and those they manage): who a comment
    most likely @mentions, by username, at most ``limit``. One query, compiled once per connection
    (every page with a comment box reads it)."""
    if user.team_id is None:
        return _MENTION_HINTS.list((False, limit), user.pk)
    return _MENTION_HINTS.list((True, limit), user.team_id, user.pk)


def _mention_hint_query(*, user: Any) -> QuerySet[User]:
    teams = Team.objects.filter(Q(pk=user.team_id) | Q(managers=user)).values("pk")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(team__in=teams) | Q(managed_teams__in=teams))
        .exclude(pk=user.pk)
        .only("username", "display_name")  # what a hint shows: DISTINCT over three columns, not every one
        .distinct()
        .order_by("username")
    )


def _mention_hints_shaped(shape: tuple[bool, int], *values: int) -> QuerySet[User]:
    has_team, limit = shape
    reader = User(pk=values[-1], team_id=values[0] if has_team else None)
    return _mention_hint_query(user=reader)[:limit]


_MENTION_HINTS = CompiledList(_mention_hints_shaped)


def team_choices(*, user: Any) -> QuerySet[Team]:
    """The teams a filter offers, by name (nothing prefetched)."""
    return visible(Team.objects.all(), user).order_by("name", "pk")


def team_owned_choices(*, user: Any) -> QuerySet[Team]:
    """The teams whose team-owned things (strategies, channels, targets) ``user`` may change, by name."""
    return Team.objects.filter(team_owned_q(user, "pk")).order_by("name", "pk")


def user_by_slack_id(slack_user_id: str) -> User | None:
    """The active user linked to a Slack user id, or None."""
    if not slack_user_id:
        return None
    return User.objects.filter(slack_user_id=slack_user_id, is_active=True).first()


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """``user``'s own API tokens: the active ones first, the newest first."""
    # nulls first on both databases: PostgreSQL sorts NULL last in ascending order, SQLite first
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-pk"
    )


_OWN_API_TOKENS = CompiledList(lambda shape, user_id: api_token_list(user=user_id))


def api_token_rows(*, user: Any) -> list[ApiToken]:
    """``api_token_list`` read for the settings page, compiled once per connection."""
    return _OWN_API_TOKENS.list((), user.pk)
