"""Every number of Insights → Pipeline opens the deal list of exactly the deals it counts: for each
figure on the page (hand-made history of ``test_pipeline``), the linked list's count (or its amount
totals) equals the figure — per stage, per win-rate row of every grouping, per loss reason and in the
forecast; a manager's team scope and a rep's own scope too."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client

from tests.insights.test_pipeline import world  # noqa: F401  (the hand-made history)
from totonou.deals.models import Deal

pytestmark = pytest.mark.django_db

PAGE = "/insights/pipeline/"
PERIOD = {"from": "2026-04-01", "to": "2026-06-30", "period": "2026-Q1"}


def client_for(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def money(text: str) -> int:
    return int(text.replace("¥", "").replace(",", ""))


def listed(client: Client, url: str) -> dict[str, Any]:
    """The deal list behind a link: its count, amount and weighted totals, and the deal ids listed."""
    response = client.get(html_lib.unescape(url) + "&page_size=100")
    assert response.status_code == 200, url
    page = response.content.decode()
    count = int(re.search(r'class="results__count" role="status">(\d+) deals?<', page).group(1))
    return {
        "count": count,
        "amount": money(re.search(r'data-total="amount">([^<]*)<', page).group(1)),
        "weighted": money(re.search(r'data-total="weighted">([^<]*)<', page).group(1)),
        "ids": {int(pk) for pk in re.findall(r'<tr data-deal="(\d+)"', page)},
    }


def figures(page: str, row_pattern: str) -> list[tuple[str, str, str, str]]:
    """(row key, figure name, link, text) for every linked number in the rows matching the pattern."""
    found = []
    for row in re.finditer(row_pattern, page, re.S):
        for figure in re.finditer(r'<a data-figure="([a-z_]+)" href="([^"]+)">([^<]*)</a>', row.group(2)):
            found.append((row.group(1), figure.group(1), figure.group(2), figure.group(3)))
    return found


def check_row_figures(client: Client, page: str, pattern: str) -> int:
    checked = 0
    cells: dict[str, dict[str, str]] = {}
    texts = {
        row.group(1): [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(2))
        ]
        for row in re.finditer(pattern, page, re.S)
    }
    for key, name, link, text in figures(page, pattern):
        cells.setdefault(key, {})[name] = text
        got = listed(client, link)
        if name in {"entered", "forward", "lost", "won", "count"}:
            assert got["count"] == int(text), (key, name, link)
        elif name in {"won_amount", "amount"}:
            assert got["amount"] == money(text), (key, name, link)
        elif name in {"win_rate", "cycle"}:  # over won and lost: the row's first two cells
            won, lost = texts[key][:2]
            assert got["count"] == int(won) + int(lost), (key, link)
        elif name == "conversion":
            assert got["count"] == int(cells[key]["forward"]), (key, link)
        elif name == "median":
            left = listed(client, link.replace("outcome=left", "outcome=still"))
            entered = int(cells[key]["entered"])
            assert got["count"] + left["count"] == entered, (key, link)
            assert got["ids"].isdisjoint(left["ids"])
        else:
            raise AssertionError(name)
        checked += 1
    return checked


@pytest.mark.parametrize("group_by", ["owner", "team", "segment", "month", "size", "loss_reason"])
def test_every_win_rate_and_stage_figure_links_to_its_deals(world, group_by):  # noqa: F811
    client = client_for(world.people.manager)
    page = client.get(PAGE, {"team": "", **PERIOD, "group_by": group_by}).content.decode()
    win_rows = check_row_figures(client, page, r'<tr data-key="([^"]+)">(.*?)</tr>')
    stage_rows = check_row_figures(client, page, r'<tr data-stage="(\d+)">(.*?)</tr>')
    assert stage_rows == 4 * 5  # entered, forward, lost, conversion, median days
    assert win_rows >= 2 * 5  # at least one row and the total, five figures each


def test_stage_links_list_exactly_the_deals(world):  # noqa: F811
    """Lead in April–June: D1, D2, D3, D4, D7 moved forward, D5 (lost, reopened) is still there."""
    d = world.deals
    client = client_for(world.people.manager)
    page = client.get(PAGE, {"team": "", **PERIOD}).content.decode()
    lead = re.search(r'<tr data-stage="(\d+)">(.*?)</tr>', page, re.S).group(2)
    links = dict(re.findall(r'<a data-figure="([a-z_]+)" href="([^"]+)">', lead))
    assert listed(client, links["entered"])["ids"] == {d[n].pk for n in ("d1", "d2", "d3", "d4", "d5", "d7")}
    assert listed(client, links["forward"])["ids"] == {d[n].pk for n in ("d1", "d2", "d3", "d4", "d7")}
    assert listed(client, links["lost"])["ids"] == set()
    assert Deal.objects.filter(pk=d["d5"].pk, stage__slug="lead").exists()


def test_win_rate_total_links_list_exactly_the_deals(world):  # noqa: F811
    d = world.deals
    client = client_for(world.people.manager)
    page = client.get(PAGE, {"team": "", **PERIOD}).content.decode()
    total = re.search(r'<tr data-key="total">(.*?)</tr>', page, re.S).group(1)
    links = dict(re.findall(r'<a data-figure="([a-z_]+)" href="([^"]+)">', total))
    assert listed(client, links["won"])["ids"] == {d["d1"].pk, d["d4"].pk}
    assert listed(client, links["lost"])["ids"] == {d["d2"].pk, d["d3"].pk}
    won = listed(client, links["won_amount"])
    assert (won["count"], won["amount"]) == (2, 7_000_000)


def test_loss_reason_figures_link_to_their_deals(world):  # noqa: F811
    client = client_for(world.people.manager)
    page = client.get(PAGE, {"team": "", **PERIOD}).content.decode()
    checked = check_row_figures(client, page, r'<tr data-reason="([a-z_-]+)">(.*?)</tr>')
    assert checked == 4  # price and competitor: count and amount
    price = re.search(r'<tr data-reason="price">(.*?)</tr>', page, re.S).group(1)
    link = re.search(r'data-figure="count" href="([^"]+)"', price).group(1)
    assert listed(client, link)["ids"] == {world.deals["d2"].pk}


@pytest.mark.parametrize("period", ["2026-Q1", "month"])
def test_forecast_figures_link_to_their_deals(world, period):  # noqa: F811
    client = client_for(world.people.manager)
    page = client.get(PAGE, {"team": "", **PERIOD, "period": period}).content.decode()
    found = dict(
        (name, (link, money(text)))
        for name, link, text in re.findall(
            r'<dd data-figure="([a-z]+)"><a href="([^"]+)">([^<]*)</a></dd>', page
        )
    )
    assert set(found) == {"won", "weighted", "commit"}
    link, won = found["won"]
    assert listed(client, link)["amount"] == won
    link, weighted = found["weighted"]
    assert listed(client, link)["weighted"] == weighted
    link, commit = found["commit"]
    assert listed(client, link)["amount"] == commit
    forecast = money(re.search(r'<dd data-figure="forecast">([^<]*)</dd>', page).group(1))
    assert forecast == won + weighted
    if period == "month":  # D12 won now; D8, D9, D10 expected to close today, D8 at 75 %
        assert (won, weighted, commit) == (2_500_000, 4_500_000, 4_000_000)
    else:
        assert (won, weighted, commit) == (7_000_000, 0, 0)


def test_a_reps_links_keep_their_scope(world):  # noqa: F811
    """A rep's page (their own deals by default) links to their own deals only, never everyone's."""
    owner = world.people.owner
    client = client_for(owner)
    page = client.get(PAGE, PERIOD).content.decode()
    checked = check_row_figures(client, page, r'<tr data-key="([^"]+)">(.*?)</tr>')
    assert checked == 10  # the rep's row and the total
    total = re.search(r'<tr data-key="total">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="numeric"><a[^>]*>([^<]*)</a>', total)[:2] == ["1", "1"]
    assert f"owner={owner.pk}" in re.search(r'data-figure="won" href="([^"]+)"', total).group(1)


def test_old_address_redirects(world):  # noqa: F811
    response = client_for(world.people.manager).get("/pipeline/analytics/?team=&group_by=month")
    assert (response.status_code, response["Location"]) == (302, "/insights/pipeline/?team=&group_by=month")
