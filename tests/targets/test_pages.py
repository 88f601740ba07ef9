"""The Targets pages: who sees what, the managers' grid (spread, copy, save), refusals with nothing
changed, and constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, TeamFactory, UserFactory
from totonou.deals.models import Deal, Stage
from totonou.targets.models import Target
from totonou.targets.periods import fiscal_year_of, period_zone
from totonou.users.models import User


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def this_year() -> int:
    return fiscal_year_of(timezone.now().astimezone(period_zone()).date())


def rows() -> list[tuple]:
    return list(Target.objects.order_by("pk").values_list("user_id", "team_id", "metric", "period", "value"))


def test_manager_sees_every_member_and_the_team_total(team_a):
    team, manager, (rep1, rep2) = team_a
    year = this_year()
    Target.objects.create(user=rep1, metric="revenue", period=f"FY{year}", value=12_000_000)
    response = client_for(manager).get("/targets/", {"team": team.pk, "year": year})
    assert response.status_code == 200
    html = response.content.decode()
    for person in (manager, rep1, rep2):
        assert f'data-row="{person.pk}"' in html
    assert 'data-row="team"' in html
    assert "¥12,000,000" in html
    assert 'id="targets-edit"' in html
    assert "<svg" in html and "targets-svg-desc" in html


def test_rep_sees_their_own_row_and_the_team_total_and_no_edit_link(team_a):
    _team, manager, (rep1, rep2) = team_a
    response = client_for(rep1).get("/targets/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-row="{rep1.pk}"' in html and 'data-row="team"' in html
    assert f'data-row="{rep2.pk}"' not in html and f'data-row="{manager.pk}"' not in html
    assert 'id="targets-edit"' not in html


def test_other_teams_are_refused(team_a, team_b):
    _team, _manager, (rep1, _rep2) = team_a
    assert client_for(rep1).get("/targets/", {"team": team_b[0].pk}).status_code == 403
    assert client_for(team_b[1]).get("/targets/", {"team": team_a[0].pk}).status_code == 403
    assert client_for(rep1).get("/targets/", {"team": 999999}).status_code == 404


def test_reps_may_not_open_the_grid(team_a):
    team, _manager, (rep1, _rep2) = team_a
    before = rows()
    assert client_for(rep1).get("/targets/edit/", {"team": team.pk}).status_code == 403
    response = client_for(rep1).post(f"/targets/edit/?team={team.pk}", {"action": "save"})
    assert response.status_code == 403
    assert rows() == before


def test_another_teams_manager_may_not_save_the_grid(team_a, team_b):
    team, _manager, (rep1, _rep2) = team_a
    year = this_year()
    before = rows()
    data = {"action": "save", f"u{rep1.pk}_{year}-04": "100"}
    response = client_for(team_b[1]).post(f"/targets/edit/?team={team.pk}&year={year}", data)
    assert response.status_code == 403
    assert rows() == before


def grid_post(manager, team, year, data, metric="revenue"):
    return client_for(manager).post(f"/targets/edit/?team={team.pk}&year={year}&metric={metric}", data)


def test_spread_fills_the_grid_without_saving_then_save_writes_it(team_a):
    team, manager, (rep1, _rep2) = team_a
    year = 2026
    response = grid_post(
        manager,
        team,
        year,
        {
            "action": "spread",
            "spread_who": str(rep1.pk),
            "spread_period": "FY2026",
            "spread_value": "12000005",
            "spread_method": "even",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="u{rep1.pk}_2026-04" value="1000001"' in html
    assert f'name="u{rep1.pk}_2027-03" value="1000000"' in html
    assert rows() == []
    form = response.context["form"]
    data = {name: form.data.get(name, "") for name in form.fields if name.startswith(("u", "team_"))}
    data["team_2026-04"] = "5000000"
    response = grid_post(manager, team, year, {**data, "action": "save"})
    assert response.status_code == 302
    saved = {(user, team_id, period): value for user, team_id, _metric, period, value in rows()}
    assert saved[(rep1.pk, None, "2026-04")] == 1_000_001
    assert saved[(rep1.pk, None, "2026-08")] == 1_000_001
    assert saved[(rep1.pk, None, "2026-09")] == 1_000_000
    assert saved[(None, team.pk, "2026-04")] == 5_000_000
    assert sum(value for (user, _t, _p), value in saved.items() if user == rep1.pk) == 12_000_005
    assert len(saved) == 13


def test_spread_a_quarter_like_last_years_actuals(team_a):
    team, manager, (rep1, _rep2) = team_a
    won = Stage.objects.get(slug="won")
    zone = period_zone()
    for month, amount in ((4, 1_000_000), (5, 3_000_000)):  # FY2025 Q1: April, May, nothing in June
        DealFactory(
            owner=rep1,
            customer=CustomerFactory(owner=rep1),
            amount=amount,
            stage=won,
            closed_at=datetime.datetime(2025, month, 10, 10, tzinfo=zone),
        )
    response = grid_post(
        manager,
        team,
        2026,
        {
            "action": "spread",
            "spread_who": "each",
            "spread_period": "2026-Q1",
            "spread_value": "800",
            "spread_method": "last_year",
        },
    )
    html = response.content.decode()
    assert f'name="u{rep1.pk}_2026-04" value="200"' in html
    assert f'name="u{rep1.pk}_2026-05" value="600"' in html
    assert f'name="u{rep1.pk}_2026-06" value="0"' in html
    # a member without last year's actuals gets it evenly
    assert f'name="u{manager.pk}_2026-04" value="267"' in html


def test_copy_last_years_targets(team_a):
    team, manager, (rep1, _rep2) = team_a
    Target.objects.create(user=rep1, metric="won_deals", period="2025-07", value=4)
    response = grid_post(manager, team, 2026, {"action": "copy"}, metric="won_deals")
    assert f'name="u{rep1.pk}_2026-07" value="4"' in response.content.decode()
    assert rows() == [(rep1.pk, None, "won_deals", "2025-07", 4)]


def test_a_negative_figure_is_refused_and_nothing_changes(team_a):
    team, manager, (rep1, _rep2) = team_a
    Target.objects.create(user=rep1, metric="revenue", period="2026-05", value=7)
    before = rows()
    response = grid_post(
        manager, team, 2026, {"action": "save", f"u{rep1.pk}_2026-04": "-5", f"u{rep1.pk}_2026-05": "9"}
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert rows() == before


def test_clearing_a_cell_deletes_that_target(team_a):
    team, manager, (rep1, _rep2) = team_a
    Target.objects.create(user=rep1, metric="revenue", period="2026-05", value=7)
    response = grid_post(manager, team, 2026, {"action": "save", f"u{rep1.pk}_2026-05": ""})
    assert response.status_code == 302
    assert rows() == []


def test_the_page_query_count_does_not_grow_with_the_team(team_a, django_assert_max_num_queries):
    team, manager, (_rep1, _rep2) = team_a
    year = this_year()
    client = client_for(manager)
    client.get("/targets/", {"team": team.pk})

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/targets/", {"team": team.pk, "year": year}).status_code == 200
        return len(captured)

    small = count()
    for index in range(6):
        rep = UserFactory(username=f"extra{index}", team=team)
        Target.objects.create(user=rep, metric="revenue", period=f"{year}-Q1", value=100)
        for _ in range(3):
            DealFactory(
                owner=rep,
                customer=CustomerFactory(owner=rep),
                stage=Stage.objects.get(slug="won"),
                closed_at=timezone.now(),
            )
    assert count() == small
    assert small <= 14
    assert Deal.objects.count() == 18


def test_my_day_shows_the_progress_card(team_a):
    _team, _manager, (rep1, _rep2) = team_a
    today = timezone.now().astimezone(period_zone()).date()
    Target.objects.create(user=rep1, metric="activities", period=f"{today:%Y-%m}", value=40)
    html = client_for(rep1).get("/").content.decode()
    assert 'id="targets-progress"' in html
    assert 'data-metric="activities"' in html
    assert "/ 40" in html


def test_admin_without_team_sees_the_first_team(admin_user, team_a):
    response = client_for(admin_user).get("/targets/")
    assert response.status_code == 200
    assert response.context["team"] == team_a[0]


def test_a_user_in_no_team(db):
    loner = UserFactory(username="loner", team=TeamFactory(name="Solo"))
    loner.team = None
    loner.save()
    response = client_for(loner).get("/targets/")
    assert response.status_code == 200
    assert "You are in no team yet" in response.content.decode()
