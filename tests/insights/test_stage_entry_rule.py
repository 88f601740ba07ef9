"""The funnel counts stage entries in one pass over the deals' changes in Python
(``deals.history.stage_entry_outcomes``); the deal list behind each figure filters the same entries in
SQL (``stage_entries`` with ``outcome_q``). On a random history with what makes the rule hard — changes
at the same instant (ordered by id), re-entries inside and outside the period, moves back, skips,
reopened deals, entries on the period's edges, an archived deal — both give the same entries, outcomes
and times spent, per deal."""

from __future__ import annotations

import datetime
import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, DealFactory
from totonou.core.functions import Seconds
from totonou.deals import history
from totonou.deals.models import Deal, Stage, StageChange

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC)
OUTCOMES = ("forward", "lost", "back", "still")


def random_history(people, seed: int) -> list[Deal]:
    rng = random.Random(seed)
    stages = list(Stage.objects.order_by("order", "id"))
    deals = []
    for number in range(40):
        owner = rng.choice([people.owner, people.other_rep])
        deal = DealFactory(customer=CustomerFactory(owner=owner), owner=owner, title=f"R{number}")
        at = START + datetime.timedelta(days=rng.randint(-40, 80), hours=rng.randint(0, 23))
        for _ in range(rng.randint(1, 7)):
            # a third of the changes share the previous one's instant; some fall on the period's edges
            step = rng.choice([datetime.timedelta(0), datetime.timedelta(days=rng.randint(1, 20))])
            at = rng.choice([at + step, at + step, START, END - datetime.timedelta(microseconds=1), END])
            StageChange.objects.create(deal=deal, to_stage=rng.choice(stages), changed_at=at)
        deals.append(deal)
    Deal.objects.filter(pk=deals[0].pk).update(archived_at=END)
    return deals


def sql_entries(queryset, stage_ids) -> Counter:
    entries = history.stage_entries(queryset, START, END, stage_ids)
    found: Counter = Counter()
    for outcome in OUTCOMES:
        rows = (
            entries.filter(history.outcome_q(outcome))
            .annotate(spent=Seconds("next_at", "changed_at"))
            .values_list("deal_id", "to_stage_id", "spent")
        )
        for deal_id, stage_id, spent in rows:
            found[(deal_id, stage_id, outcome, None if spent is None else round(spent, 1))] += 1
    return found


def python_entries(queryset, stage_ids) -> Counter:
    stages = {stage.pk: stage for stage in Stage.objects.all()}
    found: Counter = Counter()
    # the walk yields no deal ids: read them per deal, one deal's queryset at a time
    for deal in queryset.filter(archived_at__isnull=True):
        for stage_id, next_stage, spent in history.stage_entry_outcomes(
            queryset.filter(pk=deal.pk), START, END, stage_ids
        ):
            outcome = history.outcome_of(stages[stage_id], stages.get(next_stage) if next_stage else None)
            found[(deal.pk, stage_id, outcome, None if spent is None else round(spent, 1))] += 1
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_funnels_walk_and_the_deal_lists_sql_find_the_same_entries(people, seed):
    deals = random_history(people, seed)
    stage_ids = list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("pk", flat=True))
    queryset = Deal.objects.filter(pk__in=[deal.pk for deal in deals])
    expected = sql_entries(queryset, stage_ids)
    assert python_entries(queryset, stage_ids) == expected
    # the random history has every outcome, ties included, and the archived deal counts nowhere
    assert {key[2] for key in expected} == set(OUTCOMES)
    assert deals[0].pk not in {key[0] for key in expected}
    assert len(expected) > 40
    # the walk over the whole queryset at once gives the same multiset without the deal ids
    whole = Counter(
        (stage_id, next_stage, None if spent is None else round(spent, 1))
        for stage_id, next_stage, spent in history.stage_entry_outcomes(queryset, START, END, stage_ids)
    )
    assert sum(whole.values()) == sum(expected.values())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_the_walk_reads_the_changes_in_the_index_order_and_sorts_nothing(people, analyze):
    """The walk's read (each deal's changes newest first, ties by id) is the order of
    ``stagechange_deal_stage_idx`` (deal, time, id, stage): SQLite reads it from the index alone and
    sorts nothing. With the stage before the id it sorted each deal's changes again (a team's year of
    the large data set, 18,319 changes: 27.7 ms, in the index's order 18.8 ms)."""
    deals = random_history(people, 1)
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stage_ids = list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("pk", flat=True))
    queryset = Deal.objects.filter(owner__in=[people.owner, people.other_rep])
    with CaptureQueriesContext(connection) as captured:
        walked = list(history.stage_entry_outcomes(queryset, START, END, stage_ids))
    assert len(walked) > 40 and len(deals) == 40
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = [str(row[-1]) for row in cursor.fetchall()]
    covering = "deals_stagechange USING COVERING INDEX stagechange_deal_stage_idx"
    assert any(covering in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan
