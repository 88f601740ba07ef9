"""ADR 0043: a deal is open exactly when it has no close. The services set ``closed_at`` when a deal
enters a won or lost stage (now, or the close date an admin or an import gives) and clear it when it is
reopened, and a stage's kind cannot change once deals have been in it; the deal list's "open" filter
(``DealFilter.kind``) reads the close alone, through its partial indexes. Here the two definitions agree
through every write that moves a deal, on both databases."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import CustomerFactory
from totonou.core.exceptions import ValidationError
from totonou.deals.filters import DealFilter
from totonou.deals.models import Deal, LossReason, Stage
from totonou.deals.selectors import deal_list, deal_totals
from totonou.deals.services import (
    deal_archive,
    deal_change_stage,
    deal_create,
    deal_restore,
    deal_update,
    stage_create,
    stage_update,
)

pytestmark = pytest.mark.django_db


def _stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def _agree(viewer: object, *, expected_open: set[int]) -> None:
    by_stage = set(
        Deal.objects.filter(stage__kind="open", archived_at__isnull=True).values_list("pk", flat=True)
    )
    by_close = set(
        Deal.objects.filter(closed_at__isnull=True, archived_at__isnull=True).values_list("pk", flat=True)
    )
    listed = set(deal_list(user=viewer, filters=DealFilter(kind="open")).values_list("pk", flat=True))
    assert by_stage == by_close == listed == expected_open
    totals = deal_totals(user=viewer, filters=DealFilter(kind="open"))
    assert totals.count == len(expected_open)
    for kind in ("won", "lost"):
        closed = set(deal_list(user=viewer, filters=DealFilter(kind=kind)).values_list("pk", flat=True))
        assert closed == set(
            Deal.objects.filter(stage__kind=kind, archived_at__isnull=True).values_list("pk", flat=True)
        )
        assert all(deal.closed_at is not None for deal in Deal.objects.filter(pk__in=closed))


def test_the_open_deals_are_the_deals_without_a_close_through_every_write(team_a, admin_user):
    _team, manager, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    price = LossReason.objects.get(slug="price")
    a = deal_create(actor=rep, customer=customer, title="A", amount=100)
    b = deal_create(actor=rep, customer=customer, title="B", amount=200, stage=_stage("proposal"))
    c = deal_create(
        actor=admin_user, customer=customer, owner=rep, title="C (won, dated back)", amount=300,
        stage=_stage("won"), closed_on=datetime.date(2026, 4, 1), imported=True,
    )  # fmt: skip
    _agree(manager, expected_open={a.pk, b.pk})
    a = deal_change_stage(actor=rep, deal=a, stage=_stage("won"))
    b = deal_change_stage(actor=manager, deal=b, stage=_stage("lost"), loss_reason=price, loss_note="高い")
    assert a.closed_at is not None and b.closed_at is not None
    _agree(manager, expected_open=set())
    a = deal_change_stage(actor=manager, deal=a, stage=_stage("proposal"))  # reopened
    c = deal_update(actor=admin_user, deal=c, stage=_stage("lead"))  # reopened by an edit
    assert a.closed_at is None and c.closed_at is None
    _agree(manager, expected_open={a.pk, c.pk})
    b = deal_update(actor=manager, deal=b, stage=_stage("won"))  # lost -> won: closed still
    assert b.closed_at is not None
    _agree(manager, expected_open={a.pk, c.pk})
    deal_archive(actor=rep, deal=a)
    _agree(manager, expected_open={c.pk})
    deal_restore(actor=rep, deal=Deal.objects.get(pk=a.pk))
    _agree(manager, expected_open={a.pk, c.pk})
    # A new stage of any kind; an open stage that has had deals keeps its kind.
    negotiation = stage_create(
        actor=admin_user, name_ja="交渉", name_en="Negotiation", order=35, probability=70
    )
    d = deal_create(actor=rep, customer=customer, title="D", amount=400, stage=negotiation)
    _agree(manager, expected_open={a.pk, c.pk, d.pk})
    with pytest.raises(ValidationError):
        stage_update(actor=admin_user, stage=negotiation, kind=Stage.Kind.WON)
    assert Stage.objects.get(pk=negotiation.pk).kind == Stage.Kind.OPEN
    _agree(manager, expected_open={a.pk, c.pk, d.pk})
    # A stage that never had deals may change its kind: nothing closes or opens with it.
    spare = stage_create(actor=admin_user, name_ja="予備", name_en="Spare", order=36, probability=10)
    stage_update(actor=admin_user, stage=spare, kind=Stage.Kind.LOST)
    _agree(manager, expected_open={a.pk, c.pk, d.pk})


def test_the_open_filter_keeps_the_other_filters(team_a):
    _team, manager, (rep, other) = team_a
    mine = deal_create(actor=rep, customer=CustomerFactory(owner=rep), title="Mine", amount=1)
    theirs = deal_create(actor=other, customer=CustomerFactory(owner=other), title="Theirs", amount=2)
    deal_change_stage(actor=other, deal=theirs, stage=_stage("won"))
    listed = deal_list(user=manager, filters=DealFilter(kind="open", owner=rep.pk))
    assert list(listed.values_list("pk", flat=True)) == [mine.pk]
    assert not deal_list(user=manager, filters=DealFilter(kind="open", owner=other.pk)).exists()
    archived = deal_archive(actor=rep, deal=mine)
    assert not deal_list(user=manager, filters=DealFilter(kind="open")).exists()
    assert list(
        deal_list(user=manager, filters=DealFilter(kind="open", archived=True)).values_list("pk", flat=True)
    ) == [archived.pk]
