"""Strategy alignment (営業戦略・仮説): per member and week, the share of customer-facing activities (count
and hours) that match the strategy, on or off track, and deals from matching and other customers."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import large_statistics
from tests.factories import ContactFactory, CustomerFactory, DealFactory, SegmentFactory, UserFactory
from tests.insights.conftest import jst, make_activity
from totonou.deals.models import Deal, Stage
from totonou.insights.filters import StrategyAlignmentFilter
from totonou.insights.selectors.strategy_alignment import strategy_alignment
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

NOW = jst(2026, 4, 15, 12)


def deal(owner, customer, *, created, stage="lead", closed=None, amount=100):
    made = DealFactory(
        owner=owner, customer=customer, amount=amount, stage=Stage.objects.get(slug=stage), closed_at=closed
    )
    Deal.objects.filter(pk=made.pk).update(created_at=created)
    return made


@pytest.fixture
def world(team_a):
    team, manager, (rep1, rep2) = team_a
    supermarkets = SegmentFactory(name="食品スーパー")
    drugstores = SegmentFactory(name="ドラッグストア")
    s1 = CustomerFactory(owner=rep1, segment=supermarkets)
    s2 = CustomerFactory(owner=rep1, segment=supermarkets)
    d1 = CustomerFactory(owner=rep1, segment=drugstores)
    buyer = ContactFactory(customer=s1, title="バイヤー")
    store_manager = ContactFactory(customer=s1, title="店長")
    chief = ContactFactory(customer=s1, title="チーフバイヤー")
    ContactFactory(customer=s2, title="店長")
    drug_buyer = ContactFactory(customer=d1, title="バイヤー")
    strategy = Strategy.objects.create(
        name="スーパーのバイヤー",
        hypothesis="食品スーパーのバイヤーに会えば受注が増える",
        starts_on=datetime.date(2026, 4, 8),
        ends_on=datetime.date(2026, 4, 30),
        target_share=50,
        title_keywords=["バイヤー"],
    )
    strategy.segments.set([supermarkets])

    def act(day, customer, contacts=(), owner=rep1, **fields):
        return make_activity(
            owner=owner, customer=customer, starts_at=jst(2026, 4, day), contacts=contacts, **fields
        )

    # the week of 13 April
    act(13, s1, [buyer])  # matches, 1 h
    act(13, s1, [store_manager], hours=2)  # not a buyer
    act(14, d1, [drug_buyer], slug="call", hours=0.5)  # not a supermarket
    act(14, s1, [chief], slug="web_meeting")  # チーフバイヤー contains バイヤー
    act(14, None, slug="internal")  # not customer-facing
    act(17, s1, [buyer], status="planned")  # not done
    act(15, s1)  # no contacts
    act(16, s1, [buyer, store_manager], hours=1.5)  # matches once
    act(16, s1, [buyer], slug="email", hours=0.25)  # e-mail is customer-facing
    act(13, s1, [buyer], owner=rep2)
    # the week of 6 April, which the strategy joins on Wednesday the 8th
    act(7, s1, [buyer])  # before the strategy
    act(9, s1, [buyer])
    act(10, d1, [drug_buyer])
    act(10, d1, [drug_buyer], slug="call", hours=0.5)
    deal(rep1, s1, created=jst(2026, 4, 14))
    deal(rep1, d1, created=jst(2026, 4, 14))
    deal(rep1, s2, created=jst(2026, 4, 15))  # a supermarket without a buyer contact: other
    deal(rep1, s1, created=jst(2026, 3, 1), stage="won", closed=jst(2026, 4, 16), amount=500)
    deal(rep1, d1, created=jst(2026, 3, 1), stage="won", closed=jst(2026, 4, 16), amount=300)
    deal(rep1, s2, created=jst(2026, 3, 1), stage="won", closed=jst(2026, 4, 17), amount=200)
    deal(rep1, s1, created=jst(2026, 3, 1), stage="lost", closed=jst(2026, 4, 16), amount=1000)
    deal(rep1, s1, created=jst(2026, 4, 7))  # before the strategy
    deal(rep1, s1, created=jst(2026, 4, 9))
    return SimpleNamespace(team=team, manager=manager, rep1=rep1, rep2=rep2, strategy=strategy, s1=s1, s2=s2)


def numbers(week):
    return (
        week.activities,
        week.matching,
        week.other,
        week.share,
        week.hours,
        week.matching_hours,
        week.other_hours,
        week.hours_share,
        week.on_track,
    )


def outcomes(week):
    return (
        week.deals_created_matching,
        week.deals_created_other,
        week.won_amount_matching,
        week.won_amount_other,
    )


def member(result, user):
    return next(item for item in result.members if item.user == user).weeks


def run(world, **filters):
    values = {
        "strategy": world.strategy.pk,
        "team": world.team.pk,
        "date": datetime.date(2026, 4, 19),
        "weeks": 2,
    }
    return strategy_alignment(
        user=world.manager, filters=StrategyAlignmentFilter(**{**values, **filters}), now=NOW
    )


def test_weeks_shares_and_tracks(world):
    result = run(world)
    assert [(period.key, period.first_day, period.last_day) for period in result.periods] == [
        ("2026-04-06", datetime.date(2026, 4, 8), datetime.date(2026, 4, 12)),  # clipped to the strategy
        ("2026-04-13", datetime.date(2026, 4, 13), datetime.date(2026, 4, 19)),
    ]
    first, second = member(result, world.rep1)
    # activities, matching, other, share, hours, matching hours, other hours, hours share, on track
    assert numbers(first) == (3, 1, 2, 0.3333, 2.5, 1.0, 1.5, 0.4, False)
    assert numbers(second) == (7, 4, 3, 0.5714, 7.25, 3.75, 3.5, 0.5172, True)
    assert [numbers(week) for week in member(result, world.rep2)] == [
        (0, 0, 0, None, 0.0, 0.0, 0.0, None, None),
        (1, 1, 0, 1.0, 1.0, 1.0, 0.0, 1.0, True),
    ]
    assert numbers(member(result, world.manager)[1]) == (0, 0, 0, None, 0.0, 0.0, 0.0, None, None)
    assert numbers(result.totals[1]) == (8, 5, 3, 0.625, 8.25, 4.75, 3.5, 0.5758, True)


def test_outcomes_from_matching_and_other_customers(world):
    first, second = member(run(world), world.rep1)
    # deals created from matching / other customers, amount won from matching / other customers
    assert outcomes(first) == (1, 0, 0, 0)
    assert outcomes(second) == (1, 2, 500, 500)


def test_a_deal_created_before_the_strategy_counts_only_its_win(world):
    """Created on Tuesday the 7th (the strategy begins on the 8th, in the same calendar week) and won on
    the 9th and the 15th: the wins count in their weeks, the creations in none."""
    deal(world.rep1, world.s1, created=jst(2026, 4, 7), stage="won", closed=jst(2026, 4, 9), amount=300)
    deal(world.rep1, world.s2, created=jst(2026, 4, 7), stage="won", closed=jst(2026, 4, 15), amount=40)
    deal(world.rep1, world.s1, created=jst(2026, 4, 7), stage="lost", closed=jst(2026, 4, 10), amount=9)
    first, second = member(run(world), world.rep1)
    assert outcomes(first) == (1, 0, 300, 0)
    assert outcomes(second) == (1, 2, 500, 540)


def test_exactly_the_target_share_is_on_track(world):
    Strategy.objects.filter(pk=world.strategy.pk).update(target_share=57)
    assert member(run(world), world.rep1)[1].on_track is True  # 57.14 %
    Strategy.objects.filter(pk=world.strategy.pk).update(target_share=58)
    assert member(run(world), world.rep1)[1].on_track is False


def test_without_keywords_the_segment_decides(world):
    Strategy.objects.filter(pk=world.strategy.pk).update(title_keywords=[])
    result = run(world)
    _first, second = member(result, world.rep1)
    assert numbers(second) == (7, 6, 1, 0.8571, 7.25, 6.75, 0.5, 0.931, True)
    assert outcomes(second) == (2, 1, 700, 300)


def test_keywords_ignore_case(world):
    english = ContactFactory(customer=world.s1, title="Senior Buyer")
    make_activity(owner=world.rep1, customer=world.s1, starts_at=jst(2026, 4, 17), contacts=[english])
    Strategy.objects.filter(pk=world.strategy.pk).update(title_keywords=["buyer"])
    assert numbers(member(run(world), world.rep1)[1])[:2] == (8, 1)


def test_members_default_to_the_strategys_team(world, team_b):
    Strategy.objects.filter(pk=world.strategy.pk).update(team=world.team)
    result = strategy_alignment(
        user=world.manager, filters=StrategyAlignmentFilter(strategy=world.strategy.pk, weeks=1), now=NOW
    )
    assert [item.user for item in result.members] == [world.manager, world.rep1, world.rep2]
    # by default the week of today (the 15th)
    assert result.periods[0].key == "2026-04-13"
    assert numbers(member(result, world.rep1)[0])[:2] == (7, 4)


def test_a_week_outside_the_strategy_is_empty(world):
    result = run(world, date=datetime.date(2026, 4, 5), weeks=1)
    assert result.periods[0].start == result.periods[0].end
    assert numbers(member(result, world.rep1)[0]) == (0, 0, 0, None, 0.0, 0.0, 0.0, None, None)


def test_an_unknown_strategy(world):
    with pytest.raises(Strategy.DoesNotExist):
        run(world, strategy=world.strategy.pk + 100)


def test_queries_do_not_grow(world):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            run(world, weeks=8)
        return len(captured)

    # the strategy, its segments, the members, the activities, the deals created, the deals won
    assert queries() == 6
    for _index in range(5):
        rep = UserFactory(team=world.team)
        make_activity(owner=rep, customer=world.s1, starts_at=jst(2026, 4, 14))
    assert queries() == 6


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_reads_the_members_activities_through_the_owner_index(world):
    """With the large data set's statistics, SQLite read the period's done activities of every member
    through the status index and kept the team's (a team's quarter: 142 ms); with the status as
    ``+status`` it seeks each member's period in the owner index (46 ms, the same rows)."""
    large_statistics.install()
    with CaptureQueriesContext(connection) as captured:
        result = run(world)
    assert result.members  # the numbers themselves: test_weeks_shares_and_tracks
    (activities,) = [
        query["sql"] for query in captured if query["sql"].startswith('SELECT "activities_activity"')
    ]
    steps = large_statistics.plan(activities)
    assert steps[0] == (
        "SEARCH activities_activity USING INDEX activity_owner_start_idx (owner_id=? AND starts_at>? AND "
        "starts_at<?)"
    ), steps
    assert not any("activity_status_start_idx" in step for step in steps), steps
