"""Deal service rules: stage changes write history; permissions; a deal keeps its customer's activities."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import ActivityFactory, CustomerFactory
from totonou.core.exceptions import ConflictError, PermissionDenied, ValidationError
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.services import deal_change_stage, deal_create, deal_delete, deal_update

pytestmark = pytest.mark.django_db


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def test_create_starts_in_the_first_open_stage_with_history(team_a):
    _, _, (rep, _) = team_a
    deal = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="PB商品 導入", amount=3_000_000)
    assert (deal.stage.slug, deal.owner, deal.closed_at) == ("lead", rep, None)
    history = list(
        StageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage__slug", "changed_by")
    )
    assert history == [(None, "lead", rep.pk)]


def test_stage_change_writes_history_and_closes_and_reopens(team_a):
    _, manager, (rep, _) = team_a
    deal = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="物流センター提案")
    entered = deal.stage_entered_at

    deal = deal_change_stage(actor=rep, deal=deal, stage=stage("proposal"))
    assert deal.stage_entered_at > entered and deal.closed_at is None
    deal = deal_change_stage(
        actor=manager, deal=deal, stage=stage("lost"), loss_reason=LossReason.objects.get(slug="price")
    )
    deal.refresh_from_db()
    assert deal.closed_at is not None and deal.loss_reason.slug == "price"
    # Reopening is for the owner's manager (issue 12), not the rep.
    with pytest.raises(PermissionDenied):
        deal_change_stage(actor=rep, deal=deal, stage=stage("negotiation"))
    deal = deal_change_stage(actor=manager, deal=deal, stage=stage("negotiation"))
    deal.refresh_from_db()
    assert (deal.closed_at, deal.loss_reason) == (None, None)

    history = list(
        StageChange.objects.filter(deal=deal)
        .order_by("changed_at", "id")
        .values_list("from_stage__slug", "to_stage__slug", "changed_by__username")
    )
    assert history == [
        (None, "lead", rep.username),
        ("lead", "proposal", rep.username),
        ("proposal", "lost", manager.username),
        ("lost", "negotiation", manager.username),
    ]


def test_the_same_stage_again_is_a_conflict_without_history(team_a):
    _, _, (rep, _) = team_a
    deal = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="x")
    with pytest.raises(ConflictError):
        deal_change_stage(actor=rep, deal=deal, stage=stage("lead"))
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_update_with_a_stage_goes_through_the_stage_change(team_a):
    _, _, (rep, _) = team_a
    deal = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="x")
    deal_update(actor=rep, deal=deal, stage=stage("won"), amount=5_000_000)
    deal.refresh_from_db()
    assert (deal.stage.slug, deal.amount) == ("won", 5_000_000)
    assert deal.closed_at is not None
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_negative_amount_is_rejected(team_a):
    _, _, (rep, _) = team_a
    with pytest.raises(ValidationError) as error:
        deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="x", amount=-1)
    assert "amount" in error.value.message_dict
    assert Deal.objects.count() == 0 and StageChange.objects.count() == 0


def test_a_deal_with_activities_keeps_its_customer(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    deal = deal_create(actor=rep, customer=customer, title="x")
    ActivityFactory(owner=rep, customer=customer, deal=deal)
    with pytest.raises(ValidationError) as error:
        deal_update(actor=rep, deal=deal, customer=CustomerFactory(owner=rep))
    assert list(error.value.message_dict) == ["customer"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(customer=CustomerFactory(owner=rep))
    deal.refresh_from_db()
    assert deal.customer == customer


def test_permissions(team_a, team_b, admin_user):
    _, manager, (rep1, rep2) = team_a
    _, other_manager, _ = team_b
    deal = deal_create(actor=rep1, customer=CustomerFactory(owner=rep1), title="x")
    for outsider in (rep2, other_manager):
        with pytest.raises(PermissionDenied):
            deal_change_stage(actor=outsider, deal=deal, stage=stage("won"))
        with pytest.raises(PermissionDenied):
            deal_update(actor=outsider, deal=deal, title="hijacked")
        with pytest.raises(PermissionDenied):
            deal_delete(actor=outsider, deal=deal)
    deal.refresh_from_db()
    assert (deal.title, deal.stage.slug, StageChange.objects.filter(deal=deal).count()) == ("x", "lead", 1)
    deal_update(actor=manager, deal=deal, title="by manager")
    deal_update(actor=admin_user, deal=deal, title="by admin")
    deal.refresh_from_db()
    assert deal.title == "by admin"


def test_delete_refuses_a_deal_with_activities(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    deal = deal_create(actor=rep, customer=customer, title="x")
    ActivityFactory(owner=rep, customer=customer, deal=deal)
    with pytest.raises(ConflictError):
        deal_delete(actor=rep, deal=deal)
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_an_import_may_backdate_a_close_and_nobody_may_close_in_the_future(team_a):
    import datetime

    from django.utils import timezone

    _, _, (rep, _) = team_a
    deal = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="Imported")
    day = timezone.localdate() - datetime.timedelta(days=30)
    with pytest.raises(ValidationError) as error:
        deal_change_stage(actor=rep, deal=deal, stage=stage("won"), closed_on=day)
    assert error.value.message_dict == {
        "closed_on": ["Only an administrator may give a close date in the past."]
    }
    deal = deal_change_stage(actor=rep, deal=deal, stage=stage("won"), closed_on=day, imported=True)
    deal.refresh_from_db()
    assert timezone.localtime(deal.closed_at).date() == day
    assert deal.stage_entered_at == deal.closed_at
    other = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="Future")
    with pytest.raises(ValidationError) as error:
        deal_change_stage(
            actor=rep,
            deal=other,
            stage=stage("won"),
            closed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert error.value.message_dict == {"closed_on": ["The close date cannot be in the future."]}
    assert StageChange.objects.filter(deal=other).count() == 1


def test_lost_needs_a_reason_and_only_lost_has_one(team_a):
    _, _, (rep, _) = team_a
    deal = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="x")
    with pytest.raises(ValidationError) as error:
        deal_change_stage(actor=rep, deal=deal, stage=stage("lost"))
    assert error.value.message_dict == {"loss_reason": ["Give the reason the deal was lost."]}
    with pytest.raises(ValidationError) as error:
        deal_change_stage(
            actor=rep, deal=deal, stage=stage("won"), loss_reason=LossReason.objects.get(slug="price")
        )
    assert error.value.message_dict == {"loss_reason": ["Only a lost deal has a loss reason."]}
    deal.refresh_from_db()
    assert (deal.stage.slug, deal.version) == ("lead", 1)
