"""The pipeline figures on a small hand-made stage history: deals that skip stages, are reopened, are
lost from different stages and close on the last day of a month at 23:30 JST (and one at 00:30 JST on
the first day of the next month, which is still the previous day in UTC). Every number is exact, from
the API and from the selectors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, SegmentFactory
from tests.insights.conftest import jst, make_activity
from totonou.activities.models import Activity
from totonou.activities.selectors import planned_contacts_ahead
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.insights.selectors import pipeline as selectors
from totonou.targets.periods import month_period, period_zone

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-04-01", "to": "2026-06-30"}


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def history(deal: Deal, steps: list[tuple[str, datetime.datetime]], *, loss: str | None = None) -> Deal:
    """Stage changes as the service leaves them: the first from nowhere, each from the previous one;
    the deal ends in the last stage, closed (with ``loss``) when that is won or lost."""
    previous = None
    for slug, at in steps:
        to = stage(slug)
        StageChange.objects.create(deal=deal, from_stage=previous, to_stage=to, changed_at=at)
        previous = to
    last_slug, last_at = steps[-1]
    deal.stage = stage(last_slug)
    deal.stage_entered_at = last_at
    closed = deal.stage.kind != Stage.Kind.OPEN
    deal.closed_at = last_at if closed else None
    deal.loss_reason = LossReason.objects.get(slug=loss) if loss else None
    deal.loss_note = "価格で他社に負けた" if loss == "price" else ""
    deal.save()
    return deal


@dataclass
class World:
    deals: dict[str, Deal]
    people: Any
    segments: dict[str, Any]


@pytest.fixture
def world(people) -> World:
    manufacturing = SegmentFactory(name="製造")
    retail = SegmentFactory(name="小売")
    owner, other, rep_b = people.owner, people.other_rep, people.rep_b

    def deal(name: str, user: Any, segment: Any, amount: int, **extra: Any) -> Deal:
        customer = CustomerFactory(owner=user, segment=segment, is_key=extra.pop("is_key", False))
        return DealFactory(customer=customer, owner=user, title=name, amount=amount, **extra)

    now = timezone.now()
    today = now.astimezone(period_zone()).date()
    d: dict[str, Deal] = {}
    # Won on the last day of April at 23:30 JST after three stages.
    d["d1"] = history(
        deal("D1", owner, manufacturing, 1_000_000),
        [("lead", jst(2026, 4, 1)), ("qualified", jst(2026, 4, 5)), ("proposal", jst(2026, 4, 10)),
         ("won", jst(2026, 4, 30, 23, 30))],
    )  # fmt: skip
    # Skips "qualified", lost from proposal.
    d["d2"] = history(
        deal("D2", owner, manufacturing, 2_000_000),
        [("lead", jst(2026, 4, 2)), ("proposal", jst(2026, 4, 4)), ("lost", jst(2026, 5, 20))],
        loss="price",
    )
    # Lost from qualified.
    d["d3"] = history(
        deal("D3", other, retail, 3_000_000),
        [("lead", jst(2026, 4, 3)), ("qualified", jst(2026, 4, 6)), ("lost", jst(2026, 4, 8))],
        loss="competitor",
    )
    # Won in May, reopened, won again on the last day of June at 23:30 JST: counts in June only.
    d["d4"] = history(
        deal("D4", rep_b, retail, 6_000_000),
        [("lead", jst(2026, 4, 1)), ("qualified", jst(2026, 4, 11)), ("won", jst(2026, 5, 1)),
         ("negotiation", jst(2026, 5, 10)), ("won", jst(2026, 6, 30, 23, 30))],
    )  # fmt: skip
    # Lost, reopened and still open: counts nowhere in the win rate; stalled (long in lead).
    d["d5"] = history(
        deal("D5", owner, manufacturing, 500_000),
        [("lead", jst(2026, 4, 15)), ("lost", jst(2026, 4, 20)), ("lead", jst(2026, 4, 25))],
    )
    # Won at 00:30 JST on 1 July (30 June in UTC): outside April–June.
    d["d6"] = history(
        deal("D6", other, manufacturing, 1_500_000),
        [("lead", jst(2026, 3, 20)), ("won", jst(2026, 7, 1, 0, 30))],
    )
    # Moved back from proposal to qualified, still there (stalled).
    d["d7"] = history(
        deal("D7", rep_b, retail, 800_000),
        [("lead", jst(2026, 5, 1)), ("proposal", jst(2026, 5, 5)), ("qualified", jst(2026, 5, 8))],
    )
    # The open pipeline now: in negotiation for 30 days (stalled after 21), a key customer.
    d["d8"] = history(
        deal("D8", owner, manufacturing, 4_000_000, is_key=True, expected_close_date=today),
        [("lead", now - datetime.timedelta(days=40)), ("negotiation", now - datetime.timedelta(days=30))],
    )
    # No activity for 20 days and nothing planned: stalled for want of activity.
    d["d9"] = history(
        deal("D9", other, retail, 2_000_000, expected_close_date=today),
        [("proposal", now - datetime.timedelta(days=2))],
    )
    # No activity for 20 days but a visit planned ahead on the deal: not stalled.
    d["d10"] = history(
        deal("D10", owner, manufacturing, 1_000_000, expected_close_date=today),
        [("proposal", now - datetime.timedelta(days=2))],
    )
    Deal.objects.filter(pk__in=[d["d9"].pk, d["d10"].pk]).update(
        last_activity_at=now - datetime.timedelta(days=20)
    )
    plan = make_activity(
        owner=owner,
        customer=d["d10"].customer,
        starts_at=now + datetime.timedelta(days=3),
        status="planned",
    )
    plan.deal = d["d10"]
    plan.save(update_fields=["deal"])
    # Archived: left out of everything.
    archived = deal("D11", owner, manufacturing, 9_000_000, expected_close_date=today)
    history(archived, [("lead", jst(2026, 4, 1)), ("won", jst(2026, 4, 2))])
    Deal.objects.filter(pk=archived.pk).update(archived_at=now)
    # Won just now: this month's "won so far".
    d["d12"] = history(
        deal("D12", owner, manufacturing, 2_500_000),
        [("proposal", now - datetime.timedelta(days=1)), ("won", now)],
    )
    return World(deals=d, people=people, segments={"manufacturing": manufacturing, "retail": retail})


def by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in rows}


def numbers(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["won"], row["lost"], row["win_rate"], row["won_amount"], row["median_cycle_days"])


# --- Pipeline and stalled -------------------------------------------------------------------------------


def test_pipeline_per_stage(world, api):
    body = api(world.people.owner).get("/insights/pipeline").json()
    got = {row["stage"]["slug"]: (row["count"], row["amount"], row["weighted_amount"], row["stalled"])
           for row in body["stages"]}  # fmt: skip
    assert got == {
        "lead": (1, 500_000, 50_000, 1),
        "qualified": (1, 800_000, 200_000, 1),
        "proposal": (2, 3_000_000, 1_500_000, 1),
        "negotiation": (1, 4_000_000, 3_000_000, 1),
    }
    assert [row["stage"]["slug"] for row in body["stages"]] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
    ]
    assert (body["count"], body["amount"], body["weighted_amount"], body["stalled"]) == (
        5,
        8_300_000,
        4_750_000,
        4,
    )


def test_pipeline_filters(world, api):
    people = world.people
    client = api(people.manager)
    owner = client.get("/insights/pipeline", {"owner": people.owner.pk}).json()
    assert (owner["count"], owner["amount"], owner["stalled"]) == (3, 5_500_000, 2)
    key = client.get("/insights/pipeline", {"key_only": "true"}).json()
    assert (key["count"], key["amount"], key["weighted_amount"]) == (1, 4_000_000, 3_000_000)
    retail = client.get("/insights/pipeline", {"segment": world.segments["retail"].pk}).json()
    assert (retail["count"], retail["amount"]) == (2, 2_800_000)
    team_b = client.get("/insights/pipeline", {"team": people.rep_b.team_id}).json()
    assert (team_b["count"], team_b["amount"]) == (1, 800_000)
    today = timezone.now().astimezone(period_zone()).date().isoformat()
    closing = client.get("/insights/pipeline", {"close_from": today, "close_to": today}).json()
    assert (closing["count"], closing["amount"], closing["stalled"]) == (3, 7_000_000, 2)


def test_stagnation_list(world, api):
    body = api(world.people.owner).get("/insights/stagnation").json()
    d = world.deals
    assert body["count"] == 4
    assert [(row["id"], row["reason"]) for row in body["results"]] == [
        (d["d5"].pk, "in_stage"),
        (d["d7"].pk, "in_stage"),
        (d["d9"].pk, "no_activity"),
        (d["d8"].pk, "in_stage"),
    ]
    d8 = body["results"][3]
    assert (d8["days_in_stage"], d8["is_key"], d8["amount"]) == (30, True, 4_000_000)
    assert body["has_next"] is False


def test_stagnation_paginates(world, api):
    body = api(world.people.owner).get("/insights/stagnation", {"page_size": 3}).json()
    assert (body["count"], len(body["results"]), body["has_next"]) == (4, 3, True)


def test_stalled_rule_boundaries(world, settings):
    """One day more of quiet makes D10's plan the only thing keeping it off the list; with a longer
    no-activity setting D9 is not stalled any more."""
    deals = Deal.objects.all()
    owners = sorted(set(deals.values_list("owner_id", flat=True)))
    assert len(owners) >= 2
    for days, expected in ((21, 3), (14, 4)):
        settings.TOTONOU_STALLED_NO_ACTIVITY_DAYS = days
        assert selectors.stalled_count(deals) == expected
        # My day's count of one member's deals seeks each deal's plan ahead: the same deals, owner by owner
        per_owner = [selectors.stalled_count(deals.filter(owner_id=owner)) for owner in owners]
        one_owner = [
            selectors.stalled_count(deals.filter(owner_id=owner), one_owner=True) for owner in owners
        ]
        assert one_owner == per_owner
        assert sum(one_owner) == expected


def test_the_cards_stalled_rule_in_python_equals_the_sql_rule(world, settings):
    """The board's cards decide ``stalled_reason`` in Python (``stalled_reason_of``) from what they read;
    the lists and counts in SQL (``stalled_reason``). Deals on each side of every limit (a second before,
    at and after the stage's stalled-after days and the no-activity days, never any activity, a plan ahead
    or not, each limit exactly) get the same reason from both, at two settings."""
    now = timezone.now()
    customer = world.deals["d9"].customer
    second = datetime.timedelta(seconds=1)
    made = []
    for slug in ("lead", "negotiation"):
        limit = datetime.timedelta(days=stage(slug).stagnation_days)
        for in_stage in (limit - second, limit, limit + second):
            for quiet in (None, 13, 14, 21, 30):
                for shift in (-second, datetime.timedelta(0), second):
                    if quiet is None and shift:
                        continue
                    planned = len(made) % 2 == 1
                    deal = DealFactory(customer=customer, owner=world.people.owner, title=f"B{len(made)}")
                    at = now - datetime.timedelta(days=quiet or 40) + shift
                    Deal.objects.filter(pk=deal.pk).update(
                        stage=stage(slug),
                        stage_entered_at=now - in_stage,
                        created_at=at if quiet is None else now,
                        last_activity_at=None if quiet is None else at,
                    )
                    if planned:
                        plan = make_activity(
                            owner=world.people.owner,
                            customer=customer,
                            starts_at=now + datetime.timedelta(days=1),
                            status="planned",
                        )
                        plan.deal = deal
                        plan.save(update_fields=["deal"])
                    made.append(deal.pk)
    stages = {row.pk: row for row in Stage.objects.all()}
    seen = set()
    for days in (14, 21):
        settings.TOTONOU_STALLED_NO_ACTIVITY_DAYS = days
        open_ = selectors.open_deals(Deal.objects.all()).annotate(
            stalled_reason=selectors.stalled_reason(now),
            planned_ahead=models.Exists(planned_contacts_ahead(now).filter(deal_id=models.OuterRef("pk"))),
        )
        for deal in open_:
            expected = deal.stalled_reason
            got = selectors.stalled_reason_of(
                deal, stage=stages[deal.stage_id], planned_ahead=deal.planned_ahead, now=now
            )
            assert got == expected, (deal.title, days)
            seen.add(expected)
    assert seen == {"in_stage", "no_activity", None}
    assert len(made) == 2 * 3 * (1 + 4 * 3)


def test_both_forms_of_nothing_planned_ahead_select_the_same_deals(people):
    """``nothing_planned_ahead`` has a hashed form (PostgreSQL) and a seek per deal (SQLite); both run on
    either database here and must pick the same deals: a plan ahead keeps a deal off, also one starting
    exactly now; a plan behind, a done or cancelled activity ahead, a plan of a type that is no contact
    (email) or one on no deal does not."""
    now = timezone.now()
    owner = people.owner
    customer = CustomerFactory(owner=owner)
    minute = datetime.timedelta(minutes=1)
    cases: dict[str, dict[str, Any] | None] = {
        "plan ahead": {"starts_at": now + minute},
        "plan starting now": {"starts_at": now},
        "plan behind": {"starts_at": now - minute},
        "done ahead": {"starts_at": now + minute, "status": "done"},
        "cancelled ahead": {"starts_at": now + minute, "status": "cancelled"},
        "email ahead": {"starts_at": now + minute, "slug": "email"},
        "nothing": None,
    }
    for name, plan in cases.items():
        deal = DealFactory(customer=customer, owner=owner, title=name)
        if plan is not None:
            status = plan.pop("status", "planned")
            cancelled = status == "cancelled"
            activity = make_activity(
                owner=owner, customer=customer, status="planned" if cancelled else status, **plan
            )
            extra = {"status": status, "cancel_reason": "先方都合", "cancelled_at": now} if cancelled else {}
            Activity.objects.filter(pk=activity.pk).update(deal=deal, **extra)
    elsewhere = make_activity(owner=owner, customer=customer, starts_at=now + minute, status="planned")
    assert elsewhere.deal_id is None
    kept_off = {"plan ahead", "plan starting now"}
    for hashed in (True, False):
        picked = Deal.objects.filter(selectors.nothing_planned_ahead(now, hashed=hashed))
        assert set(picked.values_list("title", flat=True)) == set(cases) - kept_off, hashed


# --- Win rate ---------------------------------------------------------------------------------------------


def test_win_rate_total_and_by_owner(world, api):
    people = world.people
    body = api(people.owner).get("/insights/win-rate", {**PERIOD, "group_by": "owner"}).json()
    assert (body["first_day"], body["last_day"], body["group_by"]) == ("2026-04-01", "2026-06-30", "owner")
    assert numbers(body["total"]) == (2, 2, 0.5, 7_000_000, 38.8)
    rows = by_key(body["rows"])
    assert numbers(rows[str(people.owner.pk)]) == (1, 1, 0.5, 1_000_000, 38.8)
    assert numbers(rows[str(people.other_rep.pk)]) == (0, 1, 0.0, 0, 5.0)
    assert numbers(rows[str(people.rep_b.pk)]) == (1, 0, 1.0, 6_000_000, 90.6)
    assert len(rows) == 3


def test_win_rate_by_month_counts_the_close_date_in_jst(world, api):
    body = api(world.people.owner).get("/insights/win-rate", {**PERIOD, "group_by": "month"}).json()
    assert [(row["key"], row["won"], row["lost"], row["won_amount"]) for row in body["rows"]] == [
        ("2026-04", 1, 1, 1_000_000),
        ("2026-05", 0, 1, 0),
        ("2026-06", 1, 0, 6_000_000),
    ]
    july = (
        api(world.people.owner).get("/insights/win-rate", {"from": "2026-07-01", "to": "2026-07-31"}).json()
    )
    assert numbers(july["total"]) == (1, 0, 1.0, 1_500_000, 102.6)
    june_30 = api(world.people.owner).get("/insights/win-rate", {"from": "2026-06-30", "to": "2026-06-30"})
    assert numbers(june_30.json()["total"]) == (1, 0, 1.0, 6_000_000, 90.6)


def test_win_rate_by_team_segment_size_and_loss_reason(world, api):
    people, client = world.people, api(world.people.manager)

    def rows(group_by: str, **extra: Any) -> dict[str, tuple[int, int]]:
        body = client.get("/insights/win-rate", {**PERIOD, "group_by": group_by, **extra}).json()
        return {row["key"]: (row["won"], row["lost"]) for row in body["rows"]}

    assert rows("team") == {str(people.owner.team_id): (1, 2), str(people.rep_b.team_id): (1, 0)}
    segments = world.segments
    assert rows("segment") == {str(segments["manufacturing"].pk): (1, 1), str(segments["retail"].pk): (1, 1)}
    assert rows("size") == {"1m_5m": (1, 2), "5m_10m": (1, 0)}
    price, competitor = (LossReason.objects.get(slug=s).pk for s in ("price", "competitor"))
    assert rows("loss_reason") == {"won": (2, 0), str(price): (0, 1), str(competitor): (0, 1)}
    assert rows("owner", team=people.owner.team_id) == {
        str(people.owner.pk): (1, 1),
        str(people.other_rep.pk): (0, 1),
    }
    assert rows("owner", segment=segments["retail"].pk) == {
        str(people.other_rep.pk): (0, 1),
        str(people.rep_b.pk): (1, 0),
    }


def test_loss_reasons_and_notes(world):
    first, last = datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)
    rows = selectors.loss_reasons(Deal.objects.all(), first_day=first, last_day=last)
    assert [(row.reason.slug, row.count, row.amount) for row in rows] == [
        ("price", 1, 2_000_000),
        ("competitor", 1, 3_000_000),
    ]
    lost = list(selectors.lost_deals(Deal.objects.all(), first_day=first, last_day=last))
    assert [(deal.title, deal.loss_note) for deal in lost] == [("D2", "価格で他社に負けた"), ("D3", "")]


def test_the_latest_lost_deals_picked_from_the_closed_rows_are_the_rules(world):
    """The analytics page picks its loss notes from the closed deals it read for the win rate: the same
    deals, in the same order, as ``lost_deals``, also when two are lost at the same instant."""
    first, last = datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)
    lost_stage = Stage.objects.get(slug="lost")
    at = jst(2026, 6, 2, 9)
    owner = world.people.owner
    twins = [DealFactory(owner=owner, title=title, stage=lost_stage, closed_at=at) for title in ("T1", "T2")]
    closed = selectors.closed_deals(Deal.objects.all(), *selectors.day_bounds(first, last, None))
    rule = [deal.pk for deal in selectors.lost_deals(Deal.objects.all(), first_day=first, last_day=last)]
    assert len(rule) == 4 and rule[:2] == [twins[1].pk, twins[0].pk]
    for limit in (1, 2, 3, 4, 10):
        assert [deal.pk for deal in selectors.latest_lost(closed, limit)] == rule[:limit]


# --- Funnel ---------------------------------------------------------------------------------------------


def test_funnel(world, api):
    body = api(world.people.owner).get("/insights/funnel", PERIOD).json()
    got = {
        row["stage"]["slug"]: (
            row["entered"],
            row["moved_forward"],
            row["lost"],
            row["moved_back"],
            row["still_there"],
            row["conversion"],
            row["median_days"],
        )
        for row in body["stages"]
    }
    assert got == {
        # D5 entered lead twice (lost, reopened): it counts once, by its last entry, still there.
        "lead": (6, 5, 0, 0, 1, 0.8333, 4.0),
        "qualified": (4, 2, 1, 0, 1, 0.5, 5.0),
        "proposal": (3, 1, 1, 1, 0, 0.3333, 20.6),
        "negotiation": (1, 1, 0, 0, 0, 1.0, 51.6),
    }


# --- Forecast -------------------------------------------------------------------------------------------


def test_forecast_this_month(world, api):
    body = api(world.people.owner).get("/insights/forecast").json()
    month = month_period(timezone.now().astimezone(period_zone()).date())
    assert body["period"] == month.key
    assert {k: body[k] for k in ("won", "won_count", "weighted_pipeline", "pipeline_amount", "pipeline_count",
                                  "commit", "commit_count", "commit_probability", "forecast")} == {
        "won": 2_500_000,
        "won_count": 1,
        "weighted_pipeline": 4_500_000,
        "pipeline_amount": 7_000_000,
        "pipeline_count": 3,
        "commit": 4_000_000,
        "commit_count": 1,
        "commit_probability": 70,
        "forecast": 7_000_000,
    }  # fmt: skip


def test_forecast_quarter_and_commit_setting(world, api, settings):
    client = api(world.people.owner)
    body = client.get("/insights/forecast", {"period": "2026-Q1"}).json()
    assert (body["first_day"], body["last_day"]) == ("2026-04-01", "2026-06-30")
    assert (body["won"], body["won_count"], body["weighted_pipeline"], body["forecast"]) == (
        7_000_000,
        2,
        0,
        7_000_000,
    )
    settings.TOTONOU_COMMIT_PROBABILITY = 50
    now = client.get("/insights/forecast", {"period": "month"}).json()
    assert (now["commit"], now["commit_count"], now["commit_probability"]) == (7_000_000, 3, 50)


@pytest.mark.parametrize("period", ["FY2026", "2026-H1", "nonsense", "2026-13"])
def test_forecast_refuses_other_periods(world, api, period):
    response = api(world.people.owner).get("/insights/forecast", {"period": period})
    assert response.status_code == 422
    assert response.json()["detail"] == {"period": ["Give a fiscal month (2026-04) or quarter (2026-Q1)."]}


# --- Who may read, bad input, queries ---------------------------------------------------------

ENDPOINTS = [
    "/insights/pipeline",
    "/insights/stagnation",
    "/insights/win-rate?from=2026-04-01&to=2026-06-30",
    "/insights/funnel?from=2026-04-01&to=2026-06-30",
    "/insights/forecast?period=2026-Q1",
]


@pytest.mark.parametrize("role", ["owner", "other_rep", "manager", "other_manager", "admin"])
def test_everyone_signed_in_reads_the_same_numbers(world, api, role):
    reference = [api(world.people.owner).get(path).json() for path in ENDPOINTS]
    client = api(world.people.get(role))
    for path, expected in zip(ENDPOINTS, reference, strict=True):
        response = client.get(path)
        assert response.status_code == 200
        body, expected = response.json(), dict(expected)
        body.pop("as_of", None)
        expected.pop("as_of", None)
        assert body == expected


@pytest.mark.parametrize("path", ENDPOINTS)
def test_anonymous_is_refused(world, anonymous, path):
    assert anonymous.get(path).status_code == 401


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/insights/win-rate?group_by=colour", "group_by"),
        ("/insights/win-rate?from=yesterday", "from"),
        ("/insights/funnel?to=2026-02-30", "to"),
        ("/insights/pipeline?owner=0", "owner"),
        ("/insights/stagnation?close_from=x", "close_from"),
    ],
)
def test_bad_filters_are_422(world, api, path, field):
    response = api(world.people.owner).get(path)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


def test_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    client = api(world.people.manager)
    ceilings = {ENDPOINTS[0]: 6, ENDPOINTS[1]: 8, ENDPOINTS[2]: 6, ENDPOINTS[3]: 7, ENDPOINTS[4]: 6}
    for path, ceiling in ceilings.items():
        with django_assert_max_num_queries(ceiling):
            assert client.get(path).status_code == 200


def test_reversed_range_is_swapped(world, api):
    body = (
        api(world.people.owner).get("/insights/win-rate", {"from": "2026-06-30", "to": "2026-04-01"}).json()
    )
    assert (body["first_day"], body["last_day"]) == ("2026-04-01", "2026-06-30")
    assert numbers(body["total"]) == (2, 2, 0.5, 7_000_000, 38.8)


def test_the_funnels_median_rounds_only_the_middle():
    """``median_days_of`` rounds only the middle stays; it equals the median of every stay rounded (as
    ``_days``) on odd and even counts, ties, and stays exactly at and around a rounding edge (4,320 s =
    0.05 days), including the microsecond noise of SQLite's seconds."""
    import random
    import statistics

    rng = random.Random(7)
    edge = [4320.0, 4319.9995, 4320.0004, 12960.0, 86400 * 3.25, 86400 * 3.35]
    for size in (1, 2, 3, 4, 7, 10, 51, 200):
        for _round in range(40):
            seconds = [
                rng.choice(edge) if rng.random() < 0.4 else rng.uniform(0, 86400 * 90) for _ in range(size)
            ]
            expected = round(float(statistics.median([selectors._days(value) for value in seconds])), 1)
            assert selectors.median_days_of(seconds) == expected, seconds
    assert selectors.median_days_of([]) is None
    assert selectors.median_days_of([4320.0, 86400 * 2]) == round((0.1 + 2.0) / 2, 1)
