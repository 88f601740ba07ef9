"""Who may change what. The one permission layer that views, the API and tasks all use.

Everyone signed in may read (sharing is the point of Totonou). Three kinds of thing are changed:

- *Owned records* (customers, contacts, deals, activities, comments): reps their own, managers those of
  the members of the teams they manage (and their own), admins everything (``can_change_owned_by``,
  ``owned_by_q``).
- *Team-owned things* (strategies, chat channels, targets; a weekly report is reviewed by its author's
  managers): admins all; managers those of the teams they manage; reps none. A thing for every team
  (no team) is shared, like the reference data (``can_change_team_owned``, ``team_owned_q``).
- *Shared reference data* (segments, stages, loss reasons, activity types): admins, and managers while
  ``TOTONOU_MANAGERS_EDIT_REFERENCE_DATA`` is on (``can_change_reference_data``).

Reviewing (an activity, a weekly report) is for the owner's managers and admins, never the owner
(``can_review_owned_by``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import CharField, F, Func, Q, QuerySet
from django.utils.translation import gettext as _

from totonou.core.compiled import CompiledList
from totonou.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from totonou.users.models import User


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


#: The attribute the signed-in user's query sets (``users.backends``): the ids of the members of the
#: teams the user manages, comma-separated (None for nobody), read along instead of one more query.
MANAGED_IDS_ATTRIBUTE = "managed_ids_text"


def managed_user_ids(user: User) -> set[int]:
    """Ids of the users whose records ``user`` may change (cached on the user object per request)."""
    cached: set[int] | None = getattr(user, "_totonou_managed_ids", None)
    if cached is not None:
        return cached
    from totonou.users.models import User as UserModel

    ids = {user.pk}
    if user.role == UserModel.Role.MANAGER:
        if hasattr(user, MANAGED_IDS_ATTRIBUTE):
            text = getattr(user, MANAGED_IDS_ATTRIBUTE) or ""
            ids |= {int(pk) for pk in text.split(",") if pk}
        else:
            ids |= {member.pk for member in _MANAGED.list((), user.pk)}
    user._totonou_managed_ids = ids  # type: ignore[attr-defined]
    return ids


class ManagedIds(Func):
    """The ids of the members of the teams the outer query's user manages, comma-separated (the rule of
    ``_managed``, for ``managed_user_ids``), as a scalar subquery."""

    output_field = CharField()
    _sql = (
        "(SELECT {aggregate} FROM users_user m "
        "INNER JOIN users_team_managers t ON t.team_id = m.team_id WHERE t.user_id = {user})"
    )

    def __init__(self) -> None:
        super().__init__(F("pk"))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: Any = None,
        template: Any = None,
        arg_joiner: Any = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        user, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            aggregate = "string_agg(m.id::text, ',')"
        else:
            aggregate = "group_concat(m.id, ',')"
        return self._sql.format(aggregate=aggregate, user=user), params


def _managed(shape: object, manager_id: int) -> QuerySet[Any]:
    """The members of the teams ``manager_id`` manages (their ids only): read on most pages of a manager,
    so compiled once per connection (``core.compiled``)."""
    from totonou.users.models import User as UserModel

    return UserModel.objects.filter(team__managers=manager_id).only("pk").order_by()


_MANAGED = CompiledList(_managed)


def can_change_owned_by(user: Any, owner_id: int | None) -> bool:
    if not is_signed_in(user):
        return False
    if user.role == "admin":
        return True
    return owner_id is not None and owner_id in managed_user_ids(user)


def ensure_can_change_owned_by(user: Any, owner_id: int | None) -> None:
    if not can_change_owned_by(user, owner_id):
        raise PermissionDenied(_("You may not change records of another user."))


def ensure_admin(user: Any) -> None:
    if not (is_signed_in(user) and user.role == "admin"):
        raise PermissionDenied(_("Only administrators may do this."))


def ensure_manager_or_admin(user: Any) -> None:
    if not (is_signed_in(user) and user.role in {"manager", "admin"}):
        raise PermissionDenied(_("Only managers and administrators may do this."))


def can_change_reference_data(user: Any) -> bool:
    """Shared reference data (segments, stages, loss reasons, activity types): admins always, managers
    when ``TOTONOU_MANAGERS_EDIT_REFERENCE_DATA`` is on (the default; an organisation with several
    teams that share these lists turns it off)."""
    if not is_signed_in(user):
        return False
    if user.role == "admin":
        return True
    return user.role == "manager" and bool(settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA)


def ensure_can_change_reference_data(user: Any) -> None:
    if not can_change_reference_data(user):
        if is_signed_in(user) and user.role == "manager":
            raise PermissionDenied(_("In this organisation only administrators change shared settings."))
        raise PermissionDenied(_("Only managers and administrators may change shared settings."))


def owned_by_q(user: Any, field: str = "owner") -> Q:
    """A filter for records ``user`` may change, by their owner field."""
    if not is_signed_in(user):
        return Q(pk__in=[])
    if user.role == "admin":
        return Q()
    return Q(**{f"{field}_id__in": managed_user_ids(user)})


def signed_in_reader(pk: Any = None) -> Any:
    """An active user with the id ``pk`` and nothing else: the reader a compiled read is built for when,
    for every signed-in reader, it depends on their id at most (``core.compiled``)."""
    from totonou.users.models import User

    return User(pk=pk, is_active=True)


def visible(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """What ``user`` may read: everything for a signed-in user, nothing for anyone else."""
    return queryset if is_signed_in(user) else queryset.none()


def managed_team_ids(user: User) -> set[int]:
    """Ids of the teams ``user`` manages (cached on the user object per request)."""
    cached: set[int] | None = getattr(user, "_totonou_team_ids", None)
    if cached is not None:
        return cached
    from totonou.users.models import Team

    ids = set(Team.objects.filter(managers=user).values_list("pk", flat=True)) if user.pk else set()
    user._totonou_team_ids = ids  # type: ignore[attr-defined]
    return ids


def ensure_can_set_targets(user: Any, *, owner_id: int | None = None, team_id: int | None = None) -> None:
    """Targets: admins set every one, managers those of the teams they manage and of those teams'
    members; reps none (they read their own and their team's)."""
    ensure_manager_or_admin(user)
    if user.role == "admin":
        return
    if team_id is not None and not can_change_team_owned(user, team_id):
        raise PermissionDenied(_("You may set targets for the teams you manage only."))
    if owner_id is not None and owner_id not in managed_user_ids(user):
        raise PermissionDenied(_("You may set targets for the members of the teams you manage only."))


def can_change_team_owned(user: Any, team_id: int | None) -> bool:
    """Team-owned things (strategies, chat channels filtered to a team, team targets): admins every
    one; managers those of the teams they manage; reps none. A thing with no team is for every team, so
    it is shared like the reference data: admins, and managers while
    ``TOTONOU_MANAGERS_EDIT_REFERENCE_DATA`` is on."""
    if not is_signed_in(user):
        return False
    if user.role == "admin":
        return True
    if user.role != "manager":
        return False
    if team_id is None:
        return can_change_reference_data(user)
    return team_id in managed_team_ids(user)


def ensure_can_change_team_owned(user: Any, team_id: int | None) -> None:
    if can_change_team_owned(user, team_id):
        return
    if not (is_signed_in(user) and user.role in {"manager", "admin"}):
        raise PermissionDenied(_("Only managers and administrators may do this."))
    if team_id is None:
        raise PermissionDenied(_("In this organisation only administrators change what every team shares."))
    raise PermissionDenied(_("You may change this for the teams you manage only."))


def team_owned_q(user: Any, field: str = "team_id") -> Q:
    """A filter for the team-owned things ``user`` may change (the rule of ``can_change_team_owned``),
    by their team field (``team_id``, ``channel__team_id``, …)."""
    if not is_signed_in(user) or user.role not in {"manager", "admin"}:
        return Q(pk__in=[])
    if user.role == "admin":
        return Q()
    from totonou.users.models import Team

    # A subquery, not the ids: a list page costs no query more for a manager.
    allowed = Q(**{f"{field}__in": Team.objects.filter(managers=user).values("pk")})
    if can_change_reference_data(user):
        allowed |= Q(**{f"{field}__isnull": True})
    return allowed


def can_review_owned_by(user: Any, owner_id: int | None) -> bool:
    """Marking an activity or a weekly report reviewed: the owner's managers (a manager of a team the
    owner is in) and admins; never the owner themselves, not even a manager or an admin."""
    if not is_signed_in(user) or owner_id is None or owner_id == user.pk:
        return False
    if user.role == "admin":
        return True
    return user.role == "manager" and owner_id in managed_user_ids(user)


def can_reopen_owned_by(user: Any, owner_id: int | None) -> bool:
    """Reopening a won or lost deal: the owner's manager (a manager of a team the owner is in, or a
    manager reopening their own) and admins; never a rep, not even the owner."""
    if not is_signed_in(user):
        return False
    if user.role == "admin":
        return True
    return user.role == "manager" and owner_id is not None and owner_id in managed_user_ids(user)


def ensure_can_reopen_owned_by(user: Any, owner_id: int | None) -> None:
    if not can_reopen_owned_by(user, owner_id):
        raise PermissionDenied(_("Only the owner's manager or an administrator may reopen a closed deal."))
