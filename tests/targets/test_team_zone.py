"""Period boundaries are in the team's time zone (``targets.periods.period_zone``): a deal won
2027-03-31 23:30 local time counts in March 2027 (FY2026) for a team in Asia/Tokyo and for one in
America/New_York alike, in the attainment (selectors and API) and in the pipeline's period analytics
(win rate by month, forecast), whatever the site's TIME_ZONE."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from tests.factories import CustomerFactory, DealFactory
from totonou.deals.models import Deal, Stage, StageChange
from totonou.insights.selectors.attainment import attainment_for, attainment_table, my_day_progress
from totonou.targets.models import Target
from totonou.targets.periods import member_zone, parse_period, period_zone
from totonou.users.models import Team, User

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
NYC = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2027, 4, 5, 12, tzinfo=JST)


def won(owner, amount, at):
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        amount=amount,
        stage=Stage.objects.get(slug="won"),
        closed_at=at,
        stage_entered_at=at,
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=datetime.datetime(2026, 1, 5, tzinfo=JST))
    StageChange.objects.create(
        deal=deal,
        from_stage=Stage.objects.get(slug="negotiation"),
        to_stage=Stage.objects.get(slug="won"),
        changed_by=owner,
        changed_at=at,
    )
    return deal


@pytest.fixture
def world(team_a, team_b):
    tokyo, _tokyo_manager, (tokyo_rep, _other) = team_a
    york, _york_manager, (york_rep, _other_b) = team_b
    Team.objects.filter(pk=york.pk).update(time_zone="America/New_York")
    york.refresh_from_db()
    won(tokyo_rep, 3_000_000, datetime.datetime(2027, 3, 31, 23, 30, tzinfo=JST))  # FY2026
    won(tokyo_rep, 5_000_000, datetime.datetime(2027, 4, 1, 0, 10, tzinfo=JST))  # FY2027
    # 23:30 on 31 March in New York is 12:30 on 1 April in Tokyo: FY2026 for the New York team.
    won(york_rep, 7_000_000, datetime.datetime(2027, 3, 31, 23, 30, tzinfo=NYC))
    won(york_rep, 11_000_000, datetime.datetime(2027, 4, 1, 0, 10, tzinfo=NYC))  # FY2027
    # 1 April 09:00 in Tokyo is still 31 March in New York.
    won(york_rep, 13_000_000, datetime.datetime(2027, 4, 1, 9, 0, tzinfo=JST))
    return tokyo, tokyo_rep, york, york_rep


def test_period_zone_is_the_team_zone(world, settings):
    tokyo, _tokyo_rep, york, york_rep = world
    settings.TIME_ZONE = "UTC"
    assert period_zone(york) == NYC
    assert period_zone(tokyo) == JST
    assert period_zone(None) == zoneinfo.ZoneInfo("UTC")
    assert member_zone(User.objects.get(pk=york_rep.pk)) == NYC
    assert parse_period("FY2026").bounds(period_zone(york)) == (
        datetime.datetime(2026, 4, 1, tzinfo=NYC),
        datetime.datetime(2027, 4, 1, tzinfo=NYC),
    )


@pytest.mark.parametrize("site_zone", ["Asia/Tokyo", "UTC"])
def test_attainment_counts_the_close_in_the_team_zone(world, settings, site_zone):
    settings.TIME_ZONE = site_zone
    tokyo, tokyo_rep, york, york_rep = world
    fy26, fy27, march = parse_period("FY2026"), parse_period("FY2027"), parse_period("2027-03")
    for team, rep, fy26_revenue, fy26_won, fy27_revenue in (
        (tokyo, tokyo_rep, 3_000_000, 1, 5_000_000),
        (york, york_rep, 7_000_000 + 13_000_000, 2, 11_000_000),
    ):
        members = list(User.objects.filter(team=team))
        table = attainment_table(
            span=fy26,
            periods=[march, fy26],
            metrics=["revenue", "won_deals"],
            members=[rep],
            team=team,
            team_members=members,
            now=NOW,
        )
        assert [cell.actual for cell in table.team_row("revenue").cells] == [fy26_revenue, fy26_revenue]
        assert [cell.actual for cell in table.team_row("won_deals").cells] == [fy26_won, fy26_won]
        next_year = attainment_table(
            span=fy27,
            periods=[fy27],
            metrics=["revenue"],
            members=[rep],
            team=team,
            team_members=members,
            now=NOW,
        )
        assert next_year.team_row("revenue").total.actual == fy27_revenue
        # One rep without the team: their team's zone all the same.
        rep = User.objects.get(pk=rep.pk)
        revenue = next(cell for cell in attainment_for(rep, fy26, now=NOW) if cell.metric == "revenue")
        assert revenue.actual == fy26_revenue


def test_my_day_month_is_the_team_month(world):
    _tokyo, _tokyo_rep, _york, york_rep = world
    Target.objects.create(user=york_rep, metric="revenue", period="2027-03", value=10_000_000)
    # 1 April 09:00 in Tokyo: still March in New York, so the card shows March with its target.
    progress = my_day_progress(
        member=User.objects.get(pk=york_rep.pk), now=datetime.datetime(2027, 4, 1, 9, 30, tzinfo=JST)
    )
    assert progress.month.key == "2027-03"
    assert [(month.actual, month.target) for month, _quarter in progress.rows] == [(20_000_000, 10_000_000)]


def test_attainment_api_gives_the_team_zone_bounds(world, api, admin_user):
    _tokyo, _tokyo_rep, york, _york_rep = world
    body = (
        api(admin_user)
        .get("/insights/attainment", {"period": "FY2026", "team": york.pk, "metric": "revenue"})
        .json()
    )
    start = datetime.datetime.fromisoformat(body["period"]["start"])
    end = datetime.datetime.fromisoformat(body["period"]["end"])
    assert (start, end) == (
        datetime.datetime(2026, 4, 1, tzinfo=NYC),
        datetime.datetime(2027, 4, 1, tzinfo=NYC),
    )
    assert [row["actual"] for row in body["rows"] if row["user"] is None] == [20_000_000]


def test_pipeline_win_rate_and_forecast_in_the_team_zone(world, api, admin_user, settings):
    settings.TIME_ZONE = "UTC"
    tokyo, _tokyo_rep, york, _york_rep = world
    client = api(admin_user)
    march = {"from": "2027-03-01", "to": "2027-03-31", "group_by": "month"}
    york_rate = client.get("/insights/win-rate", {**march, "team": york.pk}).json()
    assert [(row["key"], row["won"], row["won_amount"]) for row in york_rate["rows"]] == [
        ("2027-03", 2, 20_000_000)
    ]
    tokyo_rate = client.get("/insights/win-rate", {**march, "team": tokyo.pk}).json()
    assert [(row["key"], row["won"], row["won_amount"]) for row in tokyo_rate["rows"]] == [
        ("2027-03", 1, 3_000_000)
    ]
    york_forecast = client.get("/insights/forecast", {"period": "2027-03", "team": york.pk}).json()
    assert (york_forecast["won"], york_forecast["won_count"]) == (20_000_000, 2)
    april = client.get("/insights/forecast", {"period": "2027-04", "team": york.pk}).json()
    assert (april["won"], april["won_count"]) == (11_000_000, 1)
    tokyo_april = client.get("/insights/forecast", {"period": "2027-04", "team": tokyo.pk}).json()
    assert (tokyo_april["won"], tokyo_april["won_count"]) == (5_000_000, 1)


def test_the_deal_list_behind_a_figure_draws_the_same_days(world, api, admin_user, settings):
    """The analytics link to the deal list with ``closed_from`` / ``closed_to``: the list draws the
    team's days too, so it lists exactly the deals the figure counted."""
    settings.TIME_ZONE = "UTC"
    tokyo, _tokyo_rep, york, _york_rep = world
    march = {"closed_from": "2027-03-01", "closed_to": "2027-03-31", "page_size": 50}
    for team, amounts in ((york, [7_000_000, 13_000_000]), (tokyo, [3_000_000])):
        body = api(admin_user).get("/deals", {**march, "team": team.pk}).json()
        assert sorted(deal["amount"] for deal in body["results"]) == amounts
