"""Closed in a period (``deals.history.closed_q``) starts from the deal's stage and close date and checks
its closing stage change in the history. On histories made through the services it selects exactly the
deals whose last stage change went into a won or lost stage inside the period (the history's definition,
computed here in Python); a close an administrator dates back counts at that date, in the win rate, the
deal list behind it and the targets alike; a deal without its closing change counts nowhere (ADR 0038)."""

from __future__ import annotations

import datetime
import random
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, TeamFactory
from totonou.deals import history
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.services import deal_change_stage, deal_create
from totonou.insights.selectors.attainment import attainment_for
from totonou.targets.periods import month_period

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
START = datetime.datetime(2026, 4, 1, 9, tzinfo=JST)


@contextmanager
def clock(moment: list[datetime.datetime]) -> Iterator[None]:
    """``timezone.now()`` is ``moment[0]`` (every service reads the time through it)."""
    with mock.patch("django.utils.timezone.now", side_effect=lambda: moment[0]):
        yield


def closed_by_history(start: datetime.datetime, end: datetime.datetime) -> set[int]:
    """The definition on the history: per deal its last stage change by time (then id), when it went
    into a won or lost stage inside ``[start, end)``."""
    last: dict[int, tuple[str, datetime.datetime]] = {}
    changes = StageChange.objects.order_by("deal_id", "changed_at", "id")
    for deal_id, kind, at in changes.values_list("deal_id", "to_stage__kind", "changed_at"):
        last[deal_id] = (kind, at)
    return {deal for deal, (kind, at) in last.items() if kind != "open" and start <= at < end}


