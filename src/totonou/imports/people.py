"""The people kinds of an import: users (administrators only) and targets (managers for their teams,
administrators for all). Like the record kinds, every row goes through the domain services
(``user_create`` / ``user_update``, ``target_create`` / ``target_update``), so the same permissions and
validation apply as in the settings and target pages.

Users are matched by external id, else by username; a new user gets no password (an unusable one) and
signs in after an administrator sends them a set-password link (Settings → Users). A file with a password
column is refused before any row is read (``engine.prepare``). Targets are matched by owner (a rep by
username, email or display name; a team by name), metric and fiscal period."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from totonou.imports.engine import CREATE, UNCHANGED, UPDATE, Importer, RowError, _changes, _choice
from totonou.imports.parsing import ValueError_, fold, parse_amount
from totonou.imports.reading import cell_text
from totonou.targets.models import Metric, Target
from totonou.targets.periods import parse_period
from totonou.targets.services import target_create, target_update
from totonou.users.models import User
from totonou.users.permissions import ensure_admin
from totonou.users.services import user_create, user_update

LANGUAGES = {"ja": "ja", "日本語": "ja", "japanese": "ja", "en": "en", "english": "en", "英語": "en"}


def _language(text: str) -> str:
    found = LANGUAGES.get(fold(text))
    if found is None:
        raise RowError(_("“%(value)s” is not a language (ja or en).") % {"value": text})
    return found


# What people write in a role column besides the role's own names (rep / 営業 …, see User.Role)
ROLES = {
    "営業担当": User.Role.REP,
    "営業": User.Role.REP,
    "担当者": User.Role.REP,
    "一般": User.Role.REP,
    "sales": User.Role.REP,
    "マネージャー": User.Role.MANAGER,
    "マネジャー": User.Role.MANAGER,
    "管理職": User.Role.MANAGER,
    "上長": User.Role.MANAGER,
    "管理者": User.Role.ADMIN,
    "システム管理者": User.Role.ADMIN,
    "administrator": User.Role.ADMIN,
}


def _role(text: str) -> str:
    found = ROLES.get(fold(text))
    return str(found) if found is not None else _choice(text, User.Role)


def user_row(importer: Importer, cleaned: dict[str, Any]) -> tuple[str, str]:
    ensure_admin(importer.actor)
    username = cell_text(cleaned["username"])
    fields: dict[str, Any] = {}
    for name in ("external_id", "email", "display_name", "time_zone"):
        if name in cleaned:
            fields[name] = cell_text(cleaned[name])
    if "language" in cleaned:
        fields["language"] = _language(cell_text(cleaned["language"]))
    if "team" in cleaned:
        fields["team"] = importer.resolve.team(cell_text(cleaned["team"]))
    role = _role(cell_text(cleaned["role"])) if "role" in cleaned else None
    existing = None
    if fields.get("external_id"):
        existing = User.objects.filter(external_id=fields["external_id"]).first()
        if existing is not None and existing.username.casefold() != username.casefold():
            raise RowError(
                _(
                    "The external id “%(value)s” belongs to the user “%(username)s”; an import does not "
                    "change usernames."
                )
                % {"value": existing.external_id, "username": existing.username}
            )
    if existing is None:
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None and existing.external_id and fields.get("external_id"):
            raise RowError(
                _("The user “%(username)s” already has the external id “%(value)s”.")
                % {"username": existing.username, "value": existing.external_id}
            )
    if existing is None:
        user_create(actor=importer.actor, username=username, role=role or User.Role.REP, **fields)
        return CREATE, username
    if role is not None:
        fields["role"] = role
    changes = _changes(existing, fields)
    if not changes:
        return UNCHANGED, username
    user_update(actor=importer.actor, user=existing, **changes)
    return UPDATE, username


def target_row(importer: Importer, cleaned: dict[str, Any]) -> tuple[str, str]:
    user = importer.resolve.owner(cell_text(cleaned["user"])) if "user" in cleaned else None
    team = importer.resolve.team(cell_text(cleaned["team"])) if "team" in cleaned else None
    if (user is None) == (team is None):
        raise RowError(_("Give either a rep (user) or a team for a target, not both."))
    metric = _choice(cell_text(cleaned["metric"]), Metric)
    try:
        period = parse_period(cell_text(cleaned["period"])).key
    except DjangoValidationError as error:
        raise RowError(" ".join(error.messages)) from None
    try:
        value = parse_amount(cleaned["value"])
    except ValueError_ as error:
        raise RowError(str(error)) from None
    owner = user.username if user is not None else team.name  # type: ignore[union-attr]
    key = f"{owner} {metric} {period}"
    existing = Target.objects.filter(metric=metric, period=period)
    existing = existing.filter(user=user) if user is not None else existing.filter(team=team)
    target = existing.first()
    if target is None:
        target_create(actor=importer.actor, user=user, team=team, metric=metric, period=period, value=value)
        return CREATE, key
    if target.value == value:
        return UNCHANGED, key
    target_update(actor=importer.actor, target=target, value=value)
    return UPDATE, key
