"""Every page answers a signed-in user and sends everyone else to sign in."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import ActivityFactory
from totonou.activities.models import ActivityEvent

pytestmark = pytest.mark.django_db


def page_urls(world) -> list[str]:
    return [
        reverse("web:home"),
        reverse("activities:feed"),
        reverse("activities:calendar"),
        reverse("activities:activity_detail", args=[world.key_activity.pk]),
        reverse("activities:activity_edit", args=[world.key_activity.pk]),
        reverse("customers:customer_list"),
        reverse("customers:customer_detail", args=[world.key_customer.pk]),
        reverse("deals:deal_list"),
        reverse("deals:deal_detail", args=[world.deal.pk]),
        reverse("web:insights"),
        reverse("web:settings"),
    ]


def test_every_page_answers_a_signed_in_user(world, client_for):
    client = client_for(world.rep)
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'<nav class="main-nav"' in response.content, url


def test_every_page_sends_anonymous_users_to_sign_in(world, client):
    login = reverse("login")
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{login}?next={url}", url


def test_navigation_marks_the_current_page(world, client_for):
    html = client_for(world.rep).get(reverse("activities:feed")).content.decode()
    assert f'<a href="{reverse("activities:feed")}" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1


def test_navigation_lists_every_section(world, client_for):
    html = client_for(world.rep).get(reverse("web:home")).content.decode()
    for label in ("My day", "Calendar", "Feed", "Customers", "Deals", "Insights", "Settings"):
        assert f"</span>{label}</a>" in html, label


def test_unknown_record_is_404(world, client_for):
    client = client_for(world.rep)
    assert client.get(reverse("activities:activity_detail", args=[999999])).status_code == 404
    assert client.get(reverse("customers:customer_detail", args=[999999])).status_code == 404
    assert client.get(reverse("deals:deal_detail", args=[999999])).status_code == 404


def test_invalid_filter_values_show_a_field_error_instead_of_failing(world, client_for):
    response = client_for(world.rep).get(reverse("activities:feed"), {"owner": "abc", "type": "visit"})
    assert response.status_code == 200
    assert b"Some filters were ignored" in response.content
    assert b"<code>owner</code>" in response.content


def test_htmx_filter_request_gets_only_the_results_fragment(world, client_for):
    for activity in (world.key_activity, world.plain_activity):  # the feed lists what happened to them
        ActivityEvent.objects.create(activity=activity, kind="planned", actor=activity.owner)
    response = client_for(world.rep).get(
        reverse("activities:feed"),
        {"key_only": "true"},
        headers={"HX-Request": "true", "HX-Target": "feed-results"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="feed-results"')
    assert "<html" not in html
    assert "Key visit" in html
    assert "Plain visit" not in html
    assert "HX-Request" in response["Vary"]


def test_the_stylesheet_and_htmx_are_served(client):
    for path in ("/static/totonou/app.css", "/static/django_htmx/htmx-2.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="stylesheet" href="/static/totonou/app.css">' in html
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_times_are_shown_in_the_users_time_zone(world, client_for):
    tokyo_noon = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    activity = ActivityFactory(owner=world.rep, starts_at=tokyo_noon)
    url = reverse("activities:activity_detail", args=[activity.pk])
    assert "2026/01/15 12:00" in client_for(world.rep).get(url).content.decode()
    world.other_rep.time_zone = "Europe/London"
    world.other_rep.save(update_fields=["time_zone"])
    assert "2026/01/15 03:00" in client_for(world.other_rep).get(url).content.decode()
