"""Lists that must not grow with the data (issue 20): every list reads a page through an index that
matches its filter and sort, with and without statistics (``ANALYZE``), so a 25-row page never reads and
sorts the whole filtered set. SQLite: no "USE TEMP B-TREE FOR ORDER BY" and no bare table scan;
PostgreSQL: the open deals are read through an index."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ActivityFactory, SegmentFactory, UserFactory
from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_api_list, activity_timeline
from totonou.core.list_page import IdsFirst
from totonou.customers.filters import CustomerFilter
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_list
from totonou.deals.filters import DealFilter
from totonou.deals.models import Deal, Stage
from totonou.deals.selectors import DEAL_ORDERS, deal_list, deal_totals
from totonou.insights.filters import UncontactedFilter
from totonou.insights.selectors.uncontacted import uncontacted_customers

pytestmark = pytest.mark.django_db

SQLITE = pytest.mark.skipif("connection.vendor != 'sqlite'")
POSTGRES = pytest.mark.skipif("connection.vendor != 'postgresql'")


@pytest.fixture
def world() -> dict[str, Any]:
    """Two reps, a manager, 400 customers in two segments and 1,600 deals spread over every stage
    (a quarter of them open), with distinct update times and amounts."""
    manager = UserFactory(username="boss", role="manager")
    reps = [UserFactory(username=f"rep{i}") for i in range(2)]
    segments = [SegmentFactory(name=f"S{i}") for i in range(2)]
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                name=f"顧客{i:04d}",
                name_kana=f"コキャク{i:04d}",
                owner=reps[i % 2],
                segment=segments[i % 2],
                last_contact_at=None if i % 5 == 0 else now - datetime.timedelta(days=i % 90),
            )
            for i in range(400)
        ]
    )
    stages = list(Stage.objects.order_by("order"))
    open_stages = [stage for stage in stages if stage.kind == Stage.Kind.OPEN]
    closed_stages = [stage for stage in stages if stage.kind != Stage.Kind.OPEN]
    deals = []
    for i in range(1600):
        stage = open_stages[i % len(open_stages)] if i % 4 == 0 else closed_stages[i % len(closed_stages)]
        deals.append(
            Deal(
                customer=customers[i % 400],
                owner=reps[(i // 4) % 2],
                title=f"案件{i}",
                amount=(i * 7919) % 100_000,
                stage=stage,
                stage_entered_at=now - datetime.timedelta(hours=i),
                expected_close_date=(now + datetime.timedelta(days=i % 60)).date() if i % 3 else None,
                last_activity_at=now - datetime.timedelta(hours=i % 500) if i % 2 else None,
                closed_at=None if stage.kind == Stage.Kind.OPEN else now,
            )
        )
    Deal.objects.bulk_create(deals)
    for activity_index in range(30):
        ActivityFactory(
            owner=reps[0],
            customer=customers[0],
            starts_at=now - datetime.timedelta(days=activity_index),
            status="done",
            completed_at=now,
        )
    return {"manager": manager, "reps": reps, "segments": segments, "customer": customers[0]}


def _analyze(analyze: bool) -> None:
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _sqlite_plan(queryset: Any) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [str(row[-1]) for row in cursor.fetchall()]


def _assert_read_in_order(queryset: Any, table: str) -> list[str]:
    plan = _sqlite_plan(queryset)
    assert not [line for line in plan if "TEMP B-TREE FOR ORDER BY" in line], plan
    assert not [line for line in plan if line.startswith(f"SCAN {table}") and "INDEX" not in line], plan
    assert [line for line in plan if table in line and "INDEX" in line], plan
    return plan


def _lists(world: dict[str, Any]) -> list[tuple[str, Any, str]]:
    manager, rep = world["manager"], world["reps"][0]
    lists: list[tuple[str, Any, str]] = []
    for sort in DEAL_ORDERS:
        for filters in (
            {"kind": "open"},  # /deals/?owner=&kind=open: everyone's open deals
            {"kind": "open", "owner": rep.pk},  # a rep's open deals
            {"owner": rep.pk},  # a rep's own deals (the default list)
            {},
        ):
            query = deal_list(user=manager, filters=DealFilter(sort=sort, **filters))[:25]
            lists.append((f"deals {sort} {filters}", query, "deals_deal"))
    for customer_filters in (
        {},
        {"segment": world["segments"][0].pk},
        {"owner": rep.pk},
        {"sort": "last_contact"},
    ):
        query = customer_list(user=manager, filters=CustomerFilter(**customer_filters))[:25]
        lists.append((f"customers {customer_filters}", query, "customers_customer"))
    lists.append(
        (
            "activities of a rep (API)",
            activity_api_list(user=manager, filters=ActivityFilter(owner=rep.pk))[:25],
            "activities_activity",
        )
    )
    lists.append(
        (
            "a customer's timeline",
            activity_timeline(user=manager, filters=ActivityFilter(customer=world["customer"].pk))[:25],
            "activities_activity",
        )
    )
    rows = uncontacted_customers(user=manager, filters=UncontactedFilter()).rows
    lists.append(("uncontacted, never contacted", rows.never[:25], "customers_customer"))
    lists.append(("uncontacted, contacted", rows.contacted[:25], "customers_customer"))
    return lists


@SQLITE
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_every_list_reads_its_page_through_an_index_in_its_order(world, analyze):
    _analyze(analyze)
    for name, queryset, table in _lists(world):
        try:
            _assert_read_in_order(queryset, table)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None


@SQLITE
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_everyones_open_deals_walk_the_sort_index_never_the_stage_index(world, analyze):
    _analyze(analyze)
    plan = _assert_read_in_order(
        deal_list(user=world["manager"], filters=DealFilter(kind="open"))[:25], "deals_deal"
    )
    assert "SCAN deals_deal USING INDEX deal_recent_idx" in plan
    assert not [line for line in plan if "deal_stage_idx" in line]


OPEN_SORT_INDEXES = {
    "recent": "deal_open_recent_idx",
    "amount": "deal_open_amount_idx",
    "expected_close": "deal_open_close_idx",
    "days_in_stage": "deal_open_entered_idx",
    "last_activity": "deal_open_activity_idx",
}


@POSTGRES
@pytest.mark.parametrize("sort", ["recent", "amount", "expected_close", "days_in_stage"])
def test_postgresql_reads_a_page_of_open_deals_through_the_sorts_partial_index(world, sort):
    """Before any statistics (a fresh load), with them (``ANALYZE``) and with the deals' statistics gone
    (the benchmark's bulk load of deals), a page of the open deals is read through the partial index of
    its sort (ADR 0043) and the scan stops after the page: no Sort of the set. Without it PostgreSQL
    guessed two deals per open stage and sorted all 32,000 open deals of the large data set per page.
    (The last activity's "none first" is not the index's order on PostgreSQL: it stays a sort.)"""
    # The page's ids as ``IdsFirst`` reads them (its rows are then fetched by primary key).
    ids = deal_list(user=world["manager"], filters=DealFilter(kind="open", sort=sort))
    sql, params = ids.select_related(None).values("pk")[0:25].query.sql_with_params()
    sql = connection.ops.compose_sql(sql, params)
    index = OPEN_SORT_INDEXES[sort]
    plans = {}
    with connection.cursor() as cursor:
        for state in ("fresh", "analyzed", "deals without statistics"):
            if state == "analyzed":
                cursor.execute("ANALYZE")
            if state == "deals without statistics":
                cursor.execute(
                    "DELETE FROM pg_statistic "
                    "WHERE starelid IN ('deals_deal'::regclass, 'deals_stage'::regclass)"
                )
            cursor.execute("EXPLAIN " + sql)
            plans[state] = "\n".join(row[0] for row in cursor.fetchall())
    for state, plan in plans.items():
        # The LIMIT of the page right above the index scan: no Sort of the set, no other scan.
        assert re.fullmatch(
            rf"Limit [^\n]*\n\s*->\s+Index (Only )?Scan (Backward )?using {index} on deals_deal [^\n]*",
            plan,
        ), (state, plan)


def test_the_open_filter_lists_exactly_the_deals_in_open_stages(world):
    manager, rep = world["manager"], world["reps"][0]
    expected = set(Deal.objects.filter(stage__kind="open").values_list("pk", flat=True))
    listed = set(deal_list(user=manager, filters=DealFilter(kind="open")).values_list("pk", flat=True))
    assert listed == expected and len(expected) == 400
    won = set(deal_list(user=manager, filters=DealFilter(kind="won")).values_list("pk", flat=True))
    assert won == set(Deal.objects.filter(stage__kind="won").values_list("pk", flat=True)) and won
    mine = deal_list(user=manager, filters=DealFilter(kind="open", owner=rep.pk))
    assert {deal.owner_id for deal in mine} == {rep.pk} and mine.count() == 200
    first = list(deal_list(user=manager, filters=DealFilter(kind="open"))[:3])
    assert [deal.updated_at for deal in first] == sorted((deal.updated_at for deal in first), reverse=True)
    totals = deal_totals(user=manager, filters=DealFilter(kind="open"))
    assert totals.count == 400
    assert totals.amount == sum(Deal.objects.filter(stage__kind="open").values_list("amount", flat=True))


def _page_sql(rows: IdsFirst[Any], start: int, stop: int) -> str:
    with CaptureQueriesContext(connection) as captured:
        rows[start:stop]
    assert len(captured) == 1, captured.captured_queries
    return str(captured.captured_queries[0]["sql"])


SORT_INDEXES = {
    "recent": "deal_recent_idx",
    "amount": "deal_amount_idx",
    "expected_close": "deal_close_idx",
    "days_in_stage": "deal_entered_idx",
    "last_activity": "deal_last_activity_idx",
}


@SQLITE
@pytest.mark.parametrize("sort", list(DEAL_ORDERS))
def test_a_deal_page_reads_its_ids_through_the_sort_index_when_only_the_deals_lack_statistics(world, sort):
    """The benchmark's no-statistics case: every table analysed but the deals and the stages (a bulk
    load of deals). Joined to the owners and stages, SQLite started from the owners (50 rows it knows)
    and fetched and sorted every open deal for each page; ``IdsFirst`` reads the page's ids from the
    deals alone (the sort's index is the only plan) and their rows by primary key."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl IN ('deals_deal', 'deals_stage')")
        cursor.execute("ANALYZE sqlite_schema")
    rows = IdsFirst(deal_list(user=world["manager"], filters=DealFilter(kind="open", sort=sort)))
    sql = _page_sql(rows, 25, 50)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = [str(row[-1]) for row in cursor.fetchall()]
    assert plan[0] == "SEARCH deals_deal USING INTEGER PRIMARY KEY (rowid=?)", plan
    # The ids: the sort's index walked in order (the scan stops after the page), no other deal index.
    expected = [f"SCAN USING INDEX {SORT_INDEXES[sort]}"]
    walked = [re.sub(r"^SCAN \w+ ", "SCAN ", line) for line in plan if "INDEX deal_" in line]
    assert walked == expected, plan


def test_ids_first_pages_the_same_rows_as_the_queryset(world):
    """``IdsFirst`` is a reading of the list, not another list: every page holds the queryset's rows in
    its order, with the joined rows loaded (no query per row)."""
    for sort in DEAL_ORDERS:
        queryset = deal_list(user=world["manager"], filters=DealFilter(kind="open", sort=sort))
        rows = IdsFirst(queryset)
        assert rows.count() == len(rows) == 400
        expected = list(queryset.values_list("pk", flat=True))
        pages = [rows[start : start + 25] for start in range(0, 425, 25)]
        assert [deal.pk for page in pages for deal in page] == expected, sort
        with CaptureQueriesContext(connection) as captured:
            page = rows[0:25]
            assert all(deal.stage.kind == "open" and deal.owner.username for deal in page)
        assert len(captured) == 1
        assert rows[3].pk == expected[3]
    with pytest.raises(IndexError):
        IdsFirst(Deal.objects.none())[0]


@SQLITE
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_the_deal_totals_read_an_index_alone(world, analyze):
    """The totals of everyone's open deals read a covering range per open stage; a rep's (the default
    list), their owner's covering range: never every deal's row."""
    _analyze(analyze)
    manager, rep = world["manager"], world["reps"][0]
    stages = list(Stage.objects.all())  # as the list page passes them
    for filters, index in (
        (DealFilter(kind="open"), "deal_stage_totals_idx"),
        (DealFilter(owner=rep.pk), "deal_owner_totals_idx"),
    ):
        with CaptureQueriesContext(connection) as captured:
            deal_totals(user=manager, filters=filters, stages=stages)
        assert len(captured) == 1
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[0]["sql"])
            plan = [str(row[-1]) for row in cursor.fetchall()]
        deals = [line for line in plan if "deals_deal" in line]
        assert len(deals) == 1 and f"USING COVERING INDEX {index}" in deals[0], plan
    totals = deal_totals(user=manager, filters=DealFilter(owner=rep.pk))
    mine = Deal.objects.filter(owner=rep).select_related("stage")
    assert totals.count == mine.count() == 800
    assert totals.amount == sum(deal.amount for deal in mine)
    assert totals.weighted_amount == sum(deal.amount * deal.stage.probability for deal in mine) // 100


