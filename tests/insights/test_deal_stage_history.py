"""The deal page's stage history, from StageChange alone: each stage with its date and the whole days
spent in it (until the next change), the current open stage with its days so far, reopened closes
marked; a closed deal's last stage shows no running count."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.insights.test_pipeline import world  # noqa: F401  (the hand-made history)
from totonou.deals.models import StageChange

pytestmark = pytest.mark.django_db


def page_for(world, name: str, language: str = "en") -> str:  # noqa: F811
    client = Client(headers={"Accept-Language": language})
    client.force_login(world.people.manager)
    deal = world.deals[name]
    response = client.get(f"/deals/{deal.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def stays(html: str) -> list[tuple[str, str, str]]:
    """(date, stage, days text) per history line, oldest first."""
    section = re.search(r'<ol class="history">(.*?)</ol>', html, re.S).group(1)
    found = []
    for item in re.findall(r"<li data-stage-change=\"\d+\">(.*?)</li>", section, re.S):
        date = re.search(r"<time[^>]*>([^<]*)</time>", item).group(1)
        stage = re.search(r"<strong>([^<]*)</strong>", item).group(1)
        days = re.search(r'class="history__days[^"]*"[^>]*>([^<]*)</span>', item)
        found.append((date, stage, days.group(1) if days else ""))
    return found


def test_a_reopened_and_won_again_deal(world):  # noqa: F811
    html = page_for(world, "d4")
    assert stays(html) == [
        ("2026/04/01", "Lead", "10 days in this stage (until 2026/04/11)"),
        ("2026/04/11", "Qualified", "20 days in this stage (until 2026/05/01)"),
        ("2026/05/01", "Won", "9 days in this stage (until 2026/05/10)"),
        ("2026/05/10", "Negotiation", "51 days in this stage (until 2026/06/30)"),
        ("2026/06/30", "Won", ""),
    ]
    assert html.count("Reopened") == 1


def test_an_open_deal_shows_days_so_far(world):  # noqa: F811
    html = page_for(world, "d8")
    got = stays(html)
    assert [stay[1:] for stay in got] == [("Lead", "10 days in this stage (until " + got[1][0] + ")"),
                                          ("Negotiation", "30 days so far")]  # fmt: skip
    ja = page_for(world, "d8", "ja")
    assert "30日経過" in ja and "この段階に10日" in ja


def test_the_history_is_the_stage_changes_only(world):  # noqa: F811
    """A change removed from StageChange disappears from the page (no other source)."""
    deal = world.deals["d2"]
    assert len(stays(page_for(world, "d2"))) == 3
    StageChange.objects.filter(deal=deal, to_stage__slug="proposal").delete()
    assert [stage for _date, stage, _days in stays(page_for(world, "d2"))] == ["Lead", "Lost"]
    assert stays(page_for(world, "d2"))[0][2] == "48 days in this stage (until 2026/05/20)"
