"""``GET /api/v1/search`` and the ``/search`` page: shapes, errors, permissions, query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.search.conftest import Corpus, at
from totonou.activities.models import ActivityType
from totonou.activities.services import activity_create

pytestmark = pytest.mark.django_db


def test_api_results_grouped_by_type_with_highlights(corpus: Corpus, api_client) -> None:
    response = api_client(corpus.rep1).get("/api/v1/search", {"q": "見積"})
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["page_size"], body["has_next"], body["next"]) == (1, 50, False, None)
    proposal, regular, quote = (corpus.activities[name] for name in ("proposal", "regular", "quote"))
    deal = corpus.deals["replace"]
    assert [(hit["type"], hit["id"]) for hit in body["results"]] == [
        ("activity", proposal.pk),
        ("activity", regular.pk),
        ("activity", quote.pk),
        ("deal", deal.pk),
    ]
    first = body["results"][0]
    assert first == {
        "type": "activity",
        "id": proposal.pk,
        "title": "リプレース提案",
        "title_highlights": [],
        "snippet": "firmware 更新の見積を依頼された",
        "highlights": [[12, 14]],
        "date": "2026-04-05T10:00:00+09:00",
        "owner": corpus.rep2.pk,
        "customer": corpus.customers["hikari"].pk,
        "web_url": f"http://127.0.0.1:8000/activities/{proposal.pk}/",
    }
    assert body["results"][2]["title_highlights"] == [[0, 2]]
    assert body["results"][3]["web_url"] == f"http://127.0.0.1:8000/deals/{deal.pk}/"


def test_api_type_filter_and_pages(corpus: Corpus, api_client) -> None:
    client = api_client(corpus.rep1)
    first = client.get("/api/v1/search", {"q": "見積", "type": "activity", "page_size": 2}).json()
    assert [hit["title"] for hit in first["results"]] == ["リプレース提案", "定例訪問"]
    assert first["has_next"] is True
    assert "page=2" in first["next"] and "type=activity" in first["next"]
    second = client.get(first["next"]).json()
    assert [hit["title"] for hit in second["results"]] == ["見積提示"]
    assert (second["has_next"], second["next"]) == (False, None)
    # without a type, a page holds up to page_size of each type
    mixed = client.get("/api/v1/search", {"q": "見積", "page_size": 1}).json()
    assert [(hit["type"], hit["title"]) for hit in mixed["results"]] == [
        ("activity", "リプレース提案"),
        ("deal", "サンプル商事 リプレース案件"),
    ]
    assert mixed["has_next"] is True
    contact = client.get("/api/v1/search", {"q": "山田"}).json()["results"][0]
    assert contact["web_url"].endswith(
        f"/customers/{corpus.customers['sample'].pk}/#contact-{corpus.contacts['yamada'].pk}"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "あ" * 101}, "q"),
        ({"q": "見積", "type": "comment"}, "type"),
        ({"q": "見積", "owner": "me"}, "owner"),
        ({"q": "見積", "date_from": "2026-13-01"}, "date_from"),
        ({"q": "見積", "page_size": 500}, "page_size"),
        ({"q": "見積", "page": 0}, "page"),
    ],
)
def test_api_rejects_bad_requests(corpus: Corpus, api_client, params, field) -> None:
    response = api_client(corpus.rep1).get("/api/v1/search", params)
    assert response.status_code == 422
    assert list(response.json()["detail"]) == [field]


def test_api_needs_a_signed_in_user(corpus: Corpus) -> None:
    response = Client().get("/api/v1/search", {"q": "見積"})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_api_query_count_is_constant(corpus: Corpus, api_client, django_assert_num_queries) -> None:
    client = api_client(corpus.rep1)
    client.get("/api/v1/search", {"q": "見積"})  # the token's first use is recorded
    with django_assert_num_queries(5):  # the token, then one query per type
        assert len(client.get("/api/v1/search", {"q": "見積"}).json()["results"]) == 4
    visit = ActivityType.objects.get(slug="visit")
    for day in range(6, 16):
        activity_create(
            actor=corpus.rep1, type=visit, starts_at=at(day), ends_at=at(day, 11), subject=f"見積 {day}"
        )
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/search", {"q": "見積"}).json()["results"]) == 14
    with django_assert_num_queries(2):
        client.get("/api/v1/search", {"q": "見積", "type": "deal"})


def test_page_shows_groups_with_marked_snippets_and_links(corpus: Corpus, client: Client) -> None:
    client.force_login(corpus.rep1)
    response = client.get("/search", {"q": "サンプル商事"})
    assert response.status_code == 200
    html = response.content.decode()
    customer, deal = corpus.customers["sample"], corpus.deals["replace"]
    assert (
        f'<a class="search-hit__title" href="/customers/{customer.pk}/">株式会社<mark>サンプル商事</mark></a>'
        in html
    )
    assert (
        f'<a class="search-hit__title" href="/deals/{deal.pk}/"><mark>サンプル商事</mark> リプレース案件</a>'
        in html
    )
    assert html.count('class="search-group card"') == 2
    assert 'id="site-search-q" name="q" value="サンプル商事"' in html  # the header box keeps the query


def test_page_escapes_before_marking(corpus: Corpus, client: Client) -> None:
    visit = ActivityType.objects.get(slug="visit")
    activity_create(
        actor=corpus.rep1,
        type=visit,
        starts_at=at(20),
        ends_at=at(20, 11),
        subject="<script>alert(1)</script>見積",
        notes='<img src=x onerror="見積">',
    )
    client.force_login(corpus.rep1)
    html = client.get("/search", {"q": "見積", "type": "activity"}).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>見積</mark>" in html
    assert "&lt;img src=x onerror=&quot;<mark>見積</mark>&quot;&gt;" in html


def test_page_more_links_and_type_pages(corpus: Corpus, client: Client, settings) -> None:
    client.force_login(corpus.rep1)
    from totonou.web.views import search as views

    settings.DEBUG = False
    original = views.OVERVIEW_PAGE_SIZE, views.TYPE_PAGE_SIZE
    views.OVERVIEW_PAGE_SIZE, views.TYPE_PAGE_SIZE = 2, 2
    try:
        html = client.get("/search", {"q": "見積"}).content.decode()
        assert '<a class="search-more" href="?q=%E8%A6%8B%E7%A9%8D&amp;type=activity">' in html
        assert "type=deal" not in html  # one deal: no more
        page_one = client.get("/search", {"q": "見積", "type": "activity"}).content.decode()
        assert page_one.count('class="search-hit"') == 2
        assert 'rel="next"' in page_one
        page_two = client.get("/search", {"q": "見積", "type": "activity", "page": 2}).content.decode()
        assert page_two.count('class="search-hit"') == 1
        assert 'rel="prev"' in page_two and 'rel="next"' not in page_two
    finally:
        views.OVERVIEW_PAGE_SIZE, views.TYPE_PAGE_SIZE = original


def test_page_errors_and_empty(corpus: Corpus, client: Client) -> None:
    client.force_login(corpus.rep1)
    assert client.get("/search").status_code == 200
    too_long = client.get("/search", {"q": "あ" * 101}).content.decode()
    assert 'aria-invalid="true" aria-describedby="search-q-errors"' in too_long
    assert 'class="search-group' not in too_long
    nothing = client.get("/search", {"q": "存在しない言葉"}).content.decode()
    assert '<p class="empty">' in nothing and 'class="search-group' not in nothing


def test_page_query_count_is_constant(corpus: Corpus, client: Client, django_assert_num_queries) -> None:
    client.force_login(corpus.rep1)
    client.get("/search", {"q": "見積"})
    # session, user (with the bell's count), the header's feed badge, one query per type, the owners for
    # the filter, and the activities of the activity hits (shown as activity cards, ADR 0015)
    with django_assert_num_queries(8):
        client.get("/search", {"q": "見積"})
    visit = ActivityType.objects.get(slug="visit")
    for day in range(6, 16):
        activity_create(
            actor=corpus.rep1, type=visit, starts_at=at(day), ends_at=at(day, 11), notes=f"見積 {day}"
        )
    with django_assert_num_queries(8):
        client.get("/search", {"q": "見積"})


def test_page_needs_sign_in(corpus: Corpus, client: Client) -> None:
    response = client.get("/search", {"q": "見積"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
