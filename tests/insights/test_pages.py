"""The Insights pages: the dashboard and the uncontacted list show the API's numbers for the same query
(exact values on hand-built data), default to the viewer's own scope, stay within a query budget that
does not grow with the data, download the same list as CSV, and plan a visit in one click (once)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import escape
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, SegmentFactory
from tests.insights.conftest import JST, jst, make_activity
from totonou.activities.models import Activity, ActivityEvent
from totonou.insights.selectors.slots import next_free_slot
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

DASHBOARD = "/insights/"
UNCONTACTED = "/insights/uncontacted/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def ago(days: int) -> datetime.datetime:
    return (timezone.now() - datetime.timedelta(days=days)).replace(microsecond=0)


def recently() -> datetime.datetime:
    """A moment in this week and this month (Tokyo) and before now: halfway from the later of the week's
    and the month's first midnight to now."""
    now = timezone.localtime(timezone.now(), JST)
    today = now.date()
    first = max(today - datetime.timedelta(days=today.weekday()), today.replace(day=1))
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=JST)
    return (start + (now - start) / 2).replace(microsecond=0)


def client_for(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def world(team_a, team_b):
    """Team A: rep1 owns never (★, never contacted), stale (contacted 40 days ago by rep2) and recent
    (★, visited this week as planned); rep2 owns planned (50 days, a visit planned next week) and
    t_recent (called this week, unplanned). rep1 also has an overdue plan this week. Team B's rep owns
    one never-contacted customer. The strategy targets segment S."""
    team, manager, (rep1, rep2) = team_a
    _, _, (rep_b, _) = team_b
    s = SegmentFactory(name="Supermarkets", cadence_days=30, key_cadence_days=14, sort_order=1)
    t = SegmentFactory(name="Drugstores", cadence_days=10, key_cadence_days=20, sort_order=2)
    w = SimpleNamespace(team=team, manager=manager, rep1=rep1, rep2=rep2, rep_b=rep_b, s=s, t=t)
    w.never = CustomerFactory(name="Never Mart", owner=rep1, segment=s, is_key=True)
    w.stale = CustomerFactory(name="Stale Foods", owner=rep1, segment=s)
    make_activity(owner=rep2, customer=w.stale, starts_at=ago(40))
    w.planned = CustomerFactory(name="Planned Drug", owner=rep2, segment=t)
    make_activity(owner=rep2, customer=w.planned, starts_at=ago(50))
    w.plan = make_activity(
        owner=rep2,
        customer=w.planned,
        starts_at=timezone.now() + datetime.timedelta(days=8),
        status="planned",
    )
    w.recent = CustomerFactory(name="Recent Mart", owner=rep1, segment=s, is_key=True)
    w.recent_visit = make_activity(owner=rep1, customer=w.recent, starts_at=recently())
    w.overdue = make_activity(owner=rep1, customer=w.recent, starts_at=recently(), status="planned")
    w.t_recent = CustomerFactory(name="Called Drug", owner=rep2, segment=t)
    make_activity(owner=rep2, customer=w.t_recent, starts_at=recently(), slug="call", planned=False)
    w.other_team = CustomerFactory(name="Team B Shop", owner=rep_b, segment=t)
    today = timezone.localdate()
    w.strategy = Strategy.objects.create(
        name="Supermarket buyers",
        hypothesis="Supermarket buyers are our target",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=30),
        target_share=40,
    )
    w.strategy.segments.set([s])
    return w


def numbers(html: str, name: str) -> list[str]:
    return re.findall(rf'data-number="{name}"[^>]*>(?:<strong>)?([^<]*)<', html)


