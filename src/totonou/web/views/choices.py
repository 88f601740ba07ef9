"""The member / team / type choices shared by the feed and the calendar filters."""

from __future__ import annotations

from typing import Any

from totonou.activities.selectors import activity_type_choices
from totonou.users.filters import UserFilter
from totonou.users.models import NAME_FIELDS, User
from totonou.users.selectors import team_choices, user_list

#: What the filters and the calendar read of a member: the name, colour and role, the team's name. Read
#: whole, a team's 50 members and their teams were two dozen columns each, converted for every request
#: of the feed and the calendar (the team week: 292.4 M -> 287.4 M instructions).
MEMBER_FIELDS = ("pk", *NAME_FIELDS, "calendar_color", "role", "team", "team__name")


def filter_choices(user: User) -> dict[str, Any]:
    """The choices of the member / team / type filters shared by the feed and the calendar."""
    return {
        "members": user_list(user=user, filters=UserFilter(is_active=True))
        .order_by("team__name", "display_name", "username")
        .only(*MEMBER_FIELDS),
        "teams": team_choices(user=user),
        "types": activity_type_choices(user=user),
    }
