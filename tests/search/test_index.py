"""Exact result sets for Japanese and English queries; the index follows every write path."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from tests.search.conftest import Corpus, at, found
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_delete,
    activity_reschedule,
    activity_update,
)
from totonou.customers.services import contact_delete, contact_update, customer_delete, customer_update
from totonou.deals.services import deal_delete, deal_update
from totonou.search.models import Document
from totonou.search.services import documents_rebuild

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # two-character Japanese words
        (
            "見積",
            {
                "activity": ["リプレース提案", "定例訪問", "見積提示"],
                "deal": ["サンプル商事 リプレース案件"],
            },
        ),
        ("価格", {"activity": ["見積提示"]}),
        ("部長", {"contact": ["山田 太郎"]}),
        # three and more characters
        (
            "リプレース",
            {"activity": ["リプレース提案", "見積提示"], "deal": ["サンプル商事 リプレース案件"]},
        ),
        ("見積書", {"deal": ["サンプル商事 リプレース案件"]}),
        ("購買部", {"contact": ["山田 太郎"]}),
        ("ショウジ", {"customer": ["株式会社サンプル商事"]}),
        # English words, in any case; a prefix when asked for
        (
            "firmware",
            {
                "activity": ["リプレース提案", "Firmware demo"],
                "deal": ["Acme firmware upgrade"],
            },
        ),
        ("FIRMWARE", {"activity": ["リプレース提案", "Firmware demo"], "deal": ["Acme firmware upgrade"]}),
        ("price", {"activity": ["Firmware demo"], "deal": ["Acme firmware upgrade"]}),
        ("purch", {}),
        ("purch*", {"contact": ["Jane Smith"]}),
        ("ｐｕｒｃｈ＊", {"contact": ["Jane Smith"]}),
        ("acme", {"customer": ["Acme Trading Co., Ltd."], "deal": ["Acme firmware upgrade"]}),
        # full- and half-width forms are equal
        ("abc", {"activity": ["ｶﾀｶﾅ入力の確認"], "customer": ["ＡＢＣストア"]}),
        ("ＡＢＣ", {"activity": ["ｶﾀｶﾅ入力の確認"], "customer": ["ＡＢＣストア"]}),
        ("カタカナ", {"activity": ["ｶﾀｶﾅ入力の確認"]}),
        ("ｶﾀｶﾅ", {"activity": ["ｶﾀｶﾅ入力の確認"]}),
        ("エービーシー", {"customer": ["ＡＢＣストア"]}),
        # company names with and without their legal form
        ("サンプル商事", {"customer": ["株式会社サンプル商事"], "deal": ["サンプル商事 リプレース案件"]}),
        (
            "株式会社サンプル商事",
            {"customer": ["株式会社サンプル商事"], "deal": ["サンプル商事 リプレース案件"]},
        ),
        ("サンプル商事(株)", {"customer": ["株式会社サンプル商事"], "deal": ["サンプル商事 リプレース案件"]}),
        ("ひかりフーズ", {"customer": ["(株)ひかりフーズ"]}),
        ("㈱ひかりフーズ", {"customer": ["(株)ひかりフーズ"]}),
        ("株式会社ひかりフーズ", {"customer": ["(株)ひかりフーズ"]}),
        ("株式会社", {"customer": ["(株)ひかりフーズ", "株式会社サンプル商事"]}),
        # several words: all must match
        ("見積 firmware", {"activity": ["リプレース提案"]}),
        # one character: any word containing it
        ("維", {"activity": ["定例訪問"]}),
        # no match, and nothing searchable
        ("値引", {}),
        ("サンプル提案", {}),
        ("！？", {}),
    ],
)
def test_exact_results(corpus: Corpus, q: str, expected: dict[str, list[str]]) -> None:
    assert found(corpus.rep1, q) == expected


def test_not_signed_in_finds_nothing(corpus: Corpus) -> None:
    assert found(AnonymousUser(), "見積") == {}
    corpus.rep1.is_active = False
    assert found(corpus.rep1, "見積") == {}


def test_everyone_signed_in_finds_everything(corpus: Corpus) -> None:
    assert found(corpus.rep2, "見積") == found(corpus.manager, "見積") == found(corpus.rep1, "見積")


def test_filters(corpus: Corpus) -> None:
    assert found(corpus.rep1, "見積", kinds=["deal"]) == {"deal": ["サンプル商事 リプレース案件"]}
    assert found(corpus.rep1, "見積", owner=corpus.rep2.pk) == {"activity": ["リプレース提案"]}
    sample = corpus.customers["sample"].pk
    assert found(corpus.rep1, "見積", customer=sample) == {
        "activity": ["定例訪問", "見積提示"],
        "deal": ["サンプル商事 リプレース案件"],
    }
    assert found(
        corpus.rep1,
        "見積",
        kinds=["activity"],
        date_from=datetime.date(2026, 4, 2),
        date_to=datetime.date(2026, 4, 4),
    ) == {"activity": ["定例訪問"]}
    assert found(corpus.rep1, "見積", kinds=["activity"], date_from=datetime.date(2026, 4, 5)) == {
        "activity": ["リプレース提案"]
    }


def test_an_edited_note_is_found_by_its_new_words_only(corpus: Corpus) -> None:
    activity_update(actor=corpus.rep1, activity=corpus.activities["quote"], notes="値引きの相談があった。")
    assert found(corpus.rep1, "価格") == {}
    assert found(corpus.rep1, "値引") == {"activity": ["見積提示"]}
    assert found(corpus.rep1, "リプレース")["activity"] == ["リプレース提案"]


def test_completing_indexes_the_result_notes(corpus: Corpus) -> None:
    activity_complete(
        actor=corpus.rep1, activity=corpus.activities["regular"], notes="Agreed on volume pricing"
    )
    assert found(corpus.rep1, "volume") == {"activity": ["定例訪問"]}
    assert found(corpus.rep1, "サンプル提供") == {}


def test_moving_a_plan_moves_it_in_the_order(corpus: Corpus) -> None:
    activity_reschedule(actor=corpus.rep1, activity=corpus.activities["quote"], starts_at=at(10))
    assert found(corpus.rep1, "見積")["activity"] == ["見積提示", "リプレース提案", "定例訪問"]
    activity_cancel(actor=corpus.rep1, activity=corpus.activities["quote"], reason="先方都合")
    assert found(corpus.rep1, "見積")["activity"] == ["見積提示", "リプレース提案", "定例訪問"]


def test_a_deleted_activity_disappears(corpus: Corpus) -> None:
    activity_delete(actor=corpus.rep2, activity=corpus.activities["proposal"])
    assert found(corpus.rep1, "firmware") == {
        "activity": ["Firmware demo"],
        "deal": ["Acme firmware upgrade"],
    }
    assert not Document.objects.filter(kind="activity", object_id=corpus.activities["proposal"].pk).exists()


def test_customers_contacts_and_deals_follow_their_writes(corpus: Corpus) -> None:
    customer_update(actor=corpus.rep1, customer=corpus.customers["sample"], name="株式会社サンプル物産")
    assert found(corpus.rep1, "サンプル物産") == {"customer": ["株式会社サンプル物産"]}
    assert "customer" not in found(corpus.rep1, "サンプル商事")
    contact_update(actor=corpus.rep1, contact=corpus.contacts["yamada"], title="課長")
    assert found(corpus.rep1, "部長") == {}
    assert found(corpus.rep1, "課長") == {"contact": ["山田 太郎"]}
    deal_update(actor=corpus.rep1, deal=corpus.deals["firmware"], title="Acme hardware refresh")
    assert found(corpus.rep1, "firmware") == {"activity": ["リプレース提案", "Firmware demo"]}
    assert found(corpus.rep1, "hardware") == {"deal": ["Acme hardware refresh"]}
    contact_delete(actor=corpus.rep1, contact=corpus.contacts["jane"])
    assert found(corpus.rep1, "purchasing") == {}


def test_contacts_follow_their_customers_owner(corpus: Corpus) -> None:
    customer_update(actor=corpus.manager, customer=corpus.customers["sample"], owner=corpus.rep2)
    assert found(corpus.rep1, "山田", owner=corpus.rep2.pk) == {"contact": ["山田 太郎"]}
    assert found(corpus.rep1, "山田", owner=corpus.rep1.pk) == {}


def test_deleting_a_customer_forgets_its_contacts(corpus: Corpus) -> None:
    deal_delete(actor=corpus.rep1, deal=corpus.deals["firmware"])
    activity_delete(actor=corpus.rep1, activity=corpus.activities["demo"])
    customer_delete(actor=corpus.rep1, customer=corpus.customers["acme"])
    assert found(corpus.rep1, "acme") == {}
    assert found(corpus.rep1, "jane") == {}
    assert not Document.objects.filter(customer_id=corpus.customers["acme"].pk).exists()


def test_a_rebuild_gives_the_same_index(corpus: Corpus) -> None:
    queries = ["見積", "リプレース", "firmware", "abc", "サンプル商事", "部長", "維"]
    before = {q: found(corpus.rep1, q) for q in queries}
    rows = sorted(
        Document.objects.values_list("id", "kind", "object_id", "title", "body", "owner_id", "customer_id")
    )
    Document.objects.all().delete()
    assert found(corpus.rep1, "見積") == {}
    counts = documents_rebuild()
    assert counts == {"activity": 5, "customer": 4, "contact": 2, "deal": 2}
    assert (
        sorted(
            Document.objects.values_list(
                "id", "kind", "object_id", "title", "body", "owner_id", "customer_id"
            )
        )
        == rows
    )
    assert {q: found(corpus.rep1, q) for q in queries} == before


def _stored_ids() -> list[int]:
    """The documents' keys in the order the table stores them (PostgreSQL: by physical row address)."""
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM search_document ORDER BY {order}")  # noqa: S608 — constant
        return [row[0] for row in cursor.fetchall()]


