"""Insights look back (issue 18, item 4): one period — a week, a month or a custom range — chosen on the
page with previous / next and a from–to form, counted by every insight (the key-customer coverage
included), named in words in both languages, validated as field errors (page) or 422 (API), and the
API's numbers for the same custom range. Past dates only, so the results do not depend on today."""

from __future__ import annotations

import datetime
import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import CustomerFactory, SegmentFactory
from tests.insights.conftest import JST, jst, make_activity
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

DASHBOARD = "/insights/"


def client_for(user, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world(team_a):
    """rep1 owns one key customer, Key Mart (supermarkets, key cadence 14 days), visited on Monday
    29 June 2026 (a week that ends in July) and on Tuesday 2 June; rep2 owns a non-key customer he
    called on 30 June. The strategy (supermarkets, all of 2026, target 40%) is running."""
    team, manager, (rep1, rep2) = team_a
    for person in (manager, rep1, rep2):
        person.time_zone = "Asia/Tokyo"
        person.save(update_fields=["time_zone"])
    supermarkets = SegmentFactory(name="Supermarkets", cadence_days=30, key_cadence_days=14)
    drugstores = SegmentFactory(name="Drugstores", cadence_days=30, key_cadence_days=14)
    key_mart = CustomerFactory(name="Key Mart", owner=rep1, segment=supermarkets, is_key=True)
    drug = CustomerFactory(name="Plain Drug", owner=rep2, segment=drugstores)
    make_activity(owner=rep1, customer=key_mart, starts_at=jst(2026, 6, 29, 10))  # Monday
    make_activity(owner=rep1, customer=key_mart, starts_at=jst(2026, 6, 2, 10))
    make_activity(owner=rep2, customer=drug, starts_at=jst(2026, 6, 30, 15), slug="call", planned=False)
    strategy = Strategy.objects.create(
        name="Supermarkets first",
        hypothesis="Supermarket buyers decide fast",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        target_share=40,
    )
    strategy.segments.set([supermarkets])
    return SimpleNamespace(
        team=team, manager=manager, rep1=rep1, rep2=rep2, key_mart=key_mart, strategy=strategy
    )


def coverage_of(context, user):
    return next(item["month"] for item in context["coverage_members"] if item["member"].user.pk == user.pk)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(unescape(url)).query, keep_blank_values=True)


# --- Coverage counts the chosen period ------------------------------------------------------------------


def test_coverage_of_a_week_counts_its_monday_visit_and_the_week_before_does_not(world):
    client = client_for(world.manager)
    week = client.get(DASHBOARD, {"team": world.team.pk, "period": "week", "date": "2026-07-01"}).context
    assert [week["coverage"].periods[-1].first_day, week["coverage"].periods[-1].last_day] == [
        datetime.date(2026, 6, 29),
        datetime.date(2026, 7, 5),
    ]
    rep1 = coverage_of(week, world.rep1)
    # key customers, touches, distinct days with a face-to-face visit, covered, rate
    assert (rep1.key_customers, rep1.touches, rep1.key_days, rep1.covered, rep1.coverage_rate) == (
        1,
        1,
        1,
        1,
        1.0,
    )
    before = client.get(DASHBOARD, {"team": world.team.pk, "period": "week", "date": "2026-06-22"}).context
    rep1 = coverage_of(before, world.rep1)
    # 22–28 June: no touch; the 2 June visit is 26 days before the 28th, past the 14-day key cadence.
    assert (rep1.key_customers, rep1.touches, rep1.key_days, rep1.covered, rep1.coverage_rate) == (
        1,
        0,
        0,
        0,
        0.0,
    )
    # The trend is weekly: six weeks, the last one the week chosen.
    assert [period.key for period in before["coverage"].periods] == [
        "2026-05-18",
        "2026-05-25",
        "2026-06-01",
        "2026-06-08",
        "2026-06-15",
        "2026-06-22",
    ]
    html = client.get(DASHBOARD, {"team": world.team.pk, "period": "week", "date": "2026-07-01"}).content
    row = re.search(rf'<tr data-member="{world.rep1.pk}">.*?</tr>', html.decode(), re.S)
    assert row is not None and re.search(r'data-number="touches">1<', row.group(0))