@pytest.mark.parametrize("kind", [None, "open", "won", "lost"])
def test_the_totals_are_the_listed_deals_of_every_stage_active_or_not(world, kind):
    """The totals weigh each stage's amount by its probability in Python (the stages given by id): the
    same figures as the listed deals summed one by one, a stage no longer active included."""
    manager = world["manager"]
    Stage.objects.filter(pk=Deal.objects.values("stage_id")[:1]).update(is_active=False)
    totals = deal_totals(user=manager, filters=DealFilter(kind=kind), stages=list(Stage.objects.all()))
    listed = list(deal_list(user=manager, filters=DealFilter(kind=kind)))
    assert listed and Stage.objects.filter(is_active=False).count() == 1
    assert totals.count == len(listed)
    assert totals.amount == sum(deal.amount for deal in listed)
    assert totals.weighted_amount == sum(deal.amount * deal.stage.probability for deal in listed) // 100


def test_ids_first_reads_only_the_columns_the_queryset_asks_for(world):
    """A list whose queryset reads only its row's columns (``.only()``: ``deals.selectors.deal_rows``)
    keeps them through ``IdsFirst``: the page's rows were once fetched whole (a hundred columns of four
    tables, the owner's password hash among them) because the deferred columns were not carried over."""
    from totonou.deals.selectors import deal_rows

    rows = IdsFirst(deal_rows(user=world["manager"], filters=DealFilter(kind="open")))
    sql = _page_sql(rows, 0, 25)
    assert '"deals_deal"."title"' in sql and '"customers_customer"."name"' in sql
    for column in ('"deals_deal"."notes"', '"users_user"."password"', '"customers_customer"."address"'):
        assert column not in sql, column
    with CaptureQueriesContext(connection) as captured:
        page = rows[0:25]
        assert [deal.customer.name for deal in page] and all(deal.owner.username for deal in page)
    assert len(captured) == 1


