"""@mentions: the header bell counts them on every page (one query at most; mentions are one kind of
notification), and the list of mentions marks them read (in the bell too)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.web.html import find_all, find_one
from totonou.activities import services
from totonou.activities.models import ActivityEvent, Mention
from totonou.web.views.social import MENTIONS_PAGE_SIZE

pytestmark = pytest.mark.django_db

MENTIONS = reverse("activities:mentions")


def badge(html: str):
    return find_one(html, "id", "notification-bell")


def mention(world, body: str = "Look", *, activity=None, deal=None):
    target = {"deal": deal} if deal is not None else {"activity": activity or world.key_activity}
    return services.comment_create(actor=world.manager, body=f"{body} @{world.rep.username}", **target)


def test_the_badge_counts_unread_mentions_on_every_page(world, client_for):
    mention(world, "One")
    mention(world, "Two", deal=world.deal)
    client = client_for(world.rep)
    for url in (
        reverse("web:home"),
        reverse("activities:feed"),
        reverse("activities:calendar"),
        world.key_activity.get_absolute_url(),
        world.key_customer.get_absolute_url(),
        world.deal.get_absolute_url(),
        reverse("web:settings"),
    ):
        html = client.get(url).content.decode()
        link = badge(html)
        assert link.attrs["href"] == reverse("web:notifications"), url
        assert link.attrs["aria-label"] == "Notifications: 2 unread", url
        assert find_one(link.html, "class", "mentions-badge__count").text == "2", url
        assert "has-unread" in link.classes


def test_without_unread_mentions_the_badge_is_a_plain_link(world, client_for):
    html = client_for(world.other_rep).get(reverse("activities:feed")).content.decode()
    link = badge(html)
    assert link.attrs["aria-label"] == "Notifications"
    assert not find_all(link.html, "class", "mentions-badge__count")


def test_the_bell_costs_one_query(world, client_for):
    mention(world)
    client = client_for(world.rep)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("web:settings")).status_code == 200
    bell_queries = [query["sql"] for query in captured if "notifications_notification" in query["sql"]]
    assert len(bell_queries) == 1, bell_queries
    assert "COUNT(" in bell_queries[0].upper()
    assert not [query for query in captured if "activities_mention" in query["sql"]]


def test_signed_out_pages_have_no_badge_and_no_query(client):
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("login")).content.decode()
    assert not find_all(html, "id", "notification-bell")
    assert not [query for query in captured if "activities_mention" in query["sql"]]
    assert not [query for query in captured if "notifications_notification" in query["sql"]]


def test_the_list_shows_mentions_newest_first_and_marks_them_read(world, client_for):
    on_activity = mention(world, "About the visit")
    on_deal = mention(world, "About the deal", deal=world.deal)
    services.mentions_mark_read(user=world.rep, comment_ids=[on_activity.pk])
    client = client_for(world.rep)

    html = client.get(MENTIONS).content.decode()

    deal_item = find_one(html, "class", "mention-item is-unread")  # highlighted this once
    assert "New" in deal_item.text and world.manager.display_name in deal_item.text
    assert on_deal.get_absolute_url() in deal_item.html
    visit_item = find_one(html, "class", "mention-item")
    assert on_activity.get_absolute_url() in visit_item.html
    assert "is-key" in visit_item.html and "★" in visit_item.text  # a key customer's activity
    assert html.index("About the deal") < html.index("About the visit")
    assert "1 new mention, now marked read." in html
    assert badge(html).attrs["aria-label"] == "Notifications"  # read by opening the list, in the bell too
    assert not Mention.objects.filter(read_at__isnull=True).exists()

    again = client.get(MENTIONS).content.decode()
    assert not find_all(again, "class", "mention-item is-unread")


def test_opening_the_list_marks_only_the_shown_ones_and_mark_all_read_does_the_rest(world, client_for):
    for index in range(MENTIONS_PAGE_SIZE + 2):
        mention(world, f"Note {index}")
    client = client_for(world.rep)

    html = client.get(MENTIONS).content.decode()
    assert len(find_all(html, "class", "mention-item is-unread")) == MENTIONS_PAGE_SIZE
    assert Mention.objects.filter(read_at__isnull=True).count() == 2
    assert badge(html).attrs["aria-label"] == "Notifications: 2 unread"
    assert f'action="{reverse("activities:mentions_mark_read")}"' in html

    response = client.post(reverse("activities:mentions_mark_read"))
    assert (response.status_code, response["Location"]) == (302, MENTIONS)
    assert not Mention.objects.filter(read_at__isnull=True).exists()
    assert f'action="{reverse("activities:mentions_mark_read")}"' not in client.get(MENTIONS).content.decode()


def test_others_mentions_are_not_listed_nor_marked(world, client_for):
    mention(world)
    html = client_for(world.other_rep).get(MENTIONS).content.decode()
    assert "Nobody has mentioned you yet." in html
    assert Mention.objects.get().read_at is None


def test_the_mentioned_user_sees_the_comment_in_the_feed_marked_for_them(world, client_for):
    comment = mention(world, "Please check")
    event = ActivityEvent.objects.get(comment=comment)
    rep_item = find_one(
        client_for(world.rep).get(reverse("activities:feed")).content.decode(), "data-event", str(event.pk)
    )
    assert "Mentions you" in rep_item.text
    other_item = find_one(
        client_for(world.other_rep).get(reverse("activities:feed")).content.decode(),
        "data-event",
        str(event.pk),
    )
    assert "Mentions you" not in other_item.text


def test_the_list_costs_the_same_queries_for_few_and_many_mentions(world, client_for):
    client = client_for(world.rep)

    def queries() -> int:
        Mention.objects.update(read_at=None)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(MENTIONS).status_code == 200
        return len(captured.captured_queries)

    for _index in range(3):
        mention(world)
        mention(world, deal=world.deal)
    with_few = queries()
    for _index in range(20):
        mention(world)
        mention(world, deal=world.deal)
    # session, user, count, page, the comments' mentions, marking read (mentions and the bell's), the
    # unread mentions, the bell
    assert with_few == queries() == 9
