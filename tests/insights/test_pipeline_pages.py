"""The pipeline board and the stalled list: the API's numbers for the same query, the default scope,
the cards (★, stalled, no next step), the stage picker (an open stage moves at once, lost asks for the
reason and returns to the board), and a query budget that does not grow with the data."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.factories import CustomerFactory, DealFactory
from tests.insights.test_pipeline import stage, world  # noqa: F401  (the hand-made history)
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.insights.selectors import pipeline as selectors

pytestmark = pytest.mark.django_db

BOARD = "/pipeline/"
STALLED = "/pipeline/stalled/"


def client_for(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def column_numbers(html: str) -> dict[str, tuple[str, str]]:
    """Per column id: its count text and amount text."""
    found = {}
    for match in re.finditer(
        r'data-stage="(\d+)" data-kind="open".*?pipeline-column__count">([^<]*)<'
        r'.*?pipeline-column__amount">([^<]*)<',
        html,
        re.S,
    ):
        found[match.group(1)] = (match.group(2).strip(), match.group(3).strip())
    return found


def test_board_shows_the_api_numbers(world, api):  # noqa: F811
    manager = world.people.manager
    for query in ({"team": ""}, {"owner": world.people.owner.pk}, {"team": "", "key_only": "true"}):
        html = client_for(manager).get(f"{BOARD}?{urlencode(query)}").content.decode()
        body = api(manager).get("/insights/pipeline", {k: v for k, v in query.items() if v != ""}).json()
        numbers = column_numbers(html)
        for row in body["stages"]:
            count, amount = numbers[str(row["stage"]["id"])]
            assert count == (f"{row['count']} deal" if row["count"] == 1 else f"{row['count']} deals")
            assert amount == f"¥{row['amount']:,}"


def test_board_cards(world):  # noqa: F811
    html = client_for(world.people.manager).get(f"{BOARD}?team=").content.decode()
    d = world.deals
    d8 = html[html.index(f'data-deal="{d["d8"].pk}"') :]
    d8 = d8[: d8.index("</li>")]
    assert 'class="is-key"' in d8 and "★" in d8
    assert "Stalled: too long in this stage" in d8
    assert "No next step" in d8
    d10 = html[html.index(f'data-deal="{d["d10"].pk}"') :]
    d10 = d10[: d10.index("</li>")]
    assert "Stalled" not in d10 and "No next step" not in d10
    assert "4 stalled" in html


def test_a_board_card_in_full(world):  # noqa: F811
    """The card is written in Python (``web.pipeline_card``): every value escaped, the picker on the
    deal's own stage, the next step's date and subject, the time in the stage, in either language."""
    d10 = world.deals["d10"]
    Deal.objects.filter(pk=d10.pk).update(title="<b>Big</b> & co")
    d10.customer.__class__.objects.filter(pk=d10.customer_id).update(name='"Quote" <i>Mart</i>')
    d10.refresh_from_db()
    html = client_for(world.people.manager).get(f"{BOARD}?team=").content.decode()
    card = html[html.index(f'data-deal="{d10.pk}"') :]
    card = card[: card.index("</li>")]
    assert "&lt;b&gt;Big&lt;/b&gt; &amp; co" in card and "<b>" not in card
    assert "&quot;Quote&quot; &lt;i&gt;Mart&lt;/i&gt;" in card and "<i>" not in card
    assert f'data-version="{d10.version}"' in card
    assert f'<a href="/deals/{d10.pk}/">' in card
    assert f'action="/deals/{d10.pk}/stage/"' in card and f'data-stage-url="/deals/{d10.pk}/stage/"' in card
    selected = re.findall(r'<option value="(\d+)" selected>', card)
    assert selected == [str(d10.stage_id)]
    assert re.findall(r"<option [^>]*>([^<]*)</option>", card)[-2:] == ["Won ✓", "Lost ✕"]
    assert "2 days in stage" in card
    assert '<p class="pipeline-card__next">' in card and "No next step" not in card
    assert 'name="csrfmiddlewaretoken"' in card and 'name="next" value="/pipeline/?team="' in card
    client = client_for(world.people.manager)
    ja = client.get(f"{BOARD}?team=", headers={"Accept-Language": "ja"}).content.decode()
    card = ja[ja.index(f'data-deal="{world.deals["d8"].pk}"') :]
    card = card[: card.index("</li>")]
    assert "停滞: このステージに長く留まっています" in card and "次のアクションなし" in card
    assert 'aria-label="重点顧客"' in card
    card = ja[ja.index(f'data-deal="{d10.pk}"') :]
    assert "ステージ滞在 2日" in card[: card.index("</li>")]


def test_board_default_scope_for_a_rep(world):  # noqa: F811
    html = client_for(world.people.owner).get(BOARD).content.decode()
    shown = set(re.findall(r'class="pipeline-card[^"]*" draggable="true" data-deal="(\d+)"', html))
    d = world.deals
    assert shown == {str(d[name].pk) for name in ("d5", "d8", "d10")}


def test_columns_are_capped(world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("totonou.web.views.pipeline.COLUMN_CARDS", 1)
    html = client_for(world.people.manager).get(f"{BOARD}?team=").content.decode()
    assert "+1 more" in html  # proposal has two deals


def test_stalled_list(world):  # noqa: F811
    html = client_for(world.people.manager).get(f"{STALLED}?team=").content.decode()
    d = world.deals
    order = [int(pk) for pk in re.findall(r'class="stalled-item" data-deal="(\d+)"', html)]
    assert order == [d["d5"].pk, d["d7"].pk, d["d9"].pk, d["d8"].pk]
    assert "4 stalled deals" in html
    assert "Stalled: no recent activity" in html
    assert f"/activities/new/?deal={d['d9'].pk}&amp;customer={d['d9'].customer_id}&amp;mode=plan" in html
    # each row says why (rendered in Python, ``web.pipeline_card.stalled_row``): the deals too long in
    # their stage with their exact days, in either language
    now = timezone.now()
    reasons = dict(
        re.findall(
            r'data-deal="(\d+)">.*?<p class="hint"><span aria-hidden="true">‖</span> ([^<]+)</p>', html, re.S
        )
    )
    expected = {}
    for deal in selectors.stalled_deals(Deal.objects.all(), now=now):
        days = (now - deal.stage_entered_at).days
        if deal.stalled_reason == "in_stage":
            expected[str(deal.pk)] = f"Stalled: {days} day{'s' if days != 1 else ''} in this stage"
        else:
            expected[str(deal.pk)] = "Stalled: no recent activity"
    assert reasons == expected
    assert "in this stage" in " ".join(reasons.values()) and "no recent activity" in " ".join(
        reasons.values()
    )
    ja = client_for(world.people.manager).get(f"{STALLED}?team=", headers={"Accept-Language": "ja"})
    reasons_ja = dict(
        re.findall(
            r'data-deal="(\d+)">.*?<p class="hint"><span aria-hidden="true">‖</span> ([^<]+)</p>',
            ja.content.decode(),
            re.S,
        )
    )
    assert reasons_ja == {
        pk: "停滞: 最近の活動なし"
        if text.endswith("activity")
        else f"停滞: このステージに {text.split()[1]} 日"
        for pk, text in expected.items()
    }


def test_the_stalled_list_pages_and_counts_every_stalled_deal(world, monkeypatch):  # noqa: F811
    from totonou.web.views import pipeline as views

    monkeypatch.setattr(views, "STALLED_PAGE_SIZE", 3)
    d = world.deals
    client = client_for(world.people.manager)
    pages = []
    for number in (1, 2):
        html = client.get(f"{STALLED}?team=&page={number}").content.decode()
        assert "4 stalled deals" in html  # the count is of all of them, not of the page
        assert f"Page {number} of 2" in html
        pages.append([int(pk) for pk in re.findall(r'class="stalled-item" data-deal="(\d+)"', html)])
    assert pages == [[d["d5"].pk, d["d7"].pk, d["d9"].pk], [d["d8"].pk]]


def test_picker_moves_to_an_open_stage_and_returns_to_the_board(world):  # noqa: F811
    deal = world.deals["d10"]
    client = client_for(world.people.owner)
    response = client.post(
        f"/deals/{deal.pk}/stage/",
        {"stage": stage("negotiation").pk, "version": deal.version, "next": BOARD},
    )
    assert (response.status_code, response["Location"]) == (302, BOARD)
    deal.refresh_from_db()
    assert deal.stage.slug == "negotiation"


def test_picker_lost_asks_for_the_reason(world):  # noqa: F811
    deal = world.deals["d10"]
    client = client_for(world.people.owner)
    changes = StageChange.objects.count()
    lost = stage("lost").pk
    form = client.post(f"/deals/{deal.pk}/stage/", {"stage": lost, "version": deal.version, "next": BOARD})
    assert form.status_code == 200
    assert f'name="next" value="{BOARD}"' in form.content.decode()
    refused = client.post(
        f"/deals/{deal.pk}/stage/",
        {"stage": lost, "version": deal.version, "next": BOARD, "confirm": "1", "loss_reason": ""},
    )
    assert refused.status_code == 422
    assert "Give the reason the deal was lost." in refused.content.decode()
    deal.refresh_from_db()
    assert (deal.stage.slug, StageChange.objects.count()) == ("proposal", changes)
    done = client.post(
        f"/deals/{deal.pk}/stage/",
        {
            "stage": lost,
            "version": deal.version,
            "next": BOARD,
            "confirm": "1",
            "loss_reason": LossReason.objects.get(slug="price").pk,
        },
    )
    assert (done.status_code, done["Location"]) == (302, BOARD)
    deal.refresh_from_db()
    assert (deal.stage.slug, deal.loss_reason.slug) == ("lost", "price")


def test_other_rep_cannot_move_by_the_picker(world):  # noqa: F811
    deal = world.deals["d10"]
    response = client_for(world.people.other_rep).post(
        f"/deals/{deal.pk}/stage/", {"stage": stage("negotiation").pk, "version": deal.version, "next": BOARD}
    )
    assert response.status_code in (403, 404)
    deal.refresh_from_db()
    assert deal.stage.slug == "proposal"


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow(world):  # noqa: F811
    client = client_for(world.people.manager)
    before = (queries(client, f"{BOARD}?team="), queries(client, f"{STALLED}?team="))
    owner = world.people.owner
    for _ in range(5):
        customer = CustomerFactory(owner=owner, is_key=True)
        for slug in ("lead", "qualified", "proposal", "negotiation"):
            DealFactory(customer=customer, owner=owner, stage=stage(slug))
    assert Deal.objects.count() > 30
    after = (queries(client, f"{BOARD}?team="), queries(client, f"{STALLED}?team="))
    assert after == before


def test_my_day_counts_the_reps_stalled_deals(world):  # noqa: F811
    html = client_for(world.people.owner).get("/").content.decode()
    assert "2 stalled deals need a next step" in html  # D5 and D8; D10 has a plan ahead
    assert f"/pipeline/stalled/?owner={world.people.owner.pk}" in html
    html = client_for(world.people.rep_b).get("/").content.decode()
    assert "1 stalled deal needs a next step" in html  # D7


def cell_texts(row_html: str) -> list[str]:
    """The numbers of a table row, linked or not."""
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<td class="numeric">(.*?)</td>', row_html, re.S)
    ]


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


def dash(value) -> str:
    return "–" if value is None else str(value)


@pytest.mark.parametrize("group_by", ["owner", "team", "segment", "month", "size", "loss_reason"])
def test_analytics_page_shows_the_api_numbers(world, api, group_by):  # noqa: F811
    manager = world.people.manager
    period = {"from": "2026-04-01", "to": "2026-06-30"}
    query = {"team": "", **period, "group_by": group_by, "period": "2026-Q1"}
    html = client_for(manager).get("/insights/pipeline/", query).content.decode()
    body = api(manager).get("/insights/win-rate", {**period, "group_by": group_by}).json()
    assert len(re.findall(r'<tr data-key="(?!total)', html)) == len(body["rows"]) > 0
    for row in [*body["rows"], body["total"]]:
        cells = re.search(rf'<tr data-key="{row["key"]}">(.*?)</tr>', html, re.S).group(1)
        assert cell_texts(cells) == [str(row["won"]), str(row["lost"]), percent(row["win_rate"]),
                                     f"¥{row['won_amount']:,}", dash(row["median_cycle_days"])]  # fmt: skip
    funnel = api(manager).get("/insights/funnel", period).json()
    for row in funnel["stages"]:
        cells = re.search(rf'<tr data-stage="{row["stage"]["id"]}">(.*?)</tr>', html, re.S).group(1)
        assert cell_texts(cells) == [str(row["entered"]), str(row["moved_forward"]), str(row["lost"]),
                                     percent(row["conversion"]), dash(row["median_days"])]  # fmt: skip
    forecast = api(manager).get("/insights/forecast", {"period": "2026-Q1"}).json()
    for name, key in (("won", "won"), ("weighted", "weighted_pipeline"), ("commit", "commit")):
        shown = re.search(rf'<dd data-figure="{name}"><a [^>]*>([^<]*)</a></dd>', html).group(1)
        assert shown == f"¥{forecast[key]:,}"
    assert f'<dd data-figure="forecast">¥{forecast["forecast"]:,}</dd>' in html
    reasons = api(manager).get("/insights/win-rate", {**period, "group_by": "loss_reason"}).json()
    for row in reasons["rows"]:
        if row["key"] == "won":
            continue
        slug = LossReason.objects.get(pk=int(row["key"])).slug
        cells = re.search(rf'<tr data-reason="{slug}">(.*?)</tr>', html, re.S).group(1)
        assert cell_texts(cells) == [str(row["lost"]), f"¥{row['lost_amount']:,}"]


def test_analytics_tab_strip_and_loss_notes(world):  # noqa: F811
    manager = world.people.manager
    query = {"team": "", "from": "2026-04-01", "to": "2026-06-30"}
    html = client_for(manager).get("/insights/pipeline/", query).content.decode()
    tabs = re.search(r'<nav class="tabs insights-tabs".*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)"( aria-current="page")?>', tabs) == [
        ("/insights/", ""),
        ("/insights/uncontacted/", ""),
        ("/insights/pipeline/", ' aria-current="page"'),
    ]
    for page in ("/insights/", "/insights/uncontacted/"):
        other = client_for(manager).get(page).content.decode()
        assert 'href="/insights/pipeline/"' in other and 'class="tabs insights-tabs"' in other
    assert html.count('<svg class="chart chart--hbars"') == 4
    assert "価格で他社に負けた" in html
    searched = client_for(manager).get("/insights/pipeline/", {**query, "q": "他社"}).content.decode()
    assert f'data-deal="{world.deals["d2"].pk}"' in searched
    assert f'data-deal="{world.deals["d3"].pk}"' not in searched
    by_reason = client_for(manager).get("/insights/pipeline/", {**query, "q": "Competitor"}).content.decode()
    assert f'data-deal="{world.deals["d3"].pk}"' in by_reason
    assert f'data-deal="{world.deals["d2"].pk}"' not in by_reason


#: The loss notes' markup as ``pipeline/analytics.html`` wrote it before ``web.pipeline_card.loss_notes``.
LOSS_NOTES_TEMPLATE = (
    "{% load i18n totonou %}"
    '{% for deal in lost_deals %}<li data-deal="{{ deal.pk }}">{% if deal.customer.is_key %}<span '
    'class="is-key" role="img" aria-label="{% translate \'Key customer\' %}">★</span> {% endif %}<a '
    'href="{{ deal.get_absolute_url }}">{{ deal.title }}</a> · {{ deal.customer.name }} · '
    '{{ deal.amount|money }} · {{ deal.loss_reason.name|default:_("No reason given") }}'
    "{% if deal.loss_note %}<br>{{ deal.loss_note }}{% endif %}</li>{% endfor %}"
)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_loss_notes_in_python_are_the_templates_markup(world, language):  # noqa: F811
    """Key customer or not, a reason or none, a note or none, markup in the title, the customer's name
    and the note: the Python items equal the template's, character for character."""
    from django.template import engines
    from django.utils import translation

    from totonou.web import pipeline_card

    lost_stage = Stage.objects.get(slug="lost")
    price = LossReason.objects.get(slug="price")
    key = CustomerFactory(owner=world.people.owner, name='"Quote" <i>Mart</i> & 株式会社', is_key=True)
    plain = CustomerFactory(owner=world.people.owner, name="Plain")
    made = [
        DealFactory(
            customer=key, title="<b>Big</b> & co", stage=lost_stage, loss_reason=price, amount=1_234_567
        ),
        DealFactory(
            customer=plain, title="No reason", stage=lost_stage, amount=0, loss_note="<script>x</script>"
        ),
        DealFactory(
            customer=plain, title="Noted", stage=lost_stage, loss_reason=price, loss_note="価格\n二行目"
        ),
    ]
    deals = list(
        Deal.objects.filter(pk__in=[deal.pk for deal in made])
        .select_related("customer", "loss_reason")
        .order_by("pk")
    )
    with translation.override(language):
        expected = engines["django"].from_string(LOSS_NOTES_TEMPLATE).render({"lost_deals": deals})
        got = str(pipeline_card.loss_notes(deals))
    assert got == expected
    assert got.count("<li ") == 3 and "<script>" not in got and "<b>" not in got
    assert ("重点顧客" if language == "ja" else "Key customer") in got
    assert ("理由の記入なし" if language == "ja" else "No reason given") in got


