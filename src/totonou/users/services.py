"""Writes for users, teams, API tokens and calendar feed URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.compiled import CompiledQuery
from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.core.services import lock, reject_unknown, save_changes
from totonou.users.colours import member_colour_problem, next_member_colour
from totonou.users.models import ApiToken, CalendarFeed, Team, User
from totonou.users.permissions import ensure_admin, ensure_can_change_team_owned, is_signed_in

TOKEN_PREFIX = "tot_"  # noqa: S105 - a public marker, not a secret


@transaction.atomic
def team_create(
    *,
    actor: User | None,
    name: str,
    managers: Iterable[User] | None = None,
    members: Iterable[User] | None = None,
    **settings_: Any,
) -> Team:
    """A new team; ``actor`` None is the system (seeding). Members move here from their old team. Its
    settings (``TEAM_SETTINGS``) default to ``Asia/Tokyo`` and ``TOTONOU_WEEKLY_REPORT_DEADLINE``."""
    if actor is not None:
        ensure_admin(actor)
    given = _team_settings(settings_)
    team = Team(name=name, **given)
    team.full_clean()
    team.save()
    audit_record(
        actor=actor,
        instance=team,
        action="create",
        changes={"name": [None, name], **{key: [None, str(value)] for key, value in given.items()}},
    )
    if members is not None:
        _set_members(actor=actor, team=team, members=list(members))
    if managers is not None:
        _set_managers(actor=actor, team=team, managers=list(managers))
    return team


#: A team's settings: its managers change them too (``team_update``).
TEAM_SETTINGS = ("time_zone", "report_deadline_weekday", "report_deadline_time")


def _team_settings(given: dict[str, Any]) -> dict[str, Any]:
    """The settings given (None: unchanged); a name that is not a setting is a programming error."""
    unknown = set(given) - set(TEAM_SETTINGS)
    if unknown:
        raise TypeError(f"Not a team setting: {', '.join(sorted(unknown))}")
    return {key: value for key, value in given.items() if value is not None}


def _check_member_colour(fields: dict[str, Any], user: User | None = None) -> None:
    """A calendar colour being set must not pass for the key-customer amber nor fade into white
    (``users.colours``). A colour a user already has is left alone: only a change is checked."""
    colour = fields.get("calendar_color")
    if not isinstance(colour, str) or (user is not None and colour.lower() == user.calendar_color.lower()):
        return
    if len(colour) != 7 or not colour.startswith("#"):
        return  # the model's own format check answers
    try:
        problem = member_colour_problem(colour)
    except ValueError:
        return
    if problem == "amber":
        raise ValidationError(
            {
                "calendar_color": [
                    _("Too close to the key-customer amber: choose a colour that is not orange or yellow.")
                ]
            }
        )
    if problem == "light":
        raise ValidationError({"calendar_color": [_("Too light to see on white: choose a darker colour.")]})


def new_member_colour(team: Team | None) -> str:
    """The colour a new member gets: the first palette colour nobody active in ``team`` (or, without a
    team, nobody active at all) has yet."""
    people = User.objects.filter(is_active=True)
    if team is not None:
        people = people.filter(team=team)
    return next_member_colour(people.values_list("calendar_color", flat=True))


USER_CREATE_FIELDS = {
    "display_name",
    "email",
    "first_name",
    "last_name",
    "language",
    "time_zone",
    "calendar_color",
    "week_starts_on",
    "slack_user_id",
    "chatwork_account_id",
    "external_id",
}


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None = None,
    role: str = User.Role.REP,
    team: Team | None = None,
    managed_teams: Iterable[Team] | None = None,
    **fields: Any,
) -> User:
    """Create a user; ``actor`` None is the system (seeding, ``createsuperuser``-like commands).
    Without a password the user cannot sign in until they set one through ``user_password_link``."""
    if actor is not None:
        ensure_admin(actor)
    reject_unknown(fields, USER_CREATE_FIELDS)
    _check_member_colour(fields)
    if not fields.get("calendar_color"):
        fields["calendar_color"] = new_member_colour(team)
    user = User(
        username=username,
        role=role,
        team=team,
        is_staff=role == User.Role.ADMIN,
        is_superuser=role == User.Role.ADMIN,
        **fields,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    managed = _check_managed_teams(role, managed_teams)
    user.save()
    audit_record(
        actor=actor,
        instance=user,
        action="create",
        changes=snapshot(user, {"username", "role", "team", *fields}),
    )
    if managed is not None:
        _set_managed_teams(actor=actor, user=user, teams=managed)
    elif role == User.Role.MANAGER and team is not None:
        team.managers.add(user)  # a manager manages their own team unless told which teams
    return user


PREFERENCE_FIELDS = {
    "display_name",
    "language",
    "time_zone",
    "calendar_color",
    "week_starts_on",
    "slack_user_id",
    "chatwork_account_id",
}
ADMIN_FIELDS = {
    "role",
    "team",
    "managed_teams",
    "is_active",
    "email",
    "first_name",
    "last_name",
    "external_id",
    *PREFERENCE_FIELDS,
}


@transaction.atomic
def user_update_preferences(*, actor: User, user: User, **changes: Any) -> User:
    """A user changes their own preferences (admins may change anyone's)."""
    if not is_signed_in(actor) or (actor.pk != user.pk and actor.role != User.Role.ADMIN):
        raise PermissionDenied(_("You may only change your own preferences."))
    reject_unknown(changes, PREFERENCE_FIELDS)
    _check_member_colour(changes, user)
    save_changes(instance=user, changes=changes, actor=actor, exclude_clean=["password"])
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, **changes: Any) -> User:
    """An admin changes a user's role, team, managed teams, active flag or preferences. Admin site access
    follows the role, and a manager manages the team they are put in. A deactivated user cannot sign in
    (sessions and API tokens stop working); their records stay. The last active admin stays one."""
    ensure_admin(actor)
    reject_unknown(changes, ADMIN_FIELDS)
    _check_member_colour(changes, user)
    if user.pk == actor.pk and (
        changes.get("role", user.role) != User.Role.ADMIN or changes.get("is_active") is False
    ):
        field = "is_active" if changes.get("is_active") is False else "role"
        raise ValidationError({field: [_("You cannot remove your own administrator access.")]})
    # The active admins are locked first, in one order, so two admins demoting each other at once wait
    # for one another instead of deadlocking; then the row itself.
    admins = list(
        User.objects.select_for_update()
        .filter(role=User.Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    user = User.objects.select_for_update().get(pk=user.pk)
    role = changes.get("role", user.role)
    is_active = changes.get("is_active", user.is_active)
    loses_admin = (
        user.role == User.Role.ADMIN and user.is_active and (role != User.Role.ADMIN or not is_active)
    )
    if loses_admin and not [pk for pk in admins if pk != user.pk]:
        field = "is_active" if not is_active else "role"
        raise ValidationError({field: [_("This is the last active administrator: make another first.")]})
    managed = _check_managed_teams(role, changes.pop("managed_teams", None))
    if "role" in changes:
        changes["is_staff"] = changes["is_superuser"] = changes["role"] == User.Role.ADMIN
    save_changes(instance=user, changes=changes, actor=actor, exclude_clean=["password"])
    if managed is not None:
        _set_managed_teams(actor=actor, user=user, teams=managed)
    elif user.role == User.Role.MANAGER and user.team_id is not None and {"team", "role"} & set(changes):
        user.team.managers.add(user)  # type: ignore[union-attr]
    if user.role != User.Role.MANAGER:
        _set_managed_teams(actor=actor, user=user, teams=[])
    return user


def _check_managed_teams(role: str, teams: Iterable[Team] | None) -> list[Team] | None:
    if teams is None:
        return None
    teams = list(teams)
    if teams and role != User.Role.MANAGER:
        raise ValidationError({"managed_teams": [_("Only a manager manages teams.")]})
    return teams


def _set_managed_teams(*, actor: User | None, user: User, teams: list[Team]) -> None:
    before = sorted(user.managed_teams.values_list("pk", flat=True))
    after = sorted({team.pk for team in teams})
    if before != after:
        user.managed_teams.set(teams)
        audit_record(actor=actor, instance=user, action="update", changes={"managed_teams": [before, after]})


def _set_members(*, actor: User | None, team: Team, members: list[User]) -> None:
    """``members`` are the team's people from now on: each moves here from their old team; the others
    leave it (who manages the team is set apart, by ``managers``)."""
    wanted = {member.pk for member in members}
    current = User.objects.select_for_update().filter(Q(team=team) | Q(pk__in=wanted)).order_by("pk")
    for person in current:
        new_team = team if person.pk in wanted else None
        if person.team_id != (new_team.pk if new_team is not None else None):
            save_changes(instance=person, changes={"team": new_team}, actor=actor, exclude_clean=["password"])


def _set_managers(*, actor: User | None, team: Team, managers: list[User]) -> None:
    not_managers = [manager.username for manager in managers if manager.role != User.Role.MANAGER]
    if not_managers:
        raise ValidationError(
            {"managers": [_("Not managers: %(names)s") % {"names": ", ".join(not_managers)}]}
        )
    before = sorted(team.managers.values_list("pk", flat=True))
    after = sorted({manager.pk for manager in managers})
    if before != after:
        team.managers.set(managers)
        audit_record(actor=actor, instance=team, action="update", changes={"managers": [before, after]})


@transaction.atomic
def team_update(
    *,
    actor: User,
    team: Team,
    name: str | None = None,
    managers: Iterable[User] | None = None,
    members: Iterable[User] | None = None,
    **settings_: Any,
) -> Team:
    """Rename a team, set its managers (users with the manager role) and its members: admins. Change
    its settings (``TEAM_SETTINGS``: time zone, weekly-report deadline): the team's managers and admins
    (``can_change_team_owned``)."""
    given = _team_settings(settings_)
    if name is not None or managers is not None or members is not None:
        ensure_admin(actor)
    else:
        ensure_can_change_team_owned(actor, team.pk)
    team = lock(team)
    changes: dict[str, Any] = dict(given)
    if name is not None and name != team.name:
        changes["name"] = name
    if changes:
        save_changes(instance=team, changes=changes, actor=actor)
    if members is not None:
        _set_members(actor=actor, team=team, members=list(members))
    if managers is not None:
        _set_managers(actor=actor, team=team, managers=list(managers))
    return team


@transaction.atomic
def user_password_link(*, actor: User, user: User) -> tuple[str, str]:
    """A one-time set-password link for ``user`` (its ``uidb64`` and ``token``), for an admin to pass on.

    The user's current password stops working, so only the newest link works; the link works once
    (setting a password changes what the token was made from) and for ``PASSWORD_RESET_TIMEOUT``."""
    ensure_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError({"is_active": [_("This user is inactive: activate them first.")]})
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(actor=actor, instance=user, action="update", changes={"password": ["", "set-password link"]})
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


# --- Sign-in throttling (django-axes, ADR 0028) ----------------------------------------------------


def signin_failures(user: User) -> int:
    """Failed sign-ins counted against ``user``'s username now (from any address): at
    ``AXES_FAILURE_LIMIT`` their sign-in is locked."""
    attempts = AccessAttempt.objects.filter(username=user.username)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def signin_locked(user: User) -> bool:
    return signin_failures(user) >= settings.AXES_FAILURE_LIMIT


@transaction.atomic
def user_signin_unlock(*, actor: User, user: User) -> int:
    """Forget the failed sign-ins for ``user``'s username (an admin, when they are locked out); returns
    how many attempt records went. A lock of an address (many usernames failing from one network) is
    lifted with ``totonou axes_reset_ip``."""
    ensure_admin(actor)
    count = reset(username=user.username)
    if count:
        audit_record(actor=actor, instance=user, action="update", changes={"signin_lock": ["locked", ""]})
    return count


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw token is returned once and never stored."""
    if not user.is_active:
        raise ValidationError({"user": [_("This user is inactive.")]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=raw[:12], key_hash=_hash(raw))
    token.full_clean(exclude=["user"])
    token.save()
    audit_record(actor=user, instance=token, action="create", changes={"name": [None, name]})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if actor.pk != token.user_id:
        ensure_admin(actor)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        instance=token,
        action="update",
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a raw bearer token, or None. Touches ``last_used_at`` at most once a minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    from totonou.users.backends import TOKEN_ID_ATTRIBUTE, TOKEN_LAST_USED_ATTRIBUTE, TOKEN_USER

    user = TOKEN_USER.first(_hash(raw))
    if user is None:
        return None
    now = timezone.now()
    last_used_at = getattr(user, TOKEN_LAST_USED_ATTRIBUTE)
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=getattr(user, TOKEN_ID_ATTRIBUTE)).update(last_used_at=now)
    return user


# --- The personal calendar feed -----------------------------------------------------------------------


def calendar_feed_token(feed: CalendarFeed) -> str:
    """The feed's URL token: made from the stored nonce and the secret key (never stored itself)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"calendar-feed:{feed.nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


@transaction.atomic
def calendar_feed_rotate(*, actor: User, include_team: bool | None = None) -> tuple[CalendarFeed, str]:
    """Make the actor's feed URL, or a new one (the old stops working at once). Returns the feed and token."""
    if not is_signed_in(actor) or not actor.is_active:
        raise PermissionDenied(_("Sign in to subscribe to your calendar."))
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    created = feed is None
    if feed is None:
        feed = CalendarFeed(user=actor)
    feed.nonce = secrets.token_urlsafe(32)
    if include_team is not None:
        feed.include_team = include_team
    token = calendar_feed_token(feed)
    feed.key_hash = _hash(token)
    feed.save()
    audit_record(
        actor=actor,
        instance=feed,
        action="create" if created else "update",
        changes={"token": ["…", "…"], "include_team": [None, feed.include_team]},
    )
    return feed, token


@transaction.atomic
def calendar_feed_update(*, actor: User, include_team: bool) -> CalendarFeed:
    feed = CalendarFeed.objects.select_for_update().get(user=actor)
    if feed.include_team != include_team:
        audit_record(
            actor=actor,
            instance=feed,
            action="update",
            changes={"include_team": [feed.include_team, include_team]},
        )
        feed.include_team = include_team
        feed.save(update_fields=["include_team"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> bool:
    """Delete the actor's feed (its URL answers 404 from now on). Whether there was one."""
    feed = CalendarFeed.objects.filter(user=actor).first()
    if feed is None:
        return False
    audit_record(actor=actor, instance=feed, action="delete")
    feed.delete()
    return True


#: The settings page's read of the reader's feed (one per user), compiled once per connection.
_OWN_CALENDAR_FEED = CompiledQuery(lambda user_id: CalendarFeed.objects.filter(user=user_id))


def calendar_feed_read(*, actor: User) -> tuple[CalendarFeed | None, str]:
    """The actor's feed and its token ("" when there is none). When the secret key changed, the token
    is made anew from the nonce and the stored hash follows it."""
    feed = _OWN_CALENDAR_FEED.first(actor.pk)
    if feed is None:
        return None, ""
    token = calendar_feed_token(feed)
    if _hash(token) != feed.key_hash:
        CalendarFeed.objects.filter(pk=feed.pk).update(key_hash=_hash(token))
    return feed, token


def calendar_feed_authenticate(raw: str) -> CalendarFeed | None:
    """The feed behind a URL token (of an active user), or None. Touches ``last_used_at`` at most hourly."""
    if not raw or len(raw) > 100:
        return None
    # ``[:1]``, not ``first()``: the hash is unique, and ordering by the key cost the poll ~0.4 ms.
    feed = next(
        iter(
            CalendarFeed.objects.select_related("user").filter(key_hash=_hash(raw), user__is_active=True)[:1]
        ),
        None,
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 3600:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed
