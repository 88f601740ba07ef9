"""The search page shows activity hits as activity cards (type, customer with ★, owner, status, what the
date means) with the highlighted snippet, and ranks a customer named exactly by the query first."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.search.conftest import Corpus, at
from tests.web.html import find_all, find_one
from totonou.activities.models import ActivityType
from totonou.activities.services import activity_cancel, activity_complete, activity_create
from totonou.customers.services import customer_create, customer_update
from totonou.search.selectors import SearchQuery, search

pytestmark = pytest.mark.django_db

MARKER = '<span class="key-marker" role="img" aria-label="Key customer" title="Key customer">★</span>'


@pytest.fixture
def reader(corpus: Corpus, client: Client) -> Client:
    corpus.rep1.language = "en"
    corpus.rep1.save(update_fields=["language"])
    client.force_login(corpus.rep1)
    return client


def hit_of(html: str, activity_id: int):
    return find_one(html, "data-activity", str(activity_id))


def test_an_activity_hit_is_an_activity_card(corpus: Corpus, reader: Client) -> None:
    sample = corpus.customers["sample"]
    customer_update(actor=corpus.rep1, customer=sample, is_key=True)
    quote = corpus.activities["quote"]  # 見積提示 at サンプル商事 (key), rep1, planned on 4/1 (past: waiting)
    regular = activity_complete(actor=corpus.rep1, activity=corpus.activities["regular"])
    html = reader.get("/search", {"q": "見積", "type": "activity"}).content.decode()

    card = hit_of(html, quote.pk)
    assert {"search-card", "activity--planned", "is-key", "is-overdue"} <= card.classes
    assert MARKER in card.html
    assert (
        f'<a class="search-hit__title" href="/activities/{quote.pk}/"><mark>見積</mark>提示</a>' in card.html
    )
    assert '<span class="search-card__customer">株式会社サンプル商事</span>' in card.html
    assert '<span class="search-card__type">Visit</span>' in card.html
    assert f'<span class="swatch" aria-hidden="true"></span>{corpus.rep1}</span>' in card.html
    assert '<span aria-hidden="true">!</span> Waiting for result' in card.html
    assert (
        '<time class="search-card__when" datetime="2026-04-01T10:00:00+09:00">'
        "Planned for 2026/4/1 (Wed) 10:00</time>" in card.html
    )

    done = hit_of(html, regular.pk)
    assert {"activity--done"} <= done.classes and "is-overdue" not in done.classes
    assert '<span aria-hidden="true">✓</span> Done' in done.html
    assert "Done on 2026/4/2 (Thu) 10:00" in done.text
    assert (
        '<p class="search-hit__snippet">関係維持 新商品のサンプル提供 <mark>見積</mark>を作成</p>'
        in done.html
    )

    # the other kinds label their dates too
    overview = reader.get("/search", {"q": "見積"}).content.decode()
    deals = find_one(overview, "data-type", "deal")
    assert "Added on " in deals.text


def test_a_cancelled_hit_says_what_its_date_was(corpus: Corpus, reader: Client) -> None:
    cancelled = activity_cancel(actor=corpus.rep2, activity=corpus.activities["proposal"], reason="延期")
    html = reader.get("/search", {"q": "見積", "type": "activity"}).content.decode()
    card = hit_of(html, cancelled.pk)
    assert "activity--cancelled" in card.classes and "is-key" not in card.classes
    assert "★" not in card.text
    assert '<span aria-hidden="true">✕</span> Cancelled' in card.html
    assert "Was planned for 2026/4/5 (Sun) 10:00" in card.text
    assert f"{corpus.rep2}" in card.text and "(株)ひかりフーズ" in card.text


def test_an_activity_without_subject_shows_its_type_and_customer(corpus: Corpus, reader: Client) -> None:
    visit = ActivityType.objects.get(slug="visit")
    bare = activity_create(
        actor=corpus.rep1,
        type=visit,
        customer=corpus.customers["acme"],
        starts_at=at(9),
        ends_at=at(9, 11),
        notes="見積の件で電話",
    )
    internal = activity_create(
        actor=corpus.rep1, type=visit, starts_at=at(10), ends_at=at(10, 11), notes="社内で見積の確認"
    )
    html = reader.get("/search", {"q": "見積", "type": "activity"}).content.decode()
    assert "(no subject)" not in html
    title = find_one(hit_of(html, bare.pk).html, "class", "search-hit__title")
    assert title.text == "Visit · Acme Trading Co., Ltd."
    assert (
        find_one(hit_of(html, internal.pk).html, "class", "search-hit__title").text == "Visit · Internal work"
    )


def test_in_japanese(corpus: Corpus, client: Client) -> None:
    corpus.rep1.language = "ja"
    corpus.rep1.save(update_fields=["language"])
    client.force_login(corpus.rep1)
    done = activity_complete(actor=corpus.rep1, activity=corpus.activities["regular"])
    html = client.get("/search", {"q": "見積", "type": "activity"}).content.decode()
    card = hit_of(html, done.pk)
    assert "完了" in card.text and "✓" in card.text
    assert "2026/4/2 (木) 10:00" in card.text
    assert "Done on" not in card.text


def groups_in_order(html: str) -> list[str]:
    return [section.attrs["data-type"] for section in find_all(html, "class", "search-group card")]


def test_an_exact_customer_name_comes_before_the_activities_that_mention_it(
    corpus: Corpus, reader: Client, api_client
) -> None:
    visit = ActivityType.objects.get(slug="visit")
    activity_create(
        actor=corpus.rep2,
        type=visit,
        starts_at=at(12),
        ends_at=at(12, 11),
        notes="サンプル商事の競合と会った",
    )
    sample = corpus.customers["sample"]
    # "サンプル商事" names 株式会社サンプル商事 exactly (the legal form aside): customers first
    html = reader.get("/search", {"q": "サンプル商事"}).content.decode()
    assert groups_in_order(html) == ["customer", "activity", "deal"]
    results = api_client(corpus.rep1).get("/api/v1/search", {"q": "サンプル商事"}).json()["results"]
    assert (results[0]["type"], results[0]["id"]) == ("customer", sample.pk)
    # full-width, another legal form and spaces make no difference
    assert (
        groups_in_order(reader.get("/search", {"q": " サンプル商事(株) "}).content.decode())[0] == "customer"
    )
    # "サンプル" only begins the name: the usual order (activities first)
    assert groups_in_order(reader.get("/search", {"q": "サンプル"}).content.decode())[0] == "activity"


def test_the_exact_name_is_first_in_its_group(corpus: Corpus) -> None:
    customer_create(actor=corpus.rep1, name="サンプル商事ホールディングス")  # newer, so first by date
    groups = search(user=corpus.rep1, query=SearchQuery(q="サンプル商事", kinds=["customer"]))
    assert [hit.title for hit in groups[0].hits] == ["株式会社サンプル商事", "サンプル商事ホールディングス"]
    # a later page keeps the plain order
    page_two = search(
        user=corpus.rep1, query=SearchQuery(q="サンプル商事", kinds=["customer"]), page=2, page_size=1
    )
    assert [hit.title for hit in page_two[0].hits] == ["株式会社サンプル商事"]
