"""Writes for strategies: a team's strategy by that team's managers and admins, a strategy for every
team like the shared reference data (``users.permissions.can_change_team_owned``); atomic, cleaned and
audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ValidationError
from totonou.core.services import check_version, lock, reject_unknown, save_changes
from totonou.customers.models import Segment
from totonou.strategy.models import Strategy
from totonou.users.models import Team, User
from totonou.users.permissions import ensure_can_change_team_owned

STRATEGY_FIELDS = {
    "name",
    "hypothesis",
    "starts_on",
    "ends_on",
    "team",
    "segments",
    "title_keywords",
    "target_share",
}


def _keywords(value: Any) -> Any:
    """Keywords trimmed and without repeats; anything that is not a list of texts is left for the
    model's validator to report. None (an empty admin field) means none."""
    if value is None:
        return []
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(dict.fromkeys(item.strip() for item in value))
    return value


def _check_segments(segments: list[Segment]) -> None:
    if not segments:
        raise ValidationError({"segments": [_("Choose at least one target segment.")]})


@transaction.atomic
def strategy_create(
    *,
    actor: User,
    name: str,
    hypothesis: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    target_share: int,
    segments: Iterable[Segment],
    title_keywords: Iterable[str] | None = (),
    team: Team | None = None,
) -> Strategy:
    """A new strategy: a hypothesis for a period, its target segments and (optionally) contact titles."""
    ensure_can_change_team_owned(actor, team.pk if team is not None else None)
    segments = list(segments)
    strategy = Strategy(
        name=name,
        hypothesis=hypothesis,
        starts_on=starts_on,
        ends_on=ends_on,
        target_share=target_share,
        title_keywords=_keywords(list(title_keywords or ())),
        team=team,
        created_by=actor,
    )
    errors: dict[str, list[str]] = {}
    try:
        strategy.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _check_segments(segments)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    strategy.save()
    strategy.segments.set(segments)
    audit_record(
        actor=actor,
        instance=strategy,
        action="create",
        changes={
            **snapshot(
                strategy,
                ["name", "hypothesis", "starts_on", "ends_on", "team", "title_keywords", "target_share"],
            ),
            "segments": sorted(segment.pk for segment in segments),
        },
    )
    return strategy


@transaction.atomic
def strategy_update(
    *, actor: User, strategy: Strategy, version: int | None = None, **changes: Any
) -> Strategy:
    """Change the given fields; ``version`` (optional) is the version read (409 when stale). Moving it to
    another team needs the right to change that team's strategies too."""
    strategy = lock(strategy)
    ensure_can_change_team_owned(actor, strategy.team_id)
    reject_unknown(changes, STRATEGY_FIELDS)
    if "team" in changes:
        new_team = changes["team"]
        ensure_can_change_team_owned(actor, new_team.pk if new_team is not None else None)
    check_version(strategy, version)
    segments = changes.pop("segments", None)
    if segments is not None:
        segments = list(segments)
        _check_segments(segments)
    if "title_keywords" in changes:
        changes["title_keywords"] = _keywords(changes["title_keywords"])
    changed = save_changes(instance=strategy, changes=changes, actor=actor)
    if segments is not None:
        before = sorted(strategy.segments.values_list("pk", flat=True))
        after = sorted(segment.pk for segment in segments)
        if before != after:
            strategy.segments.set(segments)
            if not changed:
                Strategy.objects.filter(pk=strategy.pk).update(
                    version=strategy.version + 1, updated_at=timezone.now()
                )
                strategy.version += 1
            audit_record(
                actor=actor, instance=strategy, action="update", changes={"segments": [before, after]}
            )
    return strategy


@transaction.atomic
def strategy_delete(*, actor: User, strategy: Strategy) -> None:
    strategy = lock(strategy)
    ensure_can_change_team_owned(actor, strategy.team_id)
    audit_record(actor=actor, instance=strategy, action="delete")
    strategy.delete()
