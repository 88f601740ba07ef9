"""Every "won" figure counts the same deals (``deals.history.won_q``): the targets' revenue and won
deals, the pipeline's win rate and forecast, the weekly report's figures, its history page and the
strategy alignment. Each had written "in a won stage with ``closed_at`` in the period" on its own, and
the targets, the reports and the strategy counted archived deals and deals without their closing stage
change, which the win rate leaves out.

One week of one rep: a deal won through the services (counts), a lost one, a won one that was archived
afterwards and a won row written around the services without its stage change (neither counts)."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest

from tests.factories import CustomerFactory, DealFactory, SegmentFactory
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.services import deal_archive, deal_change_stage, deal_create
from totonou.insights.filters import StrategyAlignmentFilter
from totonou.insights.selectors.attainment import attainment_for
from totonou.insights.selectors.strategy_alignment import strategy_alignment
from totonou.reports.history import report_history
from totonou.reports.selectors import week_summary
from totonou.strategy.models import Strategy
from totonou.targets.periods import month_period

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 4, 15, 12, tzinfo=JST)  # a Wednesday
WEEK = "2026-W16"  # 13–19 April 2026


@contextmanager
def clock() -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def week(team_a):
    _team, manager, (rep, _other) = team_a
    segment = SegmentFactory(name="食品スーパー")
    won, lost = Stage.objects.get(slug="won"), Stage.objects.get(slug="lost")
    reason = LossReason.objects.filter(is_active=True).order_by("pk").first()
    with clock():

        def made(title: str, amount: int) -> Deal:
            customer = CustomerFactory(owner=rep, segment=segment)
            return deal_create(actor=rep, customer=customer, title=title, amount=amount)

        counted = made("Won", 1_000_000)
        deal_change_stage(actor=rep, deal=counted, stage=won)
        deal_change_stage(actor=rep, deal=made("Lost", 7_000_000), stage=lost, loss_reason=reason)
        archived = made("Won, then archived", 2_000_000)
        deal_change_stage(actor=rep, deal=archived, stage=won)
        deal_archive(actor=manager, deal=Deal.objects.get(pk=archived.pk))
    around = DealFactory(
        owner=rep,
        customer=CustomerFactory(owner=rep, segment=segment),
        amount=3_000_000,
        stage=won,
        closed_at=NOW,
        closing_change=False,
    )
    strategy = Strategy.objects.create(
        name="スーパー",
        hypothesis="食品スーパーに会えば受注が増える",
        starts_on=datetime.date(2026, 4, 1),
        ends_on=datetime.date(2026, 4, 30),
        target_share=50,
    )
    strategy.segments.set([segment])
    return SimpleNamespace(
        rep=rep, manager=manager, counted=counted, archived=archived, around=around, strategy=strategy
    )


def test_the_history_the_figures_are_judged_on(week):
    assert Deal.objects.get(pk=week.archived.pk).archived_at is not None
    assert StageChange.objects.filter(deal=week.archived, to_stage__kind="won").count() == 1
    assert not StageChange.objects.filter(deal=week.around).exists()
    assert (
        Deal.objects.filter(stage__kind="won", closed_at__gte=NOW - datetime.timedelta(days=2)).count() == 3
    )


def test_every_won_figure_counts_only_the_deal_won_through_the_services(week, api):
    counted = week.counted
    with clock():
        cells = {cell.metric: cell for cell in attainment_for(week.rep, month_period(NOW.date()))}
        assert (cells["won_deals"].actual, cells["revenue"].actual) == (1, 1_000_000)

        rate = api(week.rep).get("/insights/win-rate", {"from": "2026-04-13", "to": "2026-04-19"}).json()
        assert (rate["total"]["won"], rate["total"]["lost"], rate["total"]["won_amount"]) == (1, 1, 1_000_000)
        forecast = api(week.rep).get("/insights/forecast", {"period": "2026-04"}).json()
        assert (forecast["won"], forecast["won_count"]) == (1_000_000, 1)
        listed = api(week.rep).get("/deals", {"closed_from": "2026-04-13", "closed_to": "2026-04-19"}).json()
        assert sorted(row["id"] for row in listed["results"]) == sorted([counted.pk, listed_lost_id(week)])

        summary = week_summary(author=week.rep, week=WEEK, now=NOW)
        assert summary.records["deals_won"] == [counted.pk]
        assert (summary.figures["deals_won"], summary.figures["won_amount"]) == (1, 1_000_000)

        history = report_history(author=week.rep, until=WEEK, now=NOW)
        assert history.weeks[0].figures["deals_won"] == 1
        assert history.weeks[0].figures["won_amount"] == 1_000_000

        alignment = strategy_alignment(
            user=week.manager,
            filters=StrategyAlignmentFilter(strategy=week.strategy.pk, owner=week.rep.pk),
            now=NOW,
        )
        this_week = alignment.members[0].weeks[-1]
        assert (this_week.won_amount_matching, this_week.won_amount_other) == (1_000_000, 0)


def listed_lost_id(week) -> int:
    return Deal.objects.get(owner=week.rep, title="Lost").pk