@pytest.mark.parametrize("number", ["1", "3", "99", "x"])
def test_a_set_read_whole_pages_with_its_count_in_one_query(world, rf, number):
    """``IdsFirst(read_whole=True)`` (a name search: the database reads and sorts every match anyway) reads
    a page's ids and the size of the set in one query; a page past the end falls back to the last page,
    counted apart. The pages hold the queryset's rows in its order either way."""
    from totonou.core.list_page import ListPage

    listing = ListPage(
        template="unused.html",
        results_id="r",
        results_template="unused.html",
        filter_schema=CustomerFilter,
        page_size=25,
    )
    queryset = customer_list(user=world["manager"], filters=CustomerFilter(segment=world["segments"][0].pk))
    expected = list(queryset.values_list("pk", flat=True))
    assert len(expected) == 200
    rows = IdsFirst(queryset, read_whole=True)
    with CaptureQueriesContext(connection) as captured:
        page = listing.page(rf.get("/", {"page": number}), rows)
        shown = [customer.pk for customer in page.object_list]
    sqls = [query["sql"] for query in captured.captured_queries]
    first = {"1": 0, "3": 50, "99": 175, "x": 0}[number]
    assert shown == expected[first : first + 25]
    assert page.paginator.count == 200 and page.paginator.num_pages == 8
    if number == "99":  # past the end: the window read nothing, a COUNT and the last page
        assert len(sqls) == 3 and "COUNT(*) OVER ()" in sqls[0] and 'COUNT(*) AS "__count"' in sqls[1]
    else:
        assert len(sqls) == 2, sqls
        assert "COUNT(*) OVER ()" in sqls[0] and "OVER" not in sqls[1]