def test_coverage_of_this_week_counts_this_mondays_visit(world):
    """The defect as met: a rep who visited a key customer on Monday showed 0 in "this week" (the table
    counted the current month, which may begin after that Monday)."""
    now = timezone.localtime(timezone.now(), JST)
    monday = now.date() - datetime.timedelta(days=now.weekday())
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=JST)
    fresh = CustomerFactory(name="Fresh Mart", owner=world.rep2, segment=world.key_mart.segment, is_key=True)
    make_activity(
        owner=world.rep2, customer=fresh, starts_at=(start + (now - start) / 2).replace(microsecond=0)
    )
    context = client_for(world.rep2).get(DASHBOARD).context  # a rep's own numbers, this week
    assert context["period"]["kind"] == "week" and context["period"]["current"].first_day == monday
    rep2 = coverage_of(context, world.rep2)
    assert (rep2.key_customers, rep2.touches, rep2.key_days, rep2.covered) == (1, 1, 1, 1)


def test_every_insight_counts_a_custom_range(world):
    query = {"team": world.team.pk, "from": "2026-06-01", "to": "2026-06-28"}  # from/to: a custom range
    context = client_for(world.manager).get(DASHBOARD, query).context
    assert context["filter_errors"] == {} and context["period_errors"] == {}
    assert context["period"]["kind"] == "custom"
    assert context["coverage"].periods[-1].key == "2026-06-01/2026-06-28"
    assert coverage_of(context, world.rep1).touches == 1  # 2 June, not 29 June
    plans = {row["user"].pk: row["numbers"] for row in context["plan_rows"]}
    assert (plans[world.rep1.pk].planned, plans[world.rep1.pk].done_as_planned) == (1, 1)
    assert (plans[world.rep2.pk].planned, plans[world.rep2.pk].unplanned) == (0, 0)  # his call is on the 30th
    last = context["strategy"]["last"]
    assert (last.activities, last.matching) == (1, 1)
    assert [week.period.key for week in context["strategy"]["weeks"]] == [
        "2026-03-09/2026-04-05",
        "2026-04-06/2026-05-03",
        "2026-05-04/2026-05-31",
        "2026-06-01/2026-06-28",
    ]


# --- Previous / next --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "words", "previous", "following"),
    [
        (
            {"period": "week", "date": "2025-12-31"},
            "29 Dec 2025 – 4 Jan 2026",
            {"period": ["week"], "date": ["2025-12-22"]},
            {"period": ["week"], "date": ["2026-01-05"]},
        ),
        (
            {"period": "month", "date": "2026-01-20"},
            "January 2026",
            {"period": ["month"], "date": ["2025-12-01"]},
            {"period": ["month"], "date": ["2026-02-01"]},
        ),
        (
            {"period": "month", "date": "2025-12-10"},
            "December 2025",
            {"period": ["month"], "date": ["2025-11-01"]},
            {"period": ["month"], "date": ["2026-01-01"]},
        ),
        (
            {"period": "custom", "from": "2025-12-20", "to": "2026-01-09"},
            "20 Dec 2025 – 9 Jan 2026",
            {"period": ["custom"], "from": ["2025-11-29"], "to": ["2025-12-19"]},
            {"period": ["custom"], "from": ["2026-01-10"], "to": ["2026-01-30"]},
        ),
    ],
)
def test_previous_and_next_cross_the_year(world, period, words, previous, following):
    response = client_for(world.manager).get(DASHBOARD, {"team": "", "owner": "", **period})
    bar = response.context["period"]
    assert bar["words"] == words
    scope = {"team": [""], "owner": [""], "strategy": [str(world.strategy.pk)]}  # "everyone" is kept
    assert query_of(bar["previous_url"]) == {**scope, **previous}
    assert query_of(bar["next_url"]) == {**scope, **following}
    html = response.content.decode()
    assert f'<p class="period-bar__words" data-period-words aria-live="polite">{words}</p>' in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_no_next_after_the_period_holding_today(world):
    response = client_for(world.manager).get(DASHBOARD, {"team": world.team.pk})
    bar = response.context["period"]
    assert bar["kind"] == "week" and bar["next_url"] == ""
    assert '<span class="button button--small button--quiet is-disabled" aria-disabled="true"' in (
        response.content.decode()
    )
    monday = bar["current"].first_day
    assert query_of(bar["previous_url"])["date"] == [(monday - datetime.timedelta(days=7)).isoformat()]


