"""The customer list's name search reads its matches through the search index (issue 20, ADR 0012),
never every customer: a part of a Japanese name or kana, a word's beginning, width and case folded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import CustomerFactory, UserFactory
from totonou.customers.filters import CustomerFilter
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_list
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