#: The analytics page's four table loops as the template wrote them before ``pipeline_card``'s
#: ``funnel_rows``, ``win_rate_rows``, ``win_rate_total`` and ``loss_reason_rows`` (one per line).
TABLES_TEMPLATE = Path(__file__).with_name("analytics_tables_template.html")


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("group_by", ["owner", "month", "loss_reason"])
def test_the_analytics_tables_in_python_are_the_templates_markup(world, language, group_by):  # noqa: F811
    """The funnel, win rate (rows and total: a side without deals is not linked) and loss reasons tables
    of the analytics page, written in Python, equal the template loops they replaced, character for
    character, in a period with deals and in one without."""
    from django.template import engines

    from totonou.web import pipeline_card

    manager = world.people.manager
    engine = engines["django"]
    before = engine.from_string(TABLES_TEMPLATE.read_text())
    for period in ({"from": "2026-04-01", "to": "2026-06-30"}, {"from": "2019-01-01", "to": "2019-01-31"}):
        client = Client(headers={"Accept-Language": language})
        client.force_login(manager)
        response = client.get("/insights/pipeline/", {"team": "", **period, "group_by": group_by})
        context = response.context
        with translation.override(language):
            expected = before.render(
                {
                    "funnel": context["funnel"],
                    "win_rate": context["win_rate"],
                    "loss_reasons": context["loss_reasons"],
                }
            ).split("\n")
            written = [
                str(pipeline_card.funnel_rows(context["funnel"].stages)),
                str(pipeline_card.win_rate_rows(context["win_rate"].rows)),
                str(pipeline_card.win_rate_total(context["win_rate"].total)),
                str(pipeline_card.loss_reason_rows(context["loss_reasons"])),
            ]
        assert written == expected[:4]
        for part in written:
            assert part in response.content.decode()
        if period["from"] == "2026-04-01":
            assert written[1].count("<tr ") == len(context["win_rate"].rows) > 0