@pytest.mark.parametrize(
    ("language", "query", "words"),
    [
        ("en", {"from": "2026-12-01", "to": "2026-12-07"}, "1–7 Dec 2026"),
        ("ja", {"from": "2026-12-01", "to": "2026-12-07"}, "2026年12月1日〜7日"),
        ("ja", {"period": "week", "date": "2025-12-31"}, "2025年12月29日〜2026年1月4日"),
        ("ja", {"period": "week", "date": "2026-06-30"}, "2026年6月29日〜7月5日"),
        ("en", {"period": "week", "date": "2026-06-30"}, "29 Jun – 5 Jul 2026"),
        ("ja", {"period": "month", "date": "2026-02-10"}, "2026年2月"),
        ("en", {"from": "2026-02-10", "to": "2026-02-10"}, "10 Feb 2026"),
    ],
)
def test_the_period_in_words(world, settings, language, query, words):
    settings.LANGUAGE_CODE = language
    world.manager.language = language
    world.manager.save(update_fields=["language"])
    response = client_for(world.manager, language).get(DASHBOARD, query)
    assert response.context["period"]["words"] == words
    assert response.content.decode().count(f">{words}<") >= 4  # the bar and the three insights' headings


# --- Validation: field errors on the page, 422 from the API, never a 500 -----------------------------------


BAD_RANGES = [
    ({"from": "2026-06-10", "to": "2026-06-01"}, "to", "The last day comes before the first day."),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "to", "A range is at most 366 days long."),
    ({"from": "1800-01-01", "to": "1800-01-02"}, "from", "Give a date between 1900-01-01 and 2200-12-31."),
    ({"period": "custom", "to": "2026-06-01"}, "from", "Give the first day of the range."),
    ({"period": "custom", "from": "2026-06-01"}, "to", "Give the last day of the range."),
    ({"period": "week", "from": "2026-06-01", "to": "2026-06-07"}, "from", None),
    ({"from": "not-a-day", "to": "2026-06-07"}, "from", None),
    ({"period": "year"}, "period", None),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD_RANGES)
def test_a_bad_range_is_a_field_error_on_the_page(world, query, field, message):
    response = client_for(world.manager).get(DASHBOARD, {"team": world.team.pk, **query})
    assert response.status_code == 200
    errors = response.context["period_errors"]
    assert field in errors
    if message is not None:
        assert errors[field] == [message]
    # This week is shown instead, and said so; the other filters are kept.
    assert response.context["period"]["kind"] == "week"
    assert response.context["scope"]["team"] == world.team.pk
    html = response.content.decode()
    assert "The period asked for is not valid; this week is shown instead:" in html


