"""Writes for targets: managers for their teams and members, admins for all; atomic, cleaned, audited.

Besides one target at a time (``target_create``, ``target_update``, ``target_delete``), a manager saves a
whole grid at once (``targets_save``: set, change or clear many month figures in one transaction), and
the pure helpers ``spread_evenly`` and ``spread_by_weights`` split a yearly or quarterly figure over
its months.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ConflictError, ValidationError
from totonou.core.services import check_version, lock, save_changes
from totonou.targets.models import Metric, Target
from totonou.targets.periods import parse_period
from totonou.users.models import Team, User
from totonou.users.permissions import ensure_can_set_targets

TARGET_FIELDS = {"value"}
MAX_VALUE = 10**15  # a quadrillion yen: anything above is a typing mistake


def _check_value(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({"value": [_("Give a whole number.")]})
    if value < 0:
        raise ValidationError({"value": [_("A target cannot be negative.")]})
    if value > MAX_VALUE:
        raise ValidationError({"value": [_("This target is too large.")]})
    return value


def _period_key(period: str) -> str:
    try:
        return parse_period(period).key
    except DjangoValidationError as error:
        raise ValidationError({"period": error.messages}) from None


def _check_metric(metric: str) -> None:
    if metric not in Metric.values:
        raise ValidationError(
            {"metric": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Metric.values)}]}
        )


def _duplicate(*, user: User | None, team: Team | None, metric: str, period: str) -> None:
    existing = Target.objects.filter(metric=metric, period=period)
    existing = existing.filter(user=user) if user is not None else existing.filter(team=team)
    if existing.exists():
        raise ConflictError(
            _("There is already a target for %(owner)s, %(metric)s, %(period)s: change that one instead.")
            % {"owner": user or team, "metric": Metric(metric).label, "period": period}
        )


@transaction.atomic
def target_create(
    *,
    actor: User,
    metric: str,
    period: str,
    value: int,
    user: User | None = None,
    team: Team | None = None,
) -> Target:
    """A new target for a rep (``user``) or a team; 409 when that owner already has one for the metric
    and period."""
    if (user is None) == (team is None):
        raise ValidationError({"__all__": [_("Give either a rep or a team.")]})
    ensure_can_set_targets(
        actor, owner_id=user.pk if user is not None else None, team_id=team.pk if team is not None else None
    )
    _check_metric(metric)
    key = _period_key(period)
    value = _check_value(value)
    _duplicate(user=user, team=team, metric=metric, period=key)
    target = Target(user=user, team=team, metric=metric, period=key, value=value, created_by=actor)
    target.full_clean(validate_constraints=False)
    target.save()
    audit_record(
        actor=actor,
        instance=target,
        action="create",
        changes=snapshot(target, ["user", "team", "metric", "period", "value"]),
    )
    return target


@transaction.atomic
def target_update(*, actor: User, target: Target, value: int, version: int | None = None) -> Target:
    """A new figure for the target; ``version`` (optional) is the version read (409 when stale)."""
    ensure_can_set_targets(actor, owner_id=target.user_id, team_id=target.team_id)
    value = _check_value(value)
    target = lock(target)
    check_version(target, version)
    save_changes(instance=target, changes={"value": value}, actor=actor, validate_constraints=False)
    return target


@transaction.atomic
def target_delete(*, actor: User, target: Target) -> None:
    ensure_can_set_targets(actor, owner_id=target.user_id, team_id=target.team_id)
    target = lock(target)
    audit_record(actor=actor, instance=target, action="delete")
    target.delete()


@dataclass(frozen=True)
class TargetCell:
    """One figure of a grid: a rep's (``user``) or a team's, for a period; ``value`` None clears it."""

    period: str
    value: int | None
    user: User | None = None
    team: Team | None = None


@dataclass(frozen=True)
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0


@transaction.atomic
def targets_save(*, actor: User, metric: str, cells: Iterable[TargetCell]) -> SaveResult:
    """Set, change or clear many targets of one metric at once (a manager's grid): every cell is checked
    (permission, period, value) before anything is written, so a refused grid changes nothing."""
    _check_metric(metric)
    cells = list(cells)
    errors: dict[str, list[str]] = {}
    keyed: dict[tuple[str, int, str], TargetCell] = {}
    for cell in cells:
        if (cell.user is None) == (cell.team is None):
            raise ValidationError({"__all__": [_("Give either a rep or a team.")]})
        ensure_can_set_targets(
            actor,
            owner_id=cell.user.pk if cell.user is not None else None,
            team_id=cell.team.pk if cell.team is not None else None,
        )
        key = _period_key(cell.period)
        if cell.value is not None:
            try:
                _check_value(cell.value)
            except ValidationError as error:
                errors.setdefault(key, []).extend(error.message_dict["value"])
        owner = ("user", cell.user.pk) if cell.user is not None else ("team", cell.team.pk)  # type: ignore[union-attr]
        keyed[(owner[0], owner[1], key)] = cell
    if errors:
        raise ValidationError(errors)
    user_ids = {owner_id for kind, owner_id, _key in keyed if kind == "user"}
    team_ids = {owner_id for kind, owner_id, _key in keyed if kind == "team"}
    periods = {key for _kind, _owner, key in keyed}
    existing = {
        ("user" if target.user_id else "team", target.user_id or target.team_id, target.period): target
        for target in Target.objects.select_for_update()
        .filter(metric=metric, period__in=periods)
        .filter(user_id__in=user_ids)
    }
    existing.update(
        {
            ("team", target.team_id, target.period): target
            for target in Target.objects.select_for_update().filter(
                metric=metric, period__in=periods, team_id__in=team_ids
            )
        }
    )
    created = updated = deleted = 0
    for (kind, owner_id, key), cell in keyed.items():
        target = existing.get((kind, owner_id, key))
        if cell.value is None:
            if target is not None:
                audit_record(actor=actor, instance=target, action="delete")
                target.delete()
                deleted += 1
        elif target is None:
            target = Target(
                user=cell.user, team=cell.team, metric=metric, period=key, value=cell.value, created_by=actor
            )
            target.save()
            audit_record(
                actor=actor,
                instance=target,
                action="create",
                changes=snapshot(target, ["user", "team", "metric", "period", "value"]),
            )
            created += 1
        elif target.value != cell.value:
            save_changes(
                instance=target, changes={"value": cell.value}, actor=actor, validate_constraints=False
            )
            updated += 1
    return SaveResult(created, updated, deleted)


def spread_evenly(total: int, count: int) -> list[int]:
    """``total`` in ``count`` whole parts that differ by at most one and add up to ``total`` exactly; the
    first parts take the remainder (12,000,000 over 12 months: 1,000,000 each; 100 over 3: 34, 33, 33)."""
    base, remainder = divmod(total, count)
    return [base + (1 if index < remainder else 0) for index in range(count)]


def spread_by_weights(total: int, weights: Sequence[int | float]) -> list[int]:
    """``total`` in whole parts proportional to ``weights`` (last year's actuals), adding up to
    ``total`` exactly (largest remainders get the rest); evenly when every weight is zero."""
    whole = sum(max(0, weight) for weight in weights)
    if whole <= 0:
        return spread_evenly(total, len(weights))
    exact = [total * max(0, weight) / whole for weight in weights]
    parts = [int(value) for value in exact]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] - parts[index]), index))
    for index in order[:rest]:
        parts[index] += 1
    return parts