# --- Access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [DASHBOARD, UNCONTACTED])
def test_anonymous_users_are_sent_to_sign_in(world, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def test_anonymous_plan_is_refused_and_plans_nothing(world, client):
    before = Activity.objects.count()
    response = client.post(reverse("web:insights_uncontacted_plan", args=[world.never.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Activity.objects.count() == before


# --- Dashboard: exact numbers, the API's --------------------------------------------------------------


def test_dashboard_shows_a_managers_team_by_default(world):
    response = client_for(world.manager).get(DASHBOARD)
    assert response.status_code == 200
    context = response.context
    assert context["scope"] == {"team": world.team.pk, "owner": None}
    unc = context["uncontacted"]
    totals = unc.totals
    assert (totals.uncontacted, totals.never_contacted, totals.planned, totals.unplanned, totals.key) == (
        3,
        1,
        1,
        2,
        1,
    )
    by_segment = {group.name: (group.uncontacted, group.planned) for group in unc.groups}
    assert by_segment == {"Supermarkets": (2, 0), "Drugstores": (1, 1)}
    coverage = {item["member"].user.pk: item["month"] for item in context["coverage_members"]}
    rep1 = coverage[world.rep1.pk]
    assert (rep1.key_customers, rep1.touches, rep1.key_days, rep1.covered, rep1.coverage_rate) == (
        2,
        1,
        1,
        1,
        0.5,
    )
    assert (coverage[world.rep2.pk].key_customers, coverage[world.rep2.pk].touches) == (0, 0)
    plans = {row["user"].pk: row["numbers"] for row in context["plan_rows"]}
    assert (
        plans[world.rep1.pk].planned,
        plans[world.rep1.pk].done_as_planned,
        plans[world.rep1.pk].overdue,
    ) == (
        2,
        1,
        1,
    )
    assert plans[world.rep1.pk].adherence_rate == 0.5
    assert (plans[world.rep2.pk].planned, plans[world.rep2.pk].unplanned) == (0, 1)
    assert context["plan_totals"]["numbers"].adherence_rate == 0.5
    strategy = context["strategy"]
    assert strategy["result"].strategy.pk == world.strategy.pk
    last = strategy["last"]
    assert (last.activities, last.matching, last.share, last.on_track) == (2, 1, 0.5, True)
    by_member = {item["user"].pk: item["week"] for item in strategy["members"]}
    assert (by_member[world.rep1.pk].share, by_member[world.rep1.pk].on_track) == (1.0, True)
    assert (by_member[world.rep2.pk].share, by_member[world.rep2.pk].on_track) == (0.0, False)
    html = response.content.decode()
    # The numbers are text as well as bars and lines.
    assert numbers(html, "uncontacted")[:3] == ["3", "2", "1"]
    assert numbers(html, "planned")[0] == "1 planned"
    assert "50%" in numbers(html, "adherence-rate")
    assert numbers(html, "coverage-rate")[0] == "50%"
    assert '<svg class="chart chart--line"' in html and 'role="img"' in html
    # The page's period is this week by default: the coverage trend is weekly.
    assert '<title id="coverage-chart-title">Coverage rate per week</title>' in html
    assert 'class="chart__target"' in html


def test_a_rep_sees_their_own_numbers_by_default(world):
    context = client_for(world.rep1).get(DASHBOARD).context
    assert context["scope"] == {"team": None, "owner": world.rep1.pk}
    assert context["uncontacted"].totals.uncontacted == 2  # never, stale: planned belongs to rep2
    assert [row["user"].pk for row in context["plan_rows"]] == [world.rep1.pk]
    # Reading is open to everyone signed in: a rep may choose the whole team.
    team_view = client_for(world.rep1).get(DASHBOARD, {"team": world.team.pk}).context
    assert team_view["uncontacted"].totals.uncontacted == 3


@pytest.mark.parametrize(
    "query",
    [
        "team={team}",
        "team={team}&key_only=true",
        "owner={rep1}&period=month",
        "team={team}&segment={segment}",
        "team=&owner=",  # everyone
    ],
)
def test_dashboard_and_api_agree(world, api, query):
    query = query.format(team=world.team.pk, rep1=world.rep1.pk, segment=world.s.pk)
    context = client_for(world.manager).get(f"{DASHBOARD}?{query}").context
    assert context["filter_errors"] == {}
    client = api(world.manager)
    query = "&".join(
        part for part in query.split("&") if not part.endswith("=")
    )  # the API: absent, not empty
    unc = client.get(f"/insights/uncontacted?{query}").json()
    assert unc["totals"]["uncontacted"] == context["uncontacted"].totals.uncontacted
    assert unc["totals"]["planned"] == context["uncontacted"].totals.planned
    assert [g["uncontacted"] for g in unc["groups"]] == [g.uncontacted for g in context["uncontacted"].groups]
    # The page counts this week unless told otherwise; the coverage API's default stays the month.
    page_period = query if "period=" in query else f"{query}&period=week"
    coverage = client.get(f"/insights/coverage?{page_period}").json()
    assert [p["key"] for p in coverage["periods"]] == [p.key for p in context["coverage"].periods]
    assert [m["coverage_rate"] for m in coverage["totals"]] == [
        m.coverage_rate for m in context["coverage"].totals
    ]
    last = coverage["totals"][-1]
    page_last = context["coverage_last"]
    assert (last["touches"], last["key_days"], last["covered"], last["key_customers"]) == (
        page_last.touches,
        page_last.key_days,
        page_last.covered,
        page_last.key_customers,
    )
    members = {m["user"]["id"]: m["months"][-1]["touches"] for m in coverage["members"]}
    assert members == {item["member"].user.pk: item["month"].touches for item in context["coverage_members"]}
    plans = client.get(f"/insights/plan-vs-actual?{query}").json()
    page_totals = context["plan_totals"]["numbers"]
    assert plans["totals"][-1]["planned"] == page_totals.planned
    assert plans["totals"][-1]["done_as_planned"] == page_totals.done_as_planned
    assert plans["totals"][-1]["unplanned"] == page_totals.unplanned
    assert plans["totals"][-1]["adherence_rate"] == page_totals.adherence_rate
    assert [m["user"]["id"] for m in plans["members"]] == [row["user"].pk for row in context["plan_rows"]]
    strategy = client.get(f"/insights/strategy-alignment?{query}&strategy={world.strategy.pk}").json()
    assert [w["share"] for w in strategy["totals"]] == [w.share for w in context["strategy"]["weeks"]]
    assert [w["activities"] for w in strategy["totals"]] == [
        w.activities for w in context["strategy"]["weeks"]
    ]


def href(path: str, query: dict) -> str:
    return f'href="{escape(path + "?" + urlencode(query))}"'


def test_dashboard_numbers_link_to_the_lists_behind_them(world):
    html = client_for(world.manager).get(DASHBOARD, {"team": world.team.pk}).content.decode()
    uncontacted = reverse("web:insights_uncontacted")
    team = world.team.pk
    assert f'{href(uncontacted, {"team": team})} data-number="uncontacted"><strong>3</strong>' in html
    assert f'{href(uncontacted, {"team": team, "planned": "false"})} data-number="unplanned"' in html
    assert (
        f'{href(uncontacted, {"team": team, "segment": world.s.pk})} data-number="uncontacted">2</a>' in html
    )
    customers = reverse("customers:customer_list")
    key_query = {"owner": world.rep1.pk, "is_key": "true", "sort": "last_contact"}
    assert f'{href(customers, key_query)} data-number="key-customers">2</a>' in html
    uncovered = {"owner": world.rep1.pk, "key_only": "true"}
    assert f'{href(uncontacted, uncovered)} data-number="coverage-rate">50%</a>' in html
    calendar = reverse("activities:calendar")
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    week = {"view": "week", "date": monday.isoformat(), "members": world.rep1.pk}
    assert f'{href(calendar, week)} data-number="planned">2</a>' in html


def test_bad_filters_are_reported_not_a_500(world):
    response = client_for(world.manager).get(
        DASHBOARD, {"team": world.team.pk, "month": "2999-01-01", "days": "0"}
    )
    assert response.status_code == 200
    errors = response.context["filter_errors"]
    assert set(errors) == {"month", "days"}
    # The rest is still computed, for the valid filters.
    assert response.context["uncontacted"].totals.uncontacted == 3
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    assert response.context["coverage"].periods[-1].first_day == monday  # the page's period: this week


def test_without_a_strategy_the_dashboard_says_so(world):
    Strategy.objects.all().delete()
    response = client_for(world.manager).get(DASHBOARD)
    assert response.context["strategy"] is None
    assert "No strategy hypothesis yet." in response.content.decode()


# --- Uncontacted list ---------------------------------------------------------------------------------


def test_uncontacted_list_agrees_with_the_api(world, api):
    query = f"team={world.team.pk}"
    response = client_for(world.manager).get(f"{UNCONTACTED}?{query}")
    body = api(world.manager).get(f"/insights/uncontacted?{query}").json()
    rows = [item["row"] for item in response.context["rows"]]
    assert [row.customer.pk for row in rows] == [row["customer"] for row in body["results"]]
    assert [row.customer.pk for row in rows] == [world.never.pk, world.planned.pk, world.stale.pk]
    assert [row.days_since_contact for row in rows] == [None, 50, 40]
    assert [row.is_planned for row in rows] == [False, True, False]
    html = response.content.decode()
    never_row = re.search(rf'<tr class="([^"]*)" data-customer="{world.never.pk}">', html)
    assert never_row is not None and never_row.group(1) == "is-key"
    assert 'class="key-marker" role="img" aria-label="Key customer"' in html
    assert f'<tr class=" is-planned" data-customer="{world.planned.pk}">' in html
    assert f'data-planned-activity="{world.plan.pk}"' in html
    assert "Never contacted" in html and "40 days" in html and str(world.rep2) in html  # who made it


def test_uncontacted_list_shows_planned_apart(world):
    client = client_for(world.manager)
    unplanned = client.get(UNCONTACTED, {"team": world.team.pk, "planned": "false"}).context["rows"]
    planned = client.get(UNCONTACTED, {"team": world.team.pk, "planned": "true"}).context["rows"]
    assert [item["row"].customer.pk for item in unplanned] == [world.never.pk, world.stale.pk]
    assert [item["row"].customer.pk for item in planned] == [world.planned.pk]


def test_uncontacted_days_filter_overrides_thresholds(world):
    rows = client_for(world.manager).get(UNCONTACTED, {"team": world.team.pk, "days": 45}).context["rows"]
    assert [item["row"].customer.pk for item in rows] == [world.never.pk, world.planned.pk]
    assert {item["row"].threshold_days for item in rows} == {45}


def test_csv_download_from_the_page(world):
    client = client_for(world.manager)
    html = client.get(UNCONTACTED, {"team": world.team.pk, "planned": "false"}).content.decode()
    href = re.search(r'<a class="button" href="([^"]+)" download data-csv>', html)
    assert href is not None
    url = href.group(1).replace("&amp;", "&")
    assert url == f"/api/v1/insights/uncontacted.csv?team={world.team.pk}&planned=false"
    response = client.get(url)  # the browser's session signs the API request in
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Never Mart", "Stale Foods"]
    assert rows[2][7] == "40"  # days since contact
    assert rows[2][9] == str(world.rep2)  # by whom


# --- One click: plan a visit --------------------------------------------------------------------------


def htmx_post(client: Client, customer_id: int, data: dict | None = None):
    return client.post(
        reverse("web:insights_uncontacted_plan", args=[customer_id]),
        data or {},
        headers={"HX-Request": "true", "HX-Target": f"plan-{customer_id}"},
    )


def summary_numbers(html: str) -> dict[str, str]:
    """The "All segments" row of the per-segment counts in ``html``."""
    footer = html[html.index('<tr data-segment="all">') :]
    footer = footer[: footer.index("</tr>")]
    return dict(re.findall(r'data-number="(\w+)">(\d+)<', footer))


def test_one_click_plan_sends_the_lists_new_counts_along(world):
    """The row's cell and, out of band, the counts of the list the click came from (its filters kept):
    one customer moves from "Needs a plan" to "Planned". A click that adds nothing sends no counts."""
    client = client_for(world.manager)
    list_url = f"{UNCONTACTED}?team={world.team.pk}&segment={world.never.segment_id}"
    before = summary_numbers(client.get(list_url).content.decode())
    response = htmx_post(client, world.never.pk, {"next": list_url})
    html = response.content.decode()
    assert '<template><div id="uncontacted-summary" hx-swap-oob="true">' in html
    assert summary_numbers(html) == {
        **before,
        "planned": str(int(before["planned"]) + 1),
        "unplanned": str(int(before["unplanned"]) - 1),
    }
    assert summary_numbers(html) == summary_numbers(client.get(list_url).content.decode())
    visit = Activity.objects.get(customer=world.never)
    assert visit.subject == "Follow-up (no recent contact)"
    second = htmx_post(client, world.never.pk, {"next": list_url}).content.decode()
    assert "uncontacted-summary" not in second


def test_one_click_plans_exactly_one_visit_and_a_second_click_nothing(world):
    client = client_for(world.manager)
    before = Activity.objects.count()
    response = htmx_post(client, world.never.pk)
    assert response.status_code == 200
    visits = list(Activity.objects.filter(customer=world.never))
    assert Activity.objects.count() == before + 1
    assert len(visits) == 1
    visit = visits[0]
    assert (visit.status, visit.type.slug, visit.owner_id) == ("planned", "visit", world.rep1.pk)
    local = timezone.localtime(visit.starts_at, JST)
    assert local.date() > timezone.localdate() and local.weekday() < 5 and local.hour == 10
    assert visit.ends_at - visit.starts_at == datetime.timedelta(hours=1)
    assert visit.planned_at is not None and visit.original_starts_at == visit.starts_at
    assert ActivityEvent.objects.filter(activity=visit, kind=ActivityEvent.Kind.PLANNED).count() == 1
    html = response.content.decode()
    assert html.startswith(f'<td class="plan-cell" id="plan-{world.never.pk}">')
    assert f'data-planned-activity="{visit.pk}"' in html and "planned for" in html

    second = htmx_post(client, world.never.pk)
    assert second.status_code == 200
    assert Activity.objects.count() == before + 1
    assert "nothing was added" in second.content.decode()
    # Planned now: the customer is still uncontacted (a plan is no contact) but counted as planned.
    context = client.get(UNCONTACTED, {"team": world.team.pk}).context
    assert context["result"].totals.planned == 2
    assert context["result"].totals.uncontacted == 3


def test_a_customer_with_a_plan_ahead_gets_no_second_plan(world):
    before = Activity.objects.count()
    response = htmx_post(client_for(world.manager), world.planned.pk)
    assert Activity.objects.count() == before
    assert f'data-planned-activity="{world.plan.pk}"' in response.content.decode()


def test_a_rep_plans_for_themselves_on_another_reps_customer(world):
    htmx_post(client_for(world.rep_b), world.stale.pk)
    visit = Activity.objects.get(customer=world.stale, status="planned")
    assert visit.owner_id == world.rep_b.pk  # rep_b may not fill rep1's calendar


def test_plan_without_javascript_redirects_back_with_a_message(world):
    client = client_for(world.rep1)
    back = f"{UNCONTACTED}?owner={world.rep1.pk}"
    response = client.post(reverse("web:insights_uncontacted_plan", args=[world.stale.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Activity.objects.filter(customer=world.stale, status="planned").count() == 1
    assert "Visit to Stale Foods planned for" in client.get(back).content.decode()


def test_plan_answers_404_for_an_unknown_customer_and_405_for_get(world):
    client = client_for(world.manager)
    before = Activity.objects.count()
    assert client.post(reverse("web:insights_uncontacted_plan", args=[999999])).status_code == 404
    assert client.get(reverse("web:insights_uncontacted_plan", args=[world.never.pk])).status_code == 405
    assert Activity.objects.count() == before


def test_next_free_slot_skips_holidays_and_busy_hours(world):
    now = jst(2026, 4, 28, 12)  # a Tuesday; 29 April is a holiday (昭和の日)
    assert next_free_slot(owner=world.rep1, zone=JST, now=now) == (jst(2026, 4, 30, 10), jst(2026, 4, 30, 11))
    make_activity(
        owner=world.rep1, customer=world.recent, starts_at=jst(2026, 4, 30, 9, 30), status="planned"
    )
    make_activity(owner=world.rep1, customer=world.recent, starts_at=jst(2026, 4, 30, 14), status="cancelled")
    # 9:30–10:30 blocks 10:00; a cancelled activity blocks nothing.
    assert next_free_slot(owner=world.rep1, zone=JST, now=now) == (jst(2026, 4, 30, 14), jst(2026, 4, 30, 15))


# --- Query budgets --------------------------------------------------------------------------------------


def add_rows(world, count: int) -> None:
    """More of everything the pages count: uncontacted customers (contacted 40 days ago), key customers
    visited this week, plans and unplanned calls."""
    for index in range(count):
        owner = world.rep1 if index % 2 else world.rep2
        stale = CustomerFactory(owner=owner, segment=world.s if index % 3 else world.t, is_key=index % 4 == 0)
        make_activity(owner=owner, customer=stale, starts_at=ago(40 + index % 5))
        make_activity(owner=owner, customer=stale, starts_at=recently(), status="planned")
        make_activity(owner=owner, customer=None, starts_at=recently(), slug="internal", planned=False)


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        # (-1 since the bell's count comes with the signed-in user: users/backends.py)
        (DASHBOARD, 24),
        (f"{DASHBOARD}?period=month", 24),
        # Periods before the strategy began: its three aggregates (activities, deals created, deals won)
        # are skipped, the rest is the same.
        (f"{DASHBOARD}?period=week&date=2026-01-07", 21),
        (f"{DASHBOARD}?from=2026-01-01&to=2026-03-31", 21),  # a custom quarter
        (UNCONTACTED, 11),
        (f"{UNCONTACTED}?planned=true", 10),
    ],
)
def test_query_counts_do_not_grow_with_rows(world, path, budget):
    client = client_for(world.manager)
    add_rows(world, 5)
    small = queries(client, path)
    add_rows(world, 60)
    large = queries(client, path)
    assert small == large == budget


def test_the_strategy_shown_by_default_is_the_teams(world, team_b):
    today = timezone.localdate()
    dates = {"starts_on": today - datetime.timedelta(days=7), "ends_on": today + datetime.timedelta(days=7)}
    ours = Strategy.objects.create(name="Ours", hypothesis="H", target_share=30, team=world.team, **dates)
    theirs = Strategy.objects.create(name="Theirs", hypothesis="H", target_share=30, team=team_b[0], **dates)
    client = client_for(world.manager)
    assert client.get(DASHBOARD).context["strategy_id"] == ours.pk
    assert client.get(DASHBOARD, {"team": team_b[0].pk}).context["strategy_id"] == theirs.pk
    assert client.get(DASHBOARD, {"owner": world.rep_b.pk}).context["strategy_id"] == theirs.pk
    # Everyone: the one for everyone; and one asked for by id wins.
    assert client.get(DASHBOARD, {"team": "", "owner": ""}).context["strategy_id"] == world.strategy.pk
    assert client.get(DASHBOARD, {"strategy": theirs.pk}).context["strategy_id"] == theirs.pk


def test_coverage_can_count_touches_in_the_last_months_only(world):
    from totonou.insights.filters import CoverageFilter
    from totonou.insights.selectors.coverage import key_customer_coverage

    make_activity(owner=world.rep1, customer=world.recent, starts_at=ago(40))  # a touch two months back
    filters = CoverageFilter(team=world.team.pk, months=3)
    full = key_customer_coverage(user=world.manager, filters=filters)
    last = key_customer_coverage(user=world.manager, filters=filters, touches_months=1)
    none = key_customer_coverage(user=world.manager, filters=filters, touches_months=0)
    assert sum(month.touches for month in full.totals) == 2
    assert [month.touches for month in last.totals] == [0, 0, full.totals[-1].touches]
    assert [month.key_days for month in last.totals] == [0, 0, full.totals[-1].key_days]
    assert [month.touches for month in none.totals] == [0, 0, 0]
    for result in (last, none):  # the coverage itself does not depend on it
        assert [m.covered for m in result.totals] == [m.covered for m in full.totals]
        assert [m.key_customers for m in result.totals] == [m.key_customers for m in full.totals]
