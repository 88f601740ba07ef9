"""The deal page (案件ごとの活動詳細): stage, amount, stage history, comments, and the deal's activity
timeline a page at a time, in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, DealFactory
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from tests.web.test_customer_pages import add_timeline, queries
from totonou.activities.models import Activity, Comment
from totonou.deals.models import Stage
from totonou.deals.services import deal_change_stage

pytestmark = pytest.mark.django_db


def entries(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-timeline="([0-9]+)"', html)]


def test_the_deal_page_shows_stage_amount_history_and_comments(world, client_for):
    deal = world.deal
    deal_change_stage(actor=world.rep, deal=deal, stage=Stage.objects.get(slug="proposal"))
    Comment.objects.create(author=world.manager, body="Push for the fair", deal=deal)
    html = client_for(world.rep).get(deal.get_absolute_url()).content.decode()
    details = find_one(html, "aria-labelledby", "deal-details-title").text
    assert "1,000,000" in details
    assert "Proposal" in details
    history = find_one(html, "class", "history").text
    assert re.search(r"Lead\s+→\s*to\s+Proposal", history)
    assert str(world.rep) in history
    assert "Push for the fair" in find_one(html, "aria-labelledby", "deal-comments-title").text
    assert "★" in find_one(html, "class", "page-head__sub").text  # the deal's customer is a key customer


def test_the_timeline_holds_this_deals_activities_only_newest_first(world, client_for):
    deal = world.deal
    done = ActivityFactory(
        owner=world.other_rep,
        customer=world.key_customer,
        deal=deal,
        starts_at=local_noon(-3),
        status=Activity.Status.DONE,
        completed_at=timezone.now(),
        notes="Sent the quote",
    )
    planned = ActivityFactory(
        owner=world.rep, customer=world.key_customer, deal=deal, starts_at=local_noon(4)
    )
    other_deal = DealFactory(customer=world.key_customer, owner=world.rep)
    elsewhere = ActivityFactory(
        owner=world.rep, customer=world.key_customer, deal=other_deal, starts_at=local_noon()
    )
    no_deal = ActivityFactory(owner=world.rep, customer=world.key_customer, starts_at=local_noon(-1))
    Comment.objects.create(author=world.manager, body="Good", activity=done)

    html = client_for(world.manager).get(deal.get_absolute_url()).content.decode()
    timeline = find_one(html, "class", "timeline").html
    # The plan ahead is listed above the history (the world's visit today too, until it starts).
    today_ahead = world.key_activity.starts_at >= timezone.now()
    assert entries(timeline) == ([done.pk] if today_ahead else [world.key_activity.pk, done.pk])
    upcoming = find_one(html, "class", "activity-list timeline__ahead").html
    expected_ahead = [world.key_activity.pk, planned.pk] if today_ahead else [planned.pk]
    assert [int(pk) for pk in re.findall(r'data-activity="([0-9]+)"', upcoming)] == expected_ahead
    for absent in (elsewhere, no_deal):
        assert f'data-timeline="{absent.pk}"' not in timeline
    entry = find_one(timeline, "data-timeline", str(done.pk))
    assert "Sent the quote" in entry.text and "1 comment" in entry.text
    assert "is-key" not in find_one(entry.html, "data-activity", str(done.pk)).classes  # the page is


def test_show_more_on_the_deal_page(world, client_for):
    for index in range(24):
        ActivityFactory(
            owner=world.rep, customer=world.key_customer, deal=world.deal, starts_at=local_noon(-index - 1)
        )
    client = client_for(world.rep)
    html = client.get(world.deal.get_absolute_url()).content.decode()
    assert len(entries(html)) == 20
    history = 24 if world.key_activity.starts_at >= timezone.now() else 25
    assert f"20 of {history} shown" in find_one(html, "id", "timeline-more").text
    fragment = client.get(
        world.deal.get_absolute_url(),
        {"page": 2},
        headers={"HX-Request": "true", "HX-Target": "timeline-more"},
    ).content.decode()
    assert len(entries(fragment)) == history - 20
    assert "Stage history" not in fragment


def test_deal_page_queries_do_not_grow_with_the_timeline(world, client_for):
    client = client_for(world.rep)
    url = world.deal.get_absolute_url()
    add_timeline(world, 9)  # with the world's key activity (on this deal): 10
    with_10 = queries(client, url)
    add_timeline(world, 90)  # 100
    with_100 = queries(client, url)
    assert with_10 == with_100, f"{with_10} queries with 10 activities, {with_100} with 100"
    html = client.get(url).content.decode()
    assert '<span class="count">100</span>' in html
    assert len(find_all(html, "class", "timeline__entry")) == 20


def test_an_unknown_deal_is_404(world, client_for):
    assert client_for(world.rep).get(reverse("deals:deal_detail", args=[999999])).status_code == 404
