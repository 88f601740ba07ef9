"""The insights API: who may read, bad filters are 422 with field messages, the numbers are the
selectors' (and the page's, which parses the same FilterSchemas), CSV for Excel, bounded queries."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import detail
from tests.factories import CustomerFactory, SegmentFactory
from tests.insights.conftest import make_activity
from totonou.core.filters import filters_from_query
from totonou.insights.filters import UncontactedFilter
from totonou.insights.selectors.uncontacted import uncontacted_customers
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/insights/uncontacted",
    "/insights/uncontacted.csv",
    "/insights/coverage",
    "/insights/plan-vs-actual",
    "/insights/strategy-alignment?strategy=1",
]


def ago(days: int) -> datetime.datetime:
    return (timezone.now() - datetime.timedelta(days=days)).replace(microsecond=0)


@pytest.fixture
def world(people):
    segment = SegmentFactory(name="食品スーパー", cadence_days=30, key_cadence_days=14)
    owner = people.owner
    never = CustomerFactory(
        name="未接触", name_kana="ミセッショク", owner=owner, segment=segment, is_key=True
    )
    stale = CustomerFactory(name="久しぶり", name_kana="ヒサシブリ", owner=owner, segment=segment)
    make_activity(owner=people.other_rep, customer=stale, starts_at=ago(40))
    planned = CustomerFactory(name="予定あり", name_kana="ヨテイアリ", owner=people.rep_b, segment=segment)
    make_activity(owner=people.rep_b, customer=planned, starts_at=ago(50))
    plan = make_activity(
        owner=people.rep_b,
        customer=planned,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        status="planned",
    )
    recent = CustomerFactory(name="最近", owner=owner, segment=segment)
    make_activity(owner=owner, customer=recent, starts_at=ago(2))
    strategy = Strategy.objects.create(
        name="S",
        hypothesis="H",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        target_share=40,
    )
    strategy.segments.set([segment])
    return {
        "never": never,
        "stale": stale,
        "planned": planned,
        "plan": plan,
        "segment": segment,
        "strategy": strategy,
    }


@pytest.mark.parametrize("path", ENDPOINTS)
def test_credentials_are_required(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401
    assert isinstance(detail(response), str)


@pytest.mark.parametrize("role", ["owner", "other_rep", "manager", "admin"])
def test_everyone_signed_in_reads(people, api, world, role):
    client = api(people.get(role))
    for path in ENDPOINTS:
        response = client.get(path.replace("strategy=1", f"strategy={world['strategy'].pk}"))
        assert response.status_code == 200, (path, response.content[:300])


def test_uncontacted_shape_and_numbers(people, api, world):
    body = api(people.manager).get("/insights/uncontacted").json()
    assert body["days"] is None
    assert body["today"] == timezone.localdate().isoformat()
    assert body["totals"] == {"uncontacted": 3, "never_contacted": 1, "planned": 1, "unplanned": 2, "key": 1}
    assert body["groups"] == [
        {
            "segment": world["segment"].pk,
            "name": "食品スーパー",
            "color": world["segment"].color,
            "cadence_days": 30,
            "key_cadence_days": 14,
            "uncontacted": 3,
            "never_contacted": 1,
            "planned": 1,
            "unplanned": 2,
            "key": 1,
        }
    ]
    assert [row["name"] for row in body["results"]] == ["未接触", "予定あり", "久しぶり"]
    never, planned, stale = body["results"]
    assert never == {
        "customer": world["never"].pk,
        "name": "未接触",
        "name_kana": "ミセッショク",
        "segment": world["segment"].pk,
        "owner": people.owner.pk,
        "is_key": True,
        "threshold_days": 14,
        "days_since_contact": None,
        "last_contact_at": None,
        "last_contact_by": None,
        "is_planned": False,
        "next_planned_at": None,
        "next_planned_activity": None,
        "web_url": f"http://127.0.0.1:8000/customers/{world['never'].pk}/",
    }
    assert (planned["is_planned"], planned["next_planned_activity"]) == (True, world["plan"].pk)
    assert planned["next_planned_at"] == timezone.localtime(world["plan"].starts_at).isoformat()
    assert (stale["days_since_contact"], stale["last_contact_by"], stale["threshold_days"]) == (
        40,
        people.other_rep.pk,
        30,
    )
    assert stale["last_contact_at"].endswith("+09:00")  # the caller's time zone


def test_uncontacted_filters_and_paging(people, api, world):
    client = api(people.manager)

    def names(params):
        return [row["name"] for row in client.get("/insights/uncontacted", params).json()["results"]]

    assert names({"days": 45}) == ["未接触", "予定あり"]
    assert names({"owner": people.owner.pk}) == ["未接触", "久しぶり"]
    assert names({"team": people.rep_b.team_id}) == ["予定あり"]
    assert names({"key_only": "true"}) == ["未接触"]
    assert names({"planned": "false"}) == ["未接触", "久しぶり"]
    assert names({"planned": "true"}) == ["予定あり"]
    assert names({"segment": world["segment"].pk + 1}) == []
    first = client.get("/insights/uncontacted", {"page_size": 2}).json()
    assert ([row["name"] for row in first["results"]], first["has_next"]) == (["未接触", "予定あり"], True)
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = client.client.get(first["next"]).json()
    assert ([row["name"] for row in second["results"]], second["has_next"], second["next"]) == (
        ["久しぶり"],
        False,
        None,
    )
    assert second["totals"] == first["totals"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "days=10",
        "planned=false&segment={segment}",
        "owner={owner}&key_only=true",
        "team={team}&planned=true",
    ],
)
def test_the_api_and_the_page_agree(people, api, world, query):
    """The page will build the same FilterSchema from its query string (``filters_from_query``)."""
    query = query.format(segment=world["segment"].pk, owner=people.owner.pk, team=people.rep_b.team_id)
    body = api(people.manager).get(f"/insights/uncontacted?{query}").json()
    filters, errors = filters_from_query(UncontactedFilter, QueryDict(query))
    assert errors == {}
    page = uncontacted_customers(user=people.manager, filters=filters)
    assert [row["customer"] for row in body["results"]] == [row.customer.pk for row in page.rows[0:50]]
    assert len(body["results"]) == len(page.rows)
    assert body["totals"]["uncontacted"] == page.totals.uncontacted
    assert [group["uncontacted"] for group in body["groups"]] == [group.uncontacted for group in page.groups]


def test_uncontacted_csv(people, api, world):
    response = api(people.manager).get("/insights/uncontacted.csv", {"planned": "false"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="uncontacted-')
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, so Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "Customer id",
        "Customer",
        "Name (kana)",
        "Segment",
        "Owner",
        "Key customer",
        "Threshold (days)",
        "Days since contact",
        "Last contact",
        "Last contact by",
        "Planned",
        "Next planned",
    ]
    assert [row[1] for row in rows[1:]] == ["未接触", "久しぶり"]
    stale = rows[2]
    assert stale[3:8] == ["食品スーパー", str(people.owner), "no", "30", "40"]
    assert stale[9:] == [str(people.other_rep), "no", ""]
    assert raw.count(b"\r\n") == 3


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/insights/uncontacted?days=0", "days"),
        ("/insights/uncontacted?days=3651", "days"),
        ("/insights/uncontacted?days=ten", "days"),
        ("/insights/uncontacted?segment=abc", "segment"),
        ("/insights/uncontacted?owner=0", "owner"),
        ("/insights/uncontacted?key_only=maybe", "key_only"),
        ("/insights/uncontacted?page_size=0", "page_size"),
        ("/insights/uncontacted?page=0", "page"),
        ("/insights/uncontacted.csv?days=-1", "days"),
        ("/insights/coverage?months=0", "months"),
        ("/insights/coverage?months=27", "months"),
        ("/insights/coverage?month=2026-13-01", "month"),
        ("/insights/coverage?month=2999-01-01", "month"),
        ("/insights/coverage?team=x", "team"),
        ("/insights/plan-vs-actual?period=year", "period"),
        ("/insights/plan-vs-actual?periods=0", "periods"),
        ("/insights/plan-vs-actual?type=fax", "type"),
        ("/insights/plan-vs-actual?date=yesterday", "date"),
        ("/insights/strategy-alignment", "strategy"),
        ("/insights/strategy-alignment?strategy=abc", "strategy"),
        ("/insights/strategy-alignment?strategy=1&weeks=0", "weeks"),
    ],
)
def test_bad_filters_are_422(people, api, world, path, field):
    response = api(people.owner).get(path)
    assert response.status_code == 422, response.content[:300]
    assert set(detail(response)) == {field}


def test_an_unknown_strategy_is_404(people, api, world):
    response = api(people.owner).get("/insights/strategy-alignment", {"strategy": world["strategy"].pk + 100})
    assert response.status_code == 404


def test_coverage_plan_and_strategy_shapes(people, api, world):
    client = api(people.manager)
    coverage = client.get("/insights/coverage", {"owner": people.owner.pk, "months": 3}).json()
    assert len(coverage["periods"]) == 3 and coverage["periods"][-1]["key"] == timezone.localdate().strftime(
        "%Y-%m"
    )
    assert coverage["members"][0]["user"] == {"id": people.owner.pk, "name": str(people.owner)}
    this_month = coverage["members"][0]["months"][-1]
    assert (this_month["key_customers"], this_month["covered"], this_month["coverage_rate"]) == (1, 0, 0.0)
    plan = client.get("/insights/plan-vs-actual", {"owner": people.rep_b.pk, "period": "month"}).json()
    assert plan["granularity"] == "month"
    assert {item["slug"] for item in plan["types"]} >= {"visit", "call", "internal"}
    assert set(plan["members"][0]["periods"][0]) >= {"planned", "adherence_rate", "by_type"}
    alignment = client.get("/insights/strategy-alignment", {"strategy": world["strategy"].pk}).json()
    assert alignment["strategy"]["id"] == world["strategy"].pk
    assert alignment["target_share"] == 40
    assert len(alignment["periods"]) == 4


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_rows(people, api, world):
    client = api(people.manager)
    client.get("/insights/uncontacted")  # the first use of a token records last_used_at
    paths = {
        "/insights/uncontacted": 7,
        f"/insights/coverage?team={people.owner.team_id}": 6,
        "/insights/plan-vs-actual?periods=4": 4,
        f"/insights/strategy-alignment?strategy={world['strategy'].pk}": 7,
    }
    before = {path: _queries(client, path) for path in paths}
    assert before == paths
    for index in range(20):
        customer = CustomerFactory(owner=people.owner, segment=world["segment"], is_key=index % 2 == 0)
        make_activity(owner=people.owner, customer=customer, starts_at=ago(index + 20))
        make_activity(owner=people.owner, customer=customer, starts_at=ago(-index - 1), status="planned")
    assert {path: _queries(client, path) for path in paths} == paths
