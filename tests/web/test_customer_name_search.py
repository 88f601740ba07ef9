"""The customer list's name search reads its matches through the search index (issue 20, ADR 0012),
never every customer: a part of a Japanese name or kana, a word's beginning, width and case folded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from totonou.customers.filters import CustomerFilter
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_list, customer_search_page
from totonou.customers.services import customer_archive, customer_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    rep = UserFactory(username="rep")
    names = [
        ("株式会社さくら食品", "サクラショクヒン"),
        ("山田商店", "ヤマダショウテン"),
        ("Sample Trading Co., Ltd.", "サンプルトレーディング"),
        ("ｻﾝﾌﾟﾙ物流", "サンプルブツリュウ"),
        ("東京さくら病院", "トウキョウサクラビョウイン"),
    ]
    customers = {name: CustomerFactory(owner=rep, name=name, name_kana=kana) for name, kana in names}
    return rep, customers


def _names(user, **filters) -> list[str]:
    return [customer.name for customer in customer_list(user=user, filters=CustomerFilter(**filters))]


def test_a_part_of_a_name_or_its_kana_finds_the_customer(people):
    rep, _customers = people
    assert _names(rep, q="さくら") == [
        "株式会社さくら食品",
        "東京さくら病院",
    ]  # by kana: サクラ…, トウキョウ…
    assert _names(rep, q="食品") == ["株式会社さくら食品"]  # the middle of a name
    assert _names(rep, q="ショウテン") == ["山田商店"]  # the kana
    assert _names(rep, q="山") == ["山田商店"]  # one character
    assert _names(rep, q="サンプル") == ["Sample Trading Co., Ltd.", "ｻﾝﾌﾟﾙ物流"]  # full and half width
    assert _names(rep, q="sam") == ["Sample Trading Co., Ltd."]  # a word by its beginning
    assert _names(rep, q="TRADING") == ["Sample Trading Co., Ltd."]
    assert _names(rep, q="株式会社さくら") == ["株式会社さくら食品", "東京さくら病院"]  # the legal form aside
    assert _names(rep, q="病院 東京") == ["東京さくら病院"]  # every term
    assert _names(rep, q="大阪") == []


def test_the_index_follows_a_rename_and_an_archive(people):
    rep, customers = people
    yamada = customers["山田商店"]
    customer_update(actor=rep, customer=yamada, name="山田ストア", name_kana="ヤマダストア")
    assert _names(rep, q="商店") == []
    assert _names(rep, q="ストア") == ["山田ストア"]
    customer_archive(actor=rep, customer=Customer.objects.get(pk=yamada.pk))
    assert _names(rep, q="山田") == []
    assert _names(rep, q="山田", archived=True) == ["山田ストア"]  # archived ones compare text


def test_a_query_of_punctuation_only_compares_text(people):
    rep, _customers = people
    assert _names(rep, q=",") == ["Sample Trading Co., Ltd."]


def test_the_list_page_searches_by_name(people, client_for):
    rep, _customers = people
    page = client_for(rep).get(reverse("customers:customer_list"), {"q": "さくら"}).content.decode()
    assert "株式会社さくら食品" in page and "東京さくら病院" in page and "山田商店" not in page


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_sqlite_reads_the_matches_by_id_never_every_customer(people, analyze):
    rep, _customers = people
    CustomerFactory.create_batch(200, owner=rep)
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    queryset = customer_list(user=rep, filters=CustomerFilter(q="さくら"))[:25]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [str(row[-1]) for row in cursor.fetchall()]
    assert not [line for line in plan if line.startswith("SCAN customers_customer")], plan
    # each match looked up by its id (alone, or with the owner index's rowid after ANALYZE)
    assert [line for line in plan if line.startswith("SEARCH customers_customer") and "rowid=?" in line], plan
    assert [line for line in plan if "VIRTUAL TABLE INDEX" in line and "M1" in line], plan  # FTS5 MATCH
    # the customer id is the low bits of the FTS5 rowid: the matching documents themselves are not read
    assert not [line for line in plan if "search_document " in f"{line} " or " d " in f"{line} "], plan


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_reads_the_matches_through_the_customers_gin_index(people):
    """With 5,000 customers (PostgreSQL rightly scans a few hundred rows instead)."""
    from totonou.customers.search_documents import customers_index_new

    rep, _customers = people
    others = Customer.objects.bulk_create(
        [Customer(name=f"会社{i:05d}", name_kana=f"カイシャ{i:05d}", owner=rep) for i in range(5000)]
    )
    customers_index_new(others)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # What VACUUM (autovacuum) does to a GIN index after inserts: its pending entries join the tree.
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", ["search_document_tokens_customer_idx"])
        queryset = customer_list(user=rep, filters=CustomerFilter(q="さくら"))[:25]
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_document_tokens_customer_idx" in plan, plan
    assert "Seq Scan on customers_customer" not in plan, plan
    # The kind's partial index is the kind: no range of its keys beside it (PostgreSQL ANDed a bitmap of
    # every customer's key, 100,000 entries at the large size, 4 ms of the search).
    assert "search_document_pkey" not in plan and "BETWEEN" not in sql, plan


@pytest.fixture
def many_matches(people):
    """Sixty more customers named さくら…, in an order the kana alone does not settle: the same kana
    under different names, no kana at all, kana in Latin letters, names that differ only after it."""
    rep, customers = people
    for i in range(60):
        kana = ["サクラ", "", "Sakura", f"サクラ{i % 7}", "さくら", "ｻｸﾗ"][i % 6]
        suffix = ["商事", "Trading", "物産", "商事"][i % 4]
        CustomerFactory(owner=rep, name=f"さくら{suffix}{i % 9}", name_kana=kana)
    return rep, customers


def _list_ids(user, **filters) -> list[int]:
    return list(customer_list(user=user, filters=CustomerFilter(**filters)).values_list("pk", flat=True))


@pytest.mark.parametrize(("start", "stop"), [(0, 25), (25, 50), (50, 75), (60, 62), (75, 100)])
def test_a_search_alone_reads_the_lists_page_from_the_index_in_the_lists_order(many_matches, start, stop):
    """The documents' text order (body, title, object id) is the list's name order (kana, name, id):
    a page's ids and the number of matches read from the index alone are the list's own."""
    rep, _customers = many_matches
    expected = _list_ids(rep, q="さくら")
    assert len(expected) == 62
    read = customer_search_page(user=rep, filters=CustomerFilter(q="さくら"))
    assert read is not None
    rows = read(start, stop)
    assert [pk for pk, _size in rows] == expected[start:stop]
    assert {size for _pk, size in rows} == ({62} if start < 62 else set())


def test_the_list_order_and_the_index_order_agree_after_a_rename(many_matches):
    rep, customers = many_matches
    customer_update(actor=rep, customer=customers["東京さくら病院"], name="Aさくら", name_kana="")
    read = customer_search_page(user=rep, filters=CustomerFilter(q="さくら"))
    assert read is not None
    assert [pk for pk, _size in read(0, 100)] == _list_ids(rep, q="さくら")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"q": "さくら", "segment": 1},
        {"q": "さくら", "owner": 1},
        {"q": "さくら", "team": 1},
        {"q": "さくら", "is_key": False},
        {"q": "さくら", "status": "active"},
        {"q": "さくら", "archived": True},
        {"q": "さくら", "sort": "last_contact"},
    ],
)
def test_a_search_with_another_filter_or_order_is_read_by_the_list(people, filters):
    rep, _customers = people
    assert customer_search_page(user=rep, filters=CustomerFilter(**filters)) is None


def test_a_search_in_the_name_order_is_read_from_the_index_only_when_signed_in(people):
    from django.contrib.auth.models import AnonymousUser

    rep, _customers = people
    assert customer_search_page(user=rep, filters=CustomerFilter(q="さくら", sort="name")) is not None
    assert customer_search_page(user=AnonymousUser(), filters=CustomerFilter(q="さくら")) is None


def test_the_list_page_reads_a_searchs_ids_and_count_from_the_index(many_matches, client_for):
    rep, _customers = many_matches
    expected = Customer.objects.in_bulk(_list_ids(rep, q="さくら")[25:50])
    with CaptureQueriesContext(connection) as captured:
        response = client_for(rep).get(reverse("customers:customer_list"), {"q": "さくら", "page": "2"})
    page = response.content.decode()
    ids_query = next(q["sql"] for q in captured.captured_queries if "OVER ()" in q["sql"])
    assert "search_document" in ids_query and "customers_customer" not in ids_query
    positions = [page.index(f'href="{reverse("customers:customer_detail", args=[pk])}"') for pk in expected]
    assert positions == sorted(positions)  # the list's order
    assert [c.pk for c in response.context["page"].object_list] == list(expected)
    assert response.context["page"].paginator.count == 62


def test_the_list_page_with_a_segment_reads_the_ids_from_the_customers(people, client_for):
    rep, customers = people
    segment = SegmentFactory()
    Customer.objects.filter(pk=customers["東京さくら病院"].pk).update(segment=segment)
    with CaptureQueriesContext(connection) as captured:
        response = client_for(rep).get(
            reverse("customers:customer_list"), {"q": "さくら", "segment": segment.pk}
        )
    ids_query = next(q["sql"] for q in captured.captured_queries if "OVER ()" in q["sql"])
    assert "customers_customer" in ids_query
    assert [c.name for c in response.context["page"].object_list] == ["東京さくら病院"]


def test_the_list_page_searches_punctuation_by_text(people, client_for):
    rep, _customers = people
    response = client_for(rep).get(reverse("customers:customer_list"), {"q": ","})
    assert [c.name for c in response.context["page"].object_list] == ["Sample Trading Co., Ltd."]
    assert response.context["page"].paginator.count == 1


def _index_order_plan(rep, analyze: bool) -> str:
    """The plan of a search's page in the index's text order, among 2,000 more customers."""
    from totonou.customers.search_documents import customers_index_new
    from totonou.search import backend, text
    from totonou.search.services import key_range

    others = Customer.objects.bulk_create(
        [Customer(name=f"会社{i:05d}", name_kana=f"カイシャ{i:05d}", owner=rep) for i in range(2000)]
    )
    customers_index_new(others)
    low, high = key_range("customer")
    sql, params = backend.matching_in_text_order_sql(
        connection, kind="customer", query_terms=text.query_terms("さくら"), low=low, high=high
    )
    with connection.cursor() as cursor:
        if analyze:
            cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":  # what autovacuum does to a GIN index after inserts
            cursor.execute(
                "SELECT gin_clean_pending_list(%s::regclass)", ["search_document_tokens_customer_idx"]
            )
            cursor.execute("EXPLAIN " + sql, [*params, 25, 0])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, [*params, 25, 0])
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.parametrize("analyze", [False, True], ids=["no-statistics", "after-analyze"])
def test_sqlite_reads_the_index_orders_matches_through_fts5_and_their_documents_by_key(people, analyze):
    """The page of a search alone: the matches' rowids from FTS5, their documents read by key, never
    every document nor a customer."""
    plan = _index_order_plan(people[0], analyze)
    assert "customers_customer" not in plan, plan
    assert "VIRTUAL TABLE INDEX" in plan and "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert "SCAN d" not in plan, plan


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_reads_the_index_orders_matches_through_the_customers_gin_index(people):
    """As ``test_postgresql_reads_the_matches_through_the_customers_gin_index``: with statistics (without
    them, 2,000 rows look small enough to read whole; the large data set's 2.4 million documents without
    statistics still go through the GIN index)."""
    plan = _index_order_plan(people[0], analyze=True)
    assert "customers_customer" not in plan, plan
    assert "search_document_tokens_customer_idx" in plan and "Seq Scan" not in plan, plan
