"""Target services: spreading figures exactly, the grid saved whole or not at all, audited writes."""

from __future__ import annotations

import pytest

from totonou.core.exceptions import ConflictError, PermissionDenied, ValidationError
from totonou.core.models import AuditEntry
from totonou.targets.models import Target
from totonou.targets.services import (
    TargetCell,
    spread_by_weights,
    spread_evenly,
    target_create,
    target_update,
    targets_save,
)


def test_spread_evenly_keeps_the_whole_figure():
    assert spread_evenly(12_000_000, 12) == [1_000_000] * 12
    assert spread_evenly(100, 3) == [34, 33, 33]
    assert spread_evenly(5, 12) == [1] * 5 + [0] * 7
    assert sum(spread_evenly(12_000_005, 12)) == 12_000_005


def test_spread_by_weights_follows_last_year_and_keeps_the_whole_figure():
    assert spread_by_weights(800, [1_000_000, 3_000_000, 0]) == [200, 600, 0]
    assert spread_by_weights(100, [1, 1, 1]) == [34, 33, 33]
    assert spread_by_weights(10, [0, 0]) == [5, 5]
    parts = spread_by_weights(1_000_001, [3, 7, 11, 13])
    assert sum(parts) == 1_000_001
    assert parts == [88_235, 205_883, 323_530, 382_353]


def test_create_normalises_and_audits(team_a):
    _team, manager, (rep, _other) = team_a
    target = target_create(actor=manager, user=rep, metric="won_deals", period=" 2026-Q2 ", value=9)
    assert (target.period, target.value, target.created_by_id) == ("2026-Q2", 9, manager.pk)
    entry = AuditEntry.objects.get(object_id=target.pk, action="create")
    assert entry.changes["period"] == "2026-Q2" and entry.changes["value"] == 9


def test_duplicate_create_is_a_conflict(team_a):
    team, manager, _reps = team_a
    target_create(actor=manager, team=team, metric="revenue", period="FY2026", value=1)
    with pytest.raises(ConflictError):
        target_create(actor=manager, team=team, metric="revenue", period="FY2026", value=2)
    assert Target.objects.get().value == 1


def test_update_checks_the_version(team_a):
    _team, manager, (rep, _other) = team_a
    target = target_create(actor=manager, user=rep, metric="revenue", period="2026-04", value=1)
    target_update(actor=manager, target=target, value=5, version=1)
    with pytest.raises(ConflictError):
        target_update(actor=manager, target=target, value=7, version=1)
    assert Target.objects.get().value == 5


def test_a_grid_with_one_foreign_cell_writes_nothing(team_a, team_b):
    _team, manager, (rep, _other) = team_a
    outsider = team_b[2][0]
    cells = [TargetCell("2026-04", 10, user=rep), TargetCell("2026-04", 10, user=outsider)]
    with pytest.raises(PermissionDenied):
        targets_save(actor=manager, metric="revenue", cells=cells)
    assert Target.objects.count() == 0


def test_a_grid_with_a_bad_cell_writes_nothing(team_a):
    _team, manager, (rep, _other) = team_a
    Target.objects.create(user=rep, metric="revenue", period="2026-05", value=3)
    cells = [TargetCell("2026-04", 10, user=rep), TargetCell("2026-05", -1, user=rep)]
    with pytest.raises(ValidationError):
        targets_save(actor=manager, metric="revenue", cells=cells)
    with pytest.raises(ValidationError):
        targets_save(actor=manager, metric="revenue", cells=[TargetCell("2026-Q5", 1, user=rep)])
    assert list(Target.objects.values_list("period", "value")) == [("2026-05", 3)]


def test_grid_creates_changes_and_clears(team_a):
    team, manager, (rep, _other) = team_a
    Target.objects.create(user=rep, metric="revenue", period="2026-05", value=3)
    Target.objects.create(user=rep, metric="revenue", period="2026-06", value=4)
    result = targets_save(
        actor=manager,
        metric="revenue",
        cells=[
            TargetCell("2026-04", 10, user=rep),
            TargetCell("2026-05", 30, user=rep),
            TargetCell("2026-06", None, user=rep),
            TargetCell("2026-04", 99, team=team),
        ],
    )
    assert (result.created, result.updated, result.deleted) == (2, 1, 1)
    assert sorted(Target.objects.values_list("user_id", "team_id", "period", "value"), key=str) == sorted(
        [(rep.pk, None, "2026-04", 10), (rep.pk, None, "2026-05", 30), (None, team.pk, "2026-04", 99)],
        key=str,
    )
    assert AuditEntry.objects.filter(action="delete").count() == 1
