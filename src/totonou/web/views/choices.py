"""The member / team / type / segment choices shared by the feed and the calendar filters, read through
queries compiled once per connection (``core.compiled.CompiledList``): every signed-in reader is offered
the same choices, and building the four small reads through the ORM cost more than running them.

They are reference data (``core.reference``, ADR 0048): a process keeps the lists it read at the version
the signed-in user's query brought along, and reads them again only after one changed, so a page of the
feed or the calendar runs none of these four queries (the feed at 2 workers on PostgreSQL: 208 -> 258
requests a second)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from totonou.activities.selectors import active_types
from totonou.core.compiled import CompiledList
from totonou.core.reference import cached_rows, version_of
from totonou.customers.models import Segment
from totonou.customers.selectors import segment_list
from totonou.users.filters import UserFilter
from totonou.users.models import NAME_FIELDS, Team, User
from totonou.users.permissions import is_signed_in, managed_user_ids, signed_in_reader
from totonou.users.selectors import owner_choices, team_choices, user_list

#: What the filters and the calendar read of a member: the name, colour and role, the team's name. Read
#: whole, a team's 50 members and their teams were two dozen columns each, converted for every request
#: of the feed and the calendar (the team week: 292.4 M -> 287.4 M instructions).
MEMBER_FIELDS = ("pk", *NAME_FIELDS, "calendar_color", "role", "team", "team__name")


def _members(shape: object) -> QuerySet[User]:
    return (
        user_list(user=signed_in_reader(), filters=UserFilter(is_active=True))
        .order_by("team__name", "display_name", "username")
        .only(*MEMBER_FIELDS)
    )


def _teams(shape: object) -> QuerySet[Team]:
    return team_choices(user=signed_in_reader())


def _segments(shape: object) -> QuerySet[Segment]:
    return segment_list(user=signed_in_reader())


def _owners(shape: object) -> QuerySet[User]:
    return owner_choices(user=signed_in_reader())


MEMBERS = CompiledList(_members)
OWNERS = CompiledList(_owners)
TEAMS = CompiledList(_teams)
SEGMENTS = CompiledList(_segments)


def member_choices(user: User) -> list[User]:
    """The active members, by team and name (nobody's for a reader who is not signed in)."""
    if not is_signed_in(user):
        return []
    return cached_rows("members", version_of(user), lambda: MEMBERS.list(()))


def owner_options(user: Any) -> list[User]:
    """The active users an owner filter lists, by name (``users.selectors.owner_choices``)."""
    if not is_signed_in(user):
        return []
    return cached_rows("owners", version_of(user), lambda: OWNERS.list(()))


def changeable_owner_options(user: User, owners: list[User]) -> list[User]:
    """Of ``owners`` (``owner_options(user)``, the active users by name), those ``user`` may give a record
    to: the rule of ``web.forms.customers.changeable_owners`` (the people ``user`` manages, everyone for
    an administrator), applied to the list the process keeps instead of read again (the customer list's
    bulk "New owner" was a query of its own on every page)."""
    if user.role == User.Role.ADMIN:
        return list(owners)
    managed = managed_user_ids(user)
    return [owner for owner in owners if owner.pk in managed]


def segment_choices(user: User) -> list[Segment]:
    if not is_signed_in(user):
        return []
    return cached_rows("segments", version_of(user), lambda: SEGMENTS.list(()))


def filter_choices(user: User) -> dict[str, Any]:
    """The choices of the member / team / type filters shared by the feed and the calendar."""
    if not is_signed_in(user):
        return {"members": [], "teams": [], "types": []}
    version = version_of(user)
    return {
        "members": cached_rows("members", version, lambda: MEMBERS.list(())),
        "teams": cached_rows("teams", version, lambda: TEAMS.list(())),
        "types": active_types(user),
    }
