"""Context for every page: the header's bell (unread notifications; mentions are one kind), the
unread-mentions count of the mentions page, and the teammates a comment can
@mention. Each is computed only when a template reads them, at most once per response, so a
fragment or a page without a comment box pays nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from django.http import HttpRequest

from totonou.activities.selectors import mention_unread_count
from totonou.notifications.personal import unread_count
from totonou.users.models import User
from totonou.users.permissions import is_signed_in
from totonou.users.selectors import mention_hint_users

T = TypeVar("T")
MENTION_HINTS = 12


def _once(compute: Callable[[], T]) -> Callable[[], T]:
    """A template calls a callable context value; this one computes on the first read only."""
    return cache(compute)


def social(request: HttpRequest) -> dict[str, Any]:
    def unread() -> int:
        user = getattr(request, "user", None)
        return mention_unread_count(user=user) if is_signed_in(user) else 0

    def hints() -> list[User]:
        user = getattr(request, "user", None)
        return mention_hint_users(user=user, limit=MENTION_HINTS) if is_signed_in(user) else []

    def bell() -> int:
        user = getattr(request, "user", None)
        return unread_count(user=user) if is_signed_in(user) else 0

    return {
        "unread_mention_count": _once(unread),
        "notification_unread_count": _once(bell),
        "mention_hints": _once(hints),
    }
