"""Strategy services: managers and admins only, cleaned, audited; nothing is written when refused."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import SegmentFactory
from totonou.core.exceptions import ConflictError, PermissionDenied, ValidationError
from totonou.core.models import AuditEntry
from totonou.strategy.models import Strategy
from totonou.strategy.services import strategy_create, strategy_delete, strategy_update

pytestmark = pytest.mark.django_db

APRIL = {"starts_on": datetime.date(2026, 4, 1), "ends_on": datetime.date(2026, 6, 30)}


def create(actor, **fields):
    values = {
        "name": "スーパーのバイヤー",
        "hypothesis": "食品スーパーのバイヤーに会えば受注が増える",
        "target_share": 40,
        "segments": [SegmentFactory(name="食品スーパー")],
        **APRIL,
    }
    return strategy_create(actor=actor, **{**values, **fields})


def audit(strategy):
    return list(
        AuditEntry.objects.filter(content_type__model="strategy", object_id=strategy.pk)
        .order_by("id")
        .values_list("action", "changes")
    )


def test_a_manager_creates_one(team_a):
    _, manager, _ = team_a
    strategy = create(manager, title_keywords=[" バイヤー ", "バイヤー", "チーフ"])
    assert (strategy.created_by, strategy.version, strategy.title_keywords) == (
        manager,
        1,
        ["バイヤー", "チーフ"],
    )
    assert [segment.name for segment in strategy.segments.all()] == ["食品スーパー"]
    [(action, changes)] = audit(strategy)
    assert action == "create"
    assert changes["name"] == "スーパーのバイヤー"
    assert changes["segments"] == [strategy.segments.get().pk]
    assert changes["starts_on"] == "2026-04-01"


def test_an_admin_may_too(admin_user):
    assert create(admin_user).created_by == admin_user


def test_a_rep_may_not(team_a):
    _, _, (rep, _) = team_a
    with pytest.raises(PermissionDenied):
        create(rep)
    assert Strategy.objects.count() == AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": ""}, {"name"}),
        ({"hypothesis": ""}, {"hypothesis"}),
        ({"target_share": 0}, {"target_share"}),
        ({"target_share": 101}, {"target_share"}),
        ({"ends_on": datetime.date(2026, 3, 31)}, {"ends_on"}),
        ({"segments": []}, {"segments"}),
        ({"title_keywords": ["ok", " "]}, {"title_keywords"}),
        ({"title_keywords": ["x" * 51]}, {"title_keywords"}),
        ({"title_keywords": [str(index) for index in range(21)]}, {"title_keywords"}),
        ({"name": "", "segments": []}, {"name", "segments"}),
    ],
)
def test_invalid_strategies_are_refused(team_a, fields, errors):
    _, manager, _ = team_a
    with pytest.raises(ValidationError) as error:
        create(manager, **fields)
    assert set(error.value.message_dict) == errors
    assert Strategy.objects.count() == AuditEntry.objects.count() == 0


def test_update_changes_fields_and_segments_with_versions(team_a):
    _, manager, _ = team_a
    strategy = create(manager)
    drugstores = SegmentFactory(name="ドラッグストア")
    strategy = strategy_update(
        actor=manager, strategy=strategy, version=1, target_share=60, title_keywords=["店長"]
    )
    assert (strategy.target_share, strategy.title_keywords, strategy.version) == (60, ["店長"], 2)
    strategy = strategy_update(actor=manager, strategy=strategy, version=2, segments=[drugstores])
    assert [segment.name for segment in strategy.segments.all()] == ["ドラッグストア"]
    assert strategy.version == 3
    assert [action for action, _changes in audit(strategy)] == ["create", "update", "update"]
    assert audit(strategy)[1][1] == {"target_share": [40, 60], "title_keywords": [[], ["店長"]]}
    with pytest.raises(ConflictError):
        strategy_update(actor=manager, strategy=strategy, version=1, name="古い版")
    unchanged = strategy_update(actor=manager, strategy=strategy, segments=[drugstores])
    assert unchanged.version == 3 and len(audit(strategy)) == 3


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"ends_on": datetime.date(2026, 1, 1)}, {"ends_on"}),
        ({"segments": []}, {"segments"}),
        ({"target_share": 0}, {"target_share"}),
        ({"created_by": None}, {"created_by"}),
    ],
)
def test_invalid_updates_are_refused(team_a, changes, errors):
    _, manager, _ = team_a
    strategy = create(manager)
    with pytest.raises(ValidationError) as error:
        strategy_update(actor=manager, strategy=strategy, **changes)
    assert set(error.value.message_dict) == errors
    strategy.refresh_from_db()
    assert (strategy.version, strategy.target_share, len(audit(strategy))) == (1, 40, 1)


def test_only_managers_and_admins_update_and_delete(team_a, admin_user):
    _, manager, (rep, _) = team_a
    strategy = create(manager)
    with pytest.raises(PermissionDenied):
        strategy_update(actor=rep, strategy=strategy, name="x")
    with pytest.raises(PermissionDenied):
        strategy_delete(actor=rep, strategy=strategy)
    assert Strategy.objects.get().name == "スーパーのバイヤー"
    strategy_delete(actor=admin_user, strategy=strategy)
    assert Strategy.objects.count() == 0
    assert [action for action, _changes in audit(strategy)] == ["create", "delete"]
