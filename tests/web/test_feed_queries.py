"""The feed's query budget: the same number of queries with 10 events as with 100 (a full page of
25 items with comments, mentions, reactions, contacts and deals), for a manager and for a rep."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, activity_type
from tests.web.conftest import local_noon
from totonou.activities import services
from totonou.activities.models import ActivityEvent

pytestmark = pytest.mark.django_db

# session, user (with the bell's count), member / team / type / segment choices, events (with whether a
# comment mentions the viewer), their activities (with like and comment counts), the badge. A manager's
# ids of the members they manage (for the review buttons) come with the user (ADR 0048: one query fewer
# than a rep's page since). The comment threads and the mention hints load when an item's comments are
# opened (see test_feed_comments.py). In a transaction (a test) the four choices are read every time.
BUDGET = {"rep": 8, "manager": 8}


def add_events(world, count: int) -> None:
    """``count`` feed events: plans of both reps, every other one done, with a key customer, a deal and
    a contact, a comment mentioning the rep and likes."""
    while ActivityEvent.objects.count() < count:
        index = ActivityEvent.objects.count()
        owner = world.rep if index % 3 else world.other_rep
        customer = world.key_customer if index % 2 else world.customer
        start = local_noon() + datetime.timedelta(minutes=index)
        activity = services.activity_create(
            actor=owner,
            type=activity_type("visit" if index % 2 else "call"),
            customer=customer,
            deal=world.deal if customer == world.key_customer else None,
            contacts=[ContactFactory(customer=customer)],
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            notes="Talked about the spring fair",
        )
        services.reaction_toggle(actor=world.manager, activity=activity)
        if index % 4 == 1:
            services.activity_complete(actor=owner, activity=activity, next_step="Send the quote")
        elif index % 4 == 3:
            services.comment_create(actor=world.manager, body=f"Good @{owner.username}", activity=activity)


def feed_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("activities:feed"))
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("viewer", ["rep", "manager"])
def test_feed_queries_do_not_grow_with_items(world, client_for, viewer):
    client = client_for(getattr(world, viewer))
    add_events(world, 10)
    assert ActivityEvent.objects.count() in (10, 11)
    with_10 = feed_queries(client)
    add_events(world, 100)
    assert ActivityEvent.objects.count() in (100, 101)
    with_100 = feed_queries(client)
    assert with_10 == with_100, f"{with_10} queries with 10 events, {with_100} with 100"
    assert with_100 == BUDGET[viewer], f"{with_100} queries (baseline {BUDGET[viewer]})"
