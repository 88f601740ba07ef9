"""The key-customer contract: in every list of activities, a key customer's activity carries a visible
★ with an accessible label and the class ``is-key``; other activities carry neither."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.html import find_one
from totonou.activities.models import ActivityEvent
from totonou.activities.services import activity_cancel, activity_complete

pytestmark = pytest.mark.django_db

MARKER = '<span class="key-marker" role="img" aria-label="Key customer" title="Key customer">★</span>'


def pages(world) -> dict[str, str]:
    return {
        "my day": reverse("web:home"),
        "feed": reverse("activities:feed"),
        "calendar": reverse("activities:calendar"),
        "customer page (key)": reverse("customers:customer_detail", args=[world.key_customer.pk]),
        "customer page (other)": reverse("customers:customer_detail", args=[world.customer.pk]),
        "deal page": reverse("deals:deal_detail", args=[world.deal.pk]),
    }


def record_plans(world) -> None:
    """The world's activities are built by factories: give them the "planned" feed event a service writes."""
    for activity in (world.key_activity, world.plain_activity):
        ActivityEvent.objects.create(activity=activity, kind="planned", actor=activity.owner)


@pytest.mark.parametrize("page", ["customer page (key)", "deal page"])
def test_a_record_page_marks_its_key_customer_once_not_each_row(world, client_for, page):
    """On the key customer's own page (and its deal's), the heading carries the ★; its rows do not
    repeat it, nor the key border, nor the customer's name."""
    record_plans(world)
    html = client_for(world.rep).get(pages(world)[page]).content.decode()
    item = find_one(html, "data-activity", str(world.key_activity.pk))
    assert "is-key" not in item.classes
    assert "★" not in item.html and "Key Mart" not in item.text
    head = html[html.index('<div class="page-head') : html.index("<section")]
    assert MARKER in head


@pytest.mark.parametrize("page", ["my day", "feed", "calendar"])
def test_a_key_customers_activity_has_the_star_and_the_class(world, client_for, page):
    record_plans(world)
    html = client_for(world.rep).get(pages(world)[page]).content.decode()
    item = find_one(html, "data-activity", str(world.key_activity.pk))
    assert "is-key" in item.classes
    assert MARKER in item.html


@pytest.mark.parametrize("page", ["my day", "feed", "calendar", "customer page (other)"])
def test_other_activities_have_neither(world, client_for, page):
    record_plans(world)
    html = client_for(world.rep).get(pages(world)[page]).content.decode()
    item = find_one(html, "data-activity", str(world.plain_activity.pk))
    assert "is-key" not in item.classes
    assert "★" not in item.html


def test_the_label_is_translated(world, client_for):
    record_plans(world)
    world.rep.language = "ja"
    world.rep.save(update_fields=["language"])
    html = client_for(world.rep).get(reverse("activities:feed")).content.decode()
    item = find_one(html, "data-activity", str(world.key_activity.pk))
    assert 'class="key-marker" role="img" aria-label="' in item.html
    assert "★" in item.text


def test_status_is_shown_by_symbol_and_word_not_colour_alone(world, client_for):
    activity_complete(actor=world.rep, activity=world.key_activity)
    activity_cancel(actor=world.rep, activity=world.plain_activity, reason="Closed for inventory")
    html = client_for(world.rep).get(reverse("activities:feed")).content.decode()
    done = find_one(html, "data-activity", str(world.key_activity.pk))
    cancelled = find_one(html, "data-activity", str(world.plain_activity.pk))
    assert "activity--done" in done.classes and "✓" in done.text and "Done" in done.text
    assert (
        "activity--cancelled" in cancelled.classes and "✕" in cancelled.text and "Cancelled" in cancelled.text
    )
    assert "Closed for inventory" in cancelled.text