@pytest.mark.parametrize("endpoint", ["coverage", "plan-vs-actual", "strategy-alignment"])
@pytest.mark.parametrize(("query", "field", "message"), BAD_RANGES)
def test_a_bad_range_is_422_from_the_api(world, api, endpoint, query, field, message):
    params = {"team": world.team.pk, **query}
    if endpoint == "strategy-alignment":
        params["strategy"] = world.strategy.pk
    response = api(world.manager).get(f"/insights/{endpoint}", params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert field in detail, detail
    if message is not None:
        assert detail[field] == [message]


def test_coverage_of_a_range_ahead_is_a_field_error(world, api):
    ahead = timezone.localdate() + datetime.timedelta(days=10)
    query = {"from": ahead.isoformat(), "to": (ahead + datetime.timedelta(days=6)).isoformat()}
    response = api(world.manager).get("/insights/coverage", query)
    assert response.status_code == 422
    assert response.json()["detail"] == {
        "from": ["Choose a period that has begun: coverage is not known ahead."]
    }
    page = client_for(world.manager).get(DASHBOARD, query)
    assert page.status_code == 200
    assert (
        "Choose a period that has begun: coverage is not known ahead."
        in page.context["period_errors"]["from"]
    )


# --- The API keeps its defaults, and gives the page's numbers for the same range ---------------------------


def test_the_api_defaults_are_unchanged(world, api):
    client = api(world.manager)
    coverage = client.get("/insights/coverage", {"team": world.team.pk, "months": 2}).json()
    today = timezone.localtime(timezone.now(), JST).date()
    assert coverage["periods"][-1]["key"] == f"{today:%Y-%m}"  # a month, as before
    plans = client.get("/insights/plan-vs-actual", {"team": world.team.pk}).json()
    assert plans["granularity"] == "week" and len(plans["periods"]) == 1
    strategy = client.get("/insights/strategy-alignment", {"strategy": world.strategy.pk}).json()
    assert len(strategy["periods"]) == 4


def test_the_api_gives_the_pages_numbers_for_a_custom_range(world, api):
    query = {"team": world.team.pk, "from": "2026-06-01", "to": "2026-06-30"}
    context = client_for(world.manager).get(DASHBOARD, query).context
    client = api(world.manager)
    coverage = client.get("/insights/coverage", query).json()
    assert [period["key"] for period in coverage["periods"]] == [p.key for p in context["coverage"].periods]
    assert coverage["periods"][-1]["key"] == "2026-06-01/2026-06-30"
    last = coverage["totals"][-1]
    page_last = context["coverage_last"]
    assert (
        (last["key_customers"], last["touches"], last["key_days"], last["covered"])
        == (
            page_last.key_customers,
            page_last.touches,
            page_last.key_days,
            page_last.covered,
        )
        == (1, 2, 2, 1)
    )
    by_member = {m["user"]["id"]: m["months"][-1]["touches"] for m in coverage["members"]}
    assert by_member == {
        item["member"].user.pk: item["month"].touches for item in context["coverage_members"]
    }
    plans = client.get("/insights/plan-vs-actual", query).json()
    assert plans["granularity"] == "custom" and plans["periods"][-1]["key"] == "2026-06-01/2026-06-30"
    totals = context["plan_totals"]["numbers"]
    assert (
        (plans["totals"][-1]["planned"], plans["totals"][-1]["unplanned"], plans["totals"][-1]["done"])
        == (
            totals.planned,
            totals.unplanned,
            totals.done,
        )
        == (2, 1, 3)
    )
    strategy = client.get("/insights/strategy-alignment", {**query, "strategy": world.strategy.pk}).json()
    assert [w["activities"] for w in strategy["totals"]] == [
        w.activities for w in context["strategy"]["weeks"]
    ]
    assert [w["share"] for w in strategy["totals"]] == [w.share for w in context["strategy"]["weeks"]]
    assert strategy["totals"][-1]["activities"] == 3 and strategy["totals"][-1]["matching"] == 2


def test_the_pipeline_tab_steps_through_ranges_of_the_same_length(world):
    response = client_for(world.manager).get(
        "/insights/pipeline/", {"team": "", "owner": "", "from": "2025-12-20", "to": "2026-01-09"}
    )
    assert response.status_code == 200
    step = response.context["period_step"]
    assert step["words"] == "20 Dec 2025 – 9 Jan 2026"
    assert query_of(step["previous_url"]) == {
        "team": [""],
        "owner": [""],
        "from": ["2025-11-29"],
        "to": ["2025-12-19"],
    }
    assert query_of(step["next_url"]) == {
        "team": [""],
        "owner": [""],
        "from": ["2026-01-10"],
        "to": ["2026-01-30"],
    }
    html = response.content.decode()
    assert (
        '<p class="period-bar__words" data-period-words aria-live="polite">20 Dec 2025 – 9 Jan 2026</p>'
        in html
    )
    # The default range ends today: no next.
    assert client_for(world.manager).get("/insights/pipeline/").context["period_step"]["next_url"] == ""
