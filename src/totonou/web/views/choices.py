"""The member / team / type choices shared by the feed and the calendar filters."""

from __future__ import annotations

from typing import Any

from totonou.activities.selectors import activity_type_choices
from totonou.users.filters import UserFilter
from totonou.users.models import User
from totonou.users.selectors import team_choices, user_list


def filter_choices(user: User) -> dict[str, Any]:
    """The choices of the member / team / type filters shared by the feed and the calendar."""
    return {
        "members": user_list(user=user, filters=UserFilter(is_active=True)).order_by(
            "team__name", "display_name", "username"
        ),
        "teams": team_choices(user=user),
        "types": activity_type_choices(user=user),
    }