def test_a_rebuild_stores_the_documents_in_key_order(corpus: Corpus) -> None:
    """The newest-first walk of a search reads neighbouring rows: after a rebuild the table holds them
    in key order, and on PostgreSQL it remembers the key for later ``CLUSTER`` runs."""
    written = _stored_ids()
    if connection.vendor == "postgresql":
        # written by the services in the corpus's order (customers, contacts, deals, activities by day)
        assert written != sorted(written)
    documents_rebuild()
    stored = _stored_ids()
    assert stored == sorted(stored)
    assert sorted(stored) == sorted(written)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisclustered FROM pg_index WHERE indexrelid = 'search_document_pkey'::regclass"
            )
            assert cursor.fetchone() == (True,)


def test_results_do_not_depend_on_how_far_postgresql_probes(corpus: Corpus, monkeypatch) -> None:
    """PostgreSQL looks among the newest documents first and asks the GIN index when that finds too
    few: the results are the same either way (SQLite ignores these settings)."""
    from totonou.search import backend

    queries = ["見積", "リプレース", "firmware", "株式会社", "維"]
    wide = {q: found(corpus.rep1, q) for q in queries}
    monkeypatch.setattr(backend, "PROBE_FACTOR", 0)
    monkeypatch.setattr(backend, "PROBE_MINIMUM", {})
    monkeypatch.setattr(backend, "PROBE_DEFAULT_MINIMUM", 1)
    assert {q: found(corpus.rep1, q) for q in queries} == wide
    assert {q: found(corpus.rep1, q, kinds=["activity"]) for q in queries} == {
        q: {"activity": wide[q]["activity"]} if "activity" in wide[q] else {} for q in queries
    }
