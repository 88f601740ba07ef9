"""``StageChange.deal_owner_id`` is kept by the database from the deal's owner, whatever writes the rows
(migration 0014 of ``deals``): the services, plain ORM inserts like the seed writer's, a deal handed to
another owner (one at a time or in a bulk reassign), and a change moved or written wrongly. The funnel's
read narrowed by owner through it gives exactly the entries of the read without it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory
from totonou.deals import history
from totonou.deals.models import Deal, Stage, StageChange
from totonou.deals.services import deal_change_stage, deal_create, deal_update
from totonou.portfolio.services import customers_reassign


def owners_of(*deals: Deal) -> dict[int, set[int | None]]:
    """Per deal, the owners its changes hold (as stored)."""
    found: dict[int, set[int | None]] = {deal.pk: set() for deal in deals}
    for deal_id, owner_id in StageChange.objects.filter(deal__in=deals).values_list(
        "deal_id", "deal_owner_id"
    ):
        found[deal_id].add(owner_id)
    return found


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def test_the_services_changes_take_the_deal_owner(team_a):
    _, manager, (rep1, rep2) = team_a
    deal = deal_create(actor=manager, customer=CustomerFactory(owner=rep1), title="A", owner=rep1)
    deal = deal_change_stage(actor=manager, deal=deal, stage=stage("proposal"))
    other = deal_create(actor=rep2, customer=CustomerFactory(owner=rep2), title="B")
    assert StageChange.objects.filter(deal=deal).count() == 2
    assert owners_of(deal, other) == {deal.pk: {rep1.pk}, other.pk: {rep2.pk}}


def test_plain_inserts_take_the_deal_owner(team_a):
    _, _, (rep1, rep2) = team_a
    first, second = DealFactory(owner=rep1), DealFactory(owner=rep2)
    now = timezone.now()
    StageChange.objects.bulk_create(
        [
            StageChange(deal=first, to_stage=stage("lead"), changed_at=now),
            StageChange(deal=second, to_stage=stage("lead"), changed_at=now),
            StageChange(deal=second, to_stage=stage("qualified"), changed_at=now, deal_owner_id=rep1.pk),
        ]
    )
    assert owners_of(first, second) == {first.pk: {rep1.pk}, second.pk: {rep2.pk}}


def test_a_deal_handed_over_takes_its_changes_and_no_others(team_a):
    _, manager, (rep1, rep2) = team_a
    deal = deal_create(actor=manager, customer=CustomerFactory(owner=rep1), title="A", owner=rep1)
    deal = deal_change_stage(actor=manager, deal=deal, stage=stage("qualified"))
    stays = deal_create(actor=manager, customer=CustomerFactory(owner=rep1), title="B", owner=rep1)
    deal_update(actor=manager, deal=deal, owner=rep2)
    assert owners_of(deal, stays) == {deal.pk: {rep2.pk}, stays.pk: {rep1.pk}}
    # a plain UPDATE of the owner (an import, SQL) as well
    Deal.objects.filter(pk=stays.pk).update(owner=rep2)
    assert owners_of(deal, stays) == {deal.pk: {rep2.pk}, stays.pk: {rep2.pk}}


def test_a_bulk_reassign_moves_the_open_deals_changes(team_a):
    _, manager, (rep1, rep2) = team_a
    customer = CustomerFactory(owner=rep1)
    deals = [deal_create(actor=manager, customer=customer, title=f"D{n}", owner=rep1) for n in range(3)]
    kept = deal_create(actor=manager, customer=CustomerFactory(owner=rep1), title="Kept", owner=rep1)
    customers_reassign(actor=manager, from_owner=rep1, to_owner=rep2, customers=[customer])
    assert owners_of(*deals, kept) == {**{deal.pk: {rep2.pk} for deal in deals}, kept.pk: {rep1.pk}}


def test_a_change_moved_or_written_wrongly_is_corrected(team_a):
    _, _, (rep1, rep2) = team_a
    first, second = DealFactory(owner=rep1), DealFactory(owner=rep2)
    change = StageChange.objects.create(deal=first, to_stage=stage("lead"), changed_at=timezone.now())
    StageChange.objects.filter(pk=change.pk).update(deal_owner_id=rep2.pk)
    assert owners_of(first) == {first.pk: {rep1.pk}}
    StageChange.objects.filter(pk=change.pk).update(deal=second)
    assert owners_of(second) == {second.pk: {rep2.pk}}


@pytest.mark.parametrize("by_owner", [True, False])
def test_the_funnel_read_by_owner_equals_the_read_by_deal(team_a, team_b, by_owner):
    """A history of two teams' deals (skips, a move back, a loss, a reopening, changes before the period,
    two changes at the same moment, an archived deal) read for team A's members, for one rep, for an owner
    list that holds none of the deals, and for fewer deals than the owners hold (the deals decide)."""
    _, manager_a, reps_a = team_a
    _, manager_b, reps_b = team_b
    start = timezone.now() - datetime.timedelta(days=30)
    end = timezone.now() + datetime.timedelta(days=1)
    paths = [
        ["lead", "qualified", "proposal", "won"],
        ["lead", "proposal", "qualified", "lost"],
        ["qualified", "negotiation", "lost", "negotiation"],
        ["lead"],
    ]
    for index, owner in enumerate([*reps_a, *reps_b, manager_a]):
        for path in paths:
            deal = DealFactory(owner=owner, stage=stage(path[0]))
            at = start - datetime.timedelta(days=2) + datetime.timedelta(hours=index)
            StageChange.objects.create(deal=deal, to_stage=stage(path[0]), changed_at=at)
            for step, slug in enumerate(path[1:], start=1):
                StageChange.objects.create(
                    deal=deal, to_stage=stage(slug), changed_at=at + datetime.timedelta(days=3 * step)
                )
    # Two changes at one moment (the later id is the later change): proposal, then back to qualified.
    tied = DealFactory(owner=reps_a[0], stage=stage("qualified"))
    moment = start + datetime.timedelta(days=5)
    for slug in ("lead", "proposal", "qualified"):
        StageChange.objects.create(deal=tied, to_stage=stage(slug), changed_at=moment)
    # An archived deal counts nowhere.
    archived = DealFactory(owner=reps_a[0], stage=stage("lead"), archived_at=timezone.now())
    StageChange.objects.create(deal=archived, to_stage=stage("lead"), changed_at=moment)
    stage_ids = [s.pk for s in Stage.objects.filter(kind=Stage.Kind.OPEN)]
    team = [manager_a.pk, *(rep.pk for rep in reps_a)]
    for owners in (team, [reps_a[0].pk], [manager_b.pk]):
        deals = Deal.objects.filter(owner_id__in=owners)
        plain = sorted(history.stage_entry_outcomes(deals, start, end, stage_ids, by_owner=False), key=repr)
        narrowed = sorted(
            history.stage_entry_outcomes(deals, start, end, stage_ids, owners=owners, by_owner=by_owner),
            key=repr,
        )
        assert narrowed == plain
    some = Deal.objects.filter(owner_id__in=team, stage__slug="qualified")  # each deal's stage: its first
    plain = sorted(history.stage_entry_outcomes(some, start, end, stage_ids, by_owner=False), key=repr)
    narrowed = history.stage_entry_outcomes(some, start, end, stage_ids, owners=team, by_owner=by_owner)
    assert sorted(narrowed, key=repr) == plain
    # the third path's last entry of negotiation per member; the tied deal's three
    assert len(plain) == 3 * 1 + 3
    everyone = sorted(
        history.stage_entry_outcomes(Deal.objects.filter(owner_id__in=team), start, end, stage_ids), key=repr
    )
    # three members: per member 2 + 2 + 1 (the last entry of a stage) + 0; the tied deal's three
    assert len(everyone) == 3 * 5 + 3
    proposal, qualified = stage("proposal").pk, stage("qualified").pk
    lead = stage("lead").pk
    assert sorted(
        history.stage_entry_outcomes(Deal.objects.filter(pk=tied.pk), start, end, stage_ids), key=repr
    ) == sorted([(lead, proposal, 0.0), (proposal, qualified, 0.0), (qualified, None, None)], key=repr)
    assert sorted(history.stage_entry_outcomes(Deal.objects.none(), start, end, stage_ids, owners=[])) == []