def closed_by_rule(start: datetime.datetime, end: datetime.datetime) -> set[int]:
    return set(Deal.objects.filter(history.closed_q(start, end)).values_list("pk", flat=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_closed_q_is_the_last_stage_change_on_histories_made_by_the_services(team_a, seed):
    """Random moves through the services over five months: forward, back, won, lost, reopened and closed
    again, several at the same instant. For every month, a week, and periods that begin or end exactly
    at a close, the rule and the history's definition select the same deals."""
    rng = random.Random(seed)
    _team, manager, (rep, _other) = team_a
    stages = list(Stage.objects.filter(is_active=True).order_by("order", "id"))
    reason = LossReason.objects.filter(is_active=True).order_by("pk").first()
    now = [START]
    with clock(now):
        deals = [
            deal_create(actor=rep, customer=CustomerFactory(owner=rep), title=f"D{index}")
            for index in range(10)
        ]
        for _step in range(90):
            now[0] += datetime.timedelta(hours=rng.choice([0, 0, 1, 9, 23, 24 * 4]))
            deal = Deal.objects.select_related("stage").get(pk=rng.choice(deals).pk)
            stage = rng.choice([candidate for candidate in stages if candidate.pk != deal.stage_id])
            lost = stage.kind == Stage.Kind.LOST
            actor = rep if deal.stage.kind == Stage.Kind.OPEN else manager  # a manager reopens
            deal_change_stage(actor=actor, deal=deal, stage=stage, loss_reason=reason if lost else None)
        for deal in Deal.objects.select_related("stage").filter(stage__kind="open").order_by("pk")[:6]:
            now[0] += datetime.timedelta(hours=rng.choice([0, 5, 24 * 9]))
            closing = rng.choice([candidate for candidate in stages if candidate.kind != Stage.Kind.OPEN])
            lost = closing.kind == Stage.Kind.LOST
            deal_change_stage(actor=rep, deal=deal, stage=closing, loss_reason=reason if lost else None)
    assert now[0] > START + datetime.timedelta(days=60)
    closes = sorted(
        set(StageChange.objects.exclude(to_stage__kind="open").values_list("changed_at", flat=True))
    )
    reopened = StageChange.objects.filter(from_stage__kind__in=["won", "lost"], to_stage__kind="open")
    assert len(closes) > 10 and reopened.exists()
    periods = [
        (START + datetime.timedelta(days=30 * month), START + datetime.timedelta(days=30 * (month + 1)))
        for month in range(6)
    ]
    periods += [(START, now[0] + datetime.timedelta(seconds=1)), (START, START + datetime.timedelta(days=7))]
    periods += [(closes[3], closes[-4]), (closes[5], closes[5] + datetime.timedelta(microseconds=1))]
    periods += [(closes[2] - datetime.timedelta(microseconds=1), closes[2])]
    selected = 0
    for start, end in periods:
        expected = closed_by_history(start, end)
        assert closed_by_rule(start, end) == expected, (start, end)
        selected += len(expected)
    assert selected > 10


def test_a_close_dated_back_counts_at_its_date_everywhere(people, api):
    """An administrator records a deal won ten days ago that was only entered today: the win rate, the
    deal list behind it and the targets all count it on its close date, with a sales cycle of 0 days
    (not below), and a period after it does not."""
    customer = CustomerFactory(owner=people.owner)
    deal = deal_create(actor=people.owner, customer=customer, title="Entered late", amount=4_000_000)
    day = timezone.localdate() - datetime.timedelta(days=10)
    deal_change_stage(actor=people.admin, deal=deal, stage=Stage.objects.get(slug="won"), closed_on=day)
    deal.refresh_from_db()
    assert timezone.localdate(deal.closed_at) == day
    period = {"from": (day - datetime.timedelta(days=1)).isoformat(), "to": day.isoformat()}
    body = api(people.owner).get("/insights/win-rate", {**period, "group_by": "owner"}).json()
    total = body["total"]
    assert (total["won"], total["lost"], total["won_amount"], total["median_cycle_days"]) == (
        1,
        0,
        4_000_000,
        0.0,
    )
    listed = (
        api(people.owner)
        .get("/deals", {"closed_from": period["from"], "closed_to": period["to"], "kind": "won"})
        .json()
    )
    assert [row["id"] for row in listed["results"]] == [deal.pk]
    later = {"from": (day + datetime.timedelta(days=1)).isoformat(), "to": timezone.localdate().isoformat()}
    assert api(people.owner).get("/insights/win-rate", later).json()["total"]["won"] == 0
    cells = {cell.metric: cell.actual for cell in attainment_for(people.owner, month_period(day))}
    assert (cells["won_deals"], cells["revenue"]) == (1, 4_000_000)


def test_a_deal_without_its_closing_change_counts_nowhere(people, api):
    """The stage history is the source: a deal written won with a close date, but without the stage change
    into won at that time (a row written around the services), is in no figure and no list; its twin
    with the change is."""
    now = timezone.now()
    won = Stage.objects.get(slug="won")
    customer = CustomerFactory(owner=people.owner)
    twins = []
    for title in ("With its change", "Without"):
        deal = deal_create(actor=people.owner, customer=customer, title=title, amount=1_000_000)
        Deal.objects.filter(pk=deal.pk).update(stage=won, stage_entered_at=now, closed_at=now)
        twins.append(deal)
    StageChange.objects.create(deal=twins[0], from_stage=twins[0].stage, to_stage=won, changed_at=now)
    today = timezone.localdate(now).isoformat()
    body = api(people.owner).get("/insights/win-rate", {"from": today, "to": today}).json()
    assert (body["total"]["won"], body["total"]["won_amount"]) == (1, 1_000_000)
    listed = api(people.owner).get("/deals", {"closed_from": today, "closed_to": today}).json()
    assert [row["id"] for row in listed["results"]] == [twins[0].pk]


def test_a_close_dated_back_to_a_months_first_midnight_counts_in_that_month(people, api):
    """A close dated back starts at local midnight: on the first of a month it belongs to that month in
    the win rate by month (the close time is read as seconds from the period's start), not the month
    before."""
    first = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)  # last month
    deal = deal_create(actor=people.owner, customer=CustomerFactory(owner=people.owner), title="On the 1st")
    deal_change_stage(actor=people.admin, deal=deal, stage=Stage.objects.get(slug="won"), closed_on=first)
    deal.refresh_from_db()
    assert timezone.localtime(deal.closed_at).time() == datetime.time(0, 0)
    before = (first - datetime.timedelta(days=1)).replace(day=1)
    query = {"from": before.isoformat(), "to": timezone.localdate().isoformat(), "group_by": "month"}
    body = api(people.owner).get("/insights/win-rate", query).json()
    assert [(row["key"], row["won"]) for row in body["rows"]] == [(f"{first.year:04d}-{first.month:02d}", 1)]


def test_a_team_without_members_has_empty_figures_not_an_error(people, api):
    """A team with no members is a query that can match nothing (``owner_id IN ()``): Django refuses to
    write it, and the win rate and the funnel, which read their rows through the cursor
    (``core.rows.raw_rows``), answered 500 (found by the API fuzz test)."""
    empty = TeamFactory(name="Empty")
    query = {"team": empty.pk, "from": "2026-04-01", "to": "2026-06-30"}
    rate = api(people.admin).get("/insights/win-rate", query)
    assert rate.status_code == 200, rate.content
    assert (rate.json()["rows"], rate.json()["total"]["won"], rate.json()["total"]["lost"]) == ([], 0, 0)
    funnel = api(people.admin).get("/insights/funnel", query)
    assert funnel.status_code == 200, funnel.content
    assert sum(row["entered"] for row in funnel.json()["stages"]) == 0