@SQLITE
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_the_uncontacted_counts_seek_a_range_of_an_index_for_each_part(world, analyze):
    """SQLite's uncontacted counts, read range by range (ADR 0045): each part of the ``UNION ALL`` seeks its
    range of ``customer_segment_counts_idx`` (key flag, no override, the statuses, not archived, the last
    contact before the cutoff or none), or reads ``customer_override_idx``, with or without statistics:
    never the table, never an index whose rows are then read in the table (without statistics SQLite took
    ``customer_key_idx`` for the overrides and read every key customer's row: 100 ms at the large size)."""
    _analyze(analyze)
    with CaptureQueriesContext(connection) as captured:
        uncontacted_customers(user=world["manager"], filters=UncontactedFilter())
    (counts,) = [query["sql"] for query in captured.captured_queries if " UNION ALL " in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + counts)
        plan = [str(row[-1]) for row in cursor.fetchall()]
    reads = [line for line in plan if "customers_customer" in line]
    ranges = "SEARCH customers_customer USING COVERING INDEX customer_segment_counts_idx (segment_id=? AND "
    overrides = "customers_customer USING COVERING INDEX customer_override_idx"
    # Two segments of one cadence: per key flag their range and the customers without a segment, each
    # read twice (contacted before the cutoff, never contacted), and the overrides' four parts.
    assert len(reads) == 2 * 2 * 2 + 4, plan
    for line in reads:
        assert line.startswith(ranges) or overrides in line, plan
    assert sum(line.endswith("last_contact_at<?)") for line in reads) == 4, plan
    assert sum(line.endswith("last_contact_at=?)") for line in reads) == 4, plan
