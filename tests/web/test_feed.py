"""The team feed page: every plan, result, move, cancellation and comment as it happened (newest first),
the API's ``FeedFilter`` on the page, id-based paging, and polling for new items."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CustomerFactory, SegmentFactory, UserFactory, activity_type
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from totonou.activities import services
from totonou.activities.models import Activity, ActivityEvent
from totonou.web.views.feed import FEED_PAGE_SIZE

pytestmark = pytest.mark.django_db

FEED = reverse("activities:feed")
NEW = reverse("activities:feed_new")
HTMX = {"HX-Request": "true"}


def plan(owner, customer=None, *, days: int = 0, kind: str = "visit", **fields) -> Activity:
    start = local_noon(days)
    return services.activity_create(
        actor=owner,
        type=activity_type(kind),
        customer=customer,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        **fields,
    )


def event_ids(html: str) -> list[int]:
    """The feed items' event ids, in page order."""
    return [int(pk) for pk in re.findall(r'data-event="(\d+)"', html)]


def find_all_events(html: str):
    return [find_one(html, "data-event", str(pk)) for pk in event_ids(html)]


def item_for(html: str, event: ActivityEvent):
    return find_one(html, "data-event", str(event.pk))


def latest_event(activity: Activity) -> ActivityEvent:
    return ActivityEvent.objects.filter(activity=activity).latest("id")


# --- What the feed shows ----------------------------------------------------------------------------


def test_the_feed_tells_what_happened_newest_first(world, client_for):
    rep, manager = world.rep, world.manager
    planned = plan(rep, world.key_customer, days=1, subject="Tasting", notes="Bring samples")
    logged = plan(
        rep, world.customer, days=-1, status="done", notes="Met the buyer", next_step="Send the quote"
    )
    moved = plan(rep, world.customer, days=2)
    services.activity_reschedule(actor=rep, activity=moved, starts_at=local_noon(3))
    cancelled = plan(rep, world.customer, days=4)
    services.activity_cancel(actor=rep, activity=cancelled, reason="Shop closed for inventory")
    services.activity_complete(actor=rep, activity=planned, notes="Buyer liked it")
    services.comment_create(actor=manager, body="Good work @" + rep.username, activity=planned)

    html = client_for(manager).get(FEED).content.decode()

    # One item per activity, led by its newest event; its older events are listed inside it.
    kinds = ["commented", "cancelled", "moved", "logged"]
    assert [ActivityEvent.objects.get(pk=pk).kind for pk in event_ids(html)] == kinds
    comment_item = item_for(html, latest_event(planned))
    assert "commented" in comment_item.text and "Good work" in comment_item.text
    earlier = [int(pk) for pk in re.findall(r'data-earlier-event="(\d+)"', comment_item.html)]
    assert [ActivityEvent.objects.get(pk=pk).kind for pk in earlier] == ["completed", "planned"]
    assert "recorded the result: done" in comment_item.text and "planned an activity" in comment_item.text
    assert '<strong class="mention">@' + rep.username + "</strong>" in comment_item.html
    assert "is-key" in comment_item.classes and "★" in comment_item.text  # the key customer
    assert "Tasting" in comment_item.text and "Visit" in comment_item.text  # subject and type
    assert "Buyer liked it" in comment_item.text  # the notes, as they are now
    logged_item = item_for(html, latest_event(logged))
    assert "logged an activity" in logged_item.text
    assert "Met the buyer" in logged_item.text and "Next step" in logged_item.text
    assert "Send the quote" in logged_item.text
    cancelled_item = item_for(html, latest_event(cancelled))
    assert "cancelled a plan" in cancelled_item.text and "Shop closed for inventory" in cancelled_item.text
    assert "moved a plan" in item_for(html, latest_event(moved)).text
    assert all(rep.display_name in item.text for item in find_all_events(html))


def test_a_move_is_shown_in_the_viewers_time_zone(world, client_for):
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    activity = services.activity_create(
        actor=world.rep,
        type=activity_type("visit"),
        customer=world.customer,
        starts_at=datetime.datetime(2026, 1, 15, 12, 0, tzinfo=tokyo),
        ends_at=datetime.datetime(2026, 1, 15, 13, 0, tzinfo=tokyo),
    )
    services.activity_reschedule(
        actor=world.rep, activity=activity, starts_at=datetime.datetime(2026, 1, 16, 15, 30, tzinfo=tokyo)
    )
    world.manager.time_zone = "Europe/London"
    world.manager.save(update_fields=["time_zone"])

    item = item_for(client_for(world.manager).get(FEED).content.decode(), latest_event(activity))

    text = " ".join(item.text.split())
    assert "From 1/15 (Thu) 03:00 → to 1/16 (Fri) 06:30" in text  # the arrow is read as "to"


def test_the_manager_has_a_review_button_and_reps_do_not(world, client_for, team_b):
    activity = plan(world.rep, world.key_customer)
    review_url = reverse("activities:activity_review", args=[activity.pk])
    _team, other_manager, _reps = team_b

    assert (
        review_url
        in item_for(client_for(world.manager).get(FEED).content.decode(), latest_event(activity)).html
    )
    for viewer in (world.rep, world.other_rep, other_manager):
        html = client_for(viewer).get(FEED).content.decode()
        assert review_url not in html, viewer

    services.activity_mark_reviewed(actor=world.manager, activity=activity)
    for viewer in (world.manager, world.rep):
        html = client_for(viewer).get(FEED).content.decode()
        # one item: the review leads, the plan is listed under it, the likes and comments stay
        item = item_for(html, latest_event(activity))
        assert event_ids(html).count(latest_event(activity).pk) == 1 and len(event_ids(html)) == 1
        assert review_url not in item.html
        assert "Reviewed" in item.text and world.manager.display_name in item.text
        assert "planned an activity" in item.text and "reaction__button" in item.html
    manager_html = client_for(world.manager).get(FEED).content.decode()
    planned_item = item_for(manager_html, latest_event(activity))
    assert 'class="button button--small review__button" disabled' in planned_item.html


def test_every_item_has_likes_and_a_comment_box(world, client_for):
    activity = plan(world.rep, world.customer)
    services.reaction_toggle(actor=world.manager, activity=activity)
    services.comment_create(actor=world.manager, body="Call me", activity=activity)
    html = client_for(world.manager).get(FEED).content.decode()
    event = latest_event(activity)  # the comment leads the activity's item
    item = item_for(html, event)
    assert 'aria-pressed="true"' in item.html  # the manager liked it
    assert '<span class="reaction__count">1</span>' in item.html
    assert reverse("activities:comment_create", args=[activity.pk]) not in item.html
    assert f'<span class="count" id="e{event.pk}-count">1</span>' in item.html
    box = find_one(item.html, "id", f"e{event.pk}-comments")  # thread and form come when it is opened
    assert box.attrs["hx-get"] == reverse("activities:feed_comments", args=[event.pk])
    rep_item = item_for(client_for(world.rep).get(FEED).content.decode(), event)
    assert 'aria-pressed="false"' in rep_item.html


# --- Filters ----------------------------------------------------------------------------------------


def test_filters_member_team_segment_type_key_and_unreviewed(world, client_for, team_b):
    _team, _manager, (b_rep, _b2) = team_b
    drugstores = SegmentFactory(name="Drugstores")
    key_visit = plan(world.rep, world.key_customer)
    plain_visit = plan(world.rep, world.customer)
    call = plan(world.other_rep, CustomerFactory(owner=world.other_rep, segment=drugstores), kind="call")
    elsewhere = plan(b_rep, CustomerFactory(owner=b_rep))
    services.activity_mark_reviewed(actor=world.manager, activity=plain_visit)
    activities = (key_visit, plain_visit, call, elsewhere)
    client = client_for(world.manager)

    def feed(**query) -> list[bool]:
        html = client.get(FEED, query).content.decode()
        return [bool(find_all(html, "data-activity", str(activity.pk))) for activity in activities]

    assert feed() == [True, True, True, True]
    assert feed(owner=world.other_rep.pk) == [False, False, True, False]
    assert feed(team=world.rep.team_id) == [True, True, True, False]
    assert feed(segment=drugstores.pk) == [False, False, True, False]
    assert feed(type="call") == [False, False, True, False]
    assert feed(key_only="true") == [True, False, False, False]
    assert feed(unreviewed="true") == [True, False, True, True]
    assert feed(unreviewed="true", team=world.rep.team_id, key_only="true") == [True, False, False, False]


def test_the_filter_form_shows_the_current_filters(world, client_for):
    html = client_for(world.manager).get(FEED, {"unreviewed": "true", "key_only": "true"}).content.decode()
    assert 'id="filter-unreviewed" name="unreviewed" value="true" checked' in html
    assert 'id="filter-key" name="key_only" value="true" checked' in html
    assert 'name="segment"' in html


def test_invalid_filters_are_reported_not_fatal(world, client_for):
    response = client_for(world.rep).get(FEED, {"owner": "abc", "segment": "0"})
    assert response.status_code == 200
    assert b"<code>owner</code>" in response.content and b"<code>segment</code>" in response.content


def test_htmx_filtering_answers_the_results_fragment_only(world, client_for):
    key_visit = plan(world.rep, world.key_customer)
    plain_visit = plan(world.rep, world.customer)
    response = client_for(world.rep).get(
        FEED, {"key_only": "true"}, headers={**HTMX, "HX-Target": "feed-results"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="feed-results"')
    assert "<html" not in html
    assert find_all(html, "data-activity", str(key_visit.pk))
    assert not find_all(html, "data-activity", str(plain_visit.pk))
    poller = find_one(html, "id", "feed-poll")
    assert poller.attrs["hx-get"] == f"{NEW}?key_only=true&after={latest_event(key_visit).pk}"


# --- Paging -----------------------------------------------------------------------------------------


def test_older_items_page_by_id(world, client_for):
    for _index in range(FEED_PAGE_SIZE + 5):
        plan(world.rep, world.customer)
    newest_first = list(ActivityEvent.objects.order_by("-id").values_list("pk", flat=True))
    client = client_for(world.rep)

    first = client.get(FEED).content.decode()
    assert event_ids(first) == newest_first[:FEED_PAGE_SIZE]
    older = find_one(first, "rel", "next")
    assert older.attrs["href"] == f"?before={newest_first[FEED_PAGE_SIZE - 1]}"
    assert find_all(first, "id", "feed-poll")

    plan(world.rep, world.customer)  # a new item does not shift the older page
    second = client.get(FEED + older.attrs["href"]).content.decode()
    assert event_ids(second) == newest_first[FEED_PAGE_SIZE:]
    assert not find_all(second, "rel", "next")
    assert not find_all(second, "id", "feed-poll")  # only the newest page polls
    assert "Back to the newest" in second


def test_older_keeps_the_filters(world, client_for):
    for _index in range(FEED_PAGE_SIZE + 1):
        plan(world.rep, world.key_customer)
    html = client_for(world.rep).get(FEED, {"key_only": "true"}).content.decode()
    assert find_one(html, "rel", "next").attrs["href"].startswith("?key_only=true&before=")


# --- Polling ----------------------------------------------------------------------------------------


def test_the_page_polls_for_items_newer_than_its_newest(world, client_for, settings):
    settings.TOTONOU_FEED_POLL_SECONDS = 3
    activity = plan(world.rep, world.customer)
    html = client_for(world.rep).get(FEED, {"team": world.rep.team_id}).content.decode()
    poller = find_one(html, "id", "feed-poll")
    assert poller.attrs["hx-get"] == f"{NEW}?team={world.rep.team_id}&after={latest_event(activity).pk}"
    assert poller.attrs["hx-trigger"] == "every 3s"
    assert "hidden" in poller.attrs


def test_polling_with_nothing_new_is_204_after_one_small_query(world, client_for):
    activity = plan(world.rep, world.customer)
    client = client_for(world.manager)
    client.get(FEED)  # a warm session, as a browser that has the page open
    newest = latest_event(activity).pk

    with CaptureQueriesContext(connection) as captured:
        response = client.get(NEW, {"after": newest, "key_only": "true"}, headers=HTMX)

    assert response.status_code == 204
    assert response.content == b""
    # the session, the user, and the newest matching event id: nothing is rendered
    assert len(captured.captured_queries) == 3, [query["sql"] for query in captured.captured_queries]
    assert "MAX(" in captured.captured_queries[-1]["sql"].upper()


def test_polling_returns_only_the_new_items_to_prepend(world, client_for):
    old = plan(world.rep, world.customer)
    newest_on_page = latest_event(old).pk
    key_visit = plan(world.rep, world.key_customer)
    comment = services.comment_create(actor=world.manager, body="Nice", activity=key_visit)
    plan(world.rep, world.customer)  # new, but not a key customer

    response = client_for(world.manager).get(NEW, {"after": newest_on_page, "key_only": "true"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    new_events = list(ActivityEvent.objects.filter(activity=key_visit).order_by("-id"))
    assert event_ids(html) == [new_events[0].pk]  # one item: the comment, with the plan under it
    assert re.findall(r'data-earlier-event="(\d+)"', html) == [str(new_events[1].pk)]
    assert new_events[0].comment == comment
    assert not find_all(html, "data-activity", str(old.pk))
    assert all("is-new" in item.classes for item in find_all_events(html))
    poller = find_one(html, "id", "feed-poll")  # replaces the old one, with the new newest id
    assert poller.attrs["hx-get"] == f"{NEW}?key_only=true&after={new_events[0].pk}"
    assert html.index('id="feed-poll"') < html.index("data-event=")  # it stays on top of the list
    assert 'name="next" value="/feed/?key_only=true"' in html  # forms go back to the page, not the poll
    live = find_one(html, "id", "feed-live")
    assert live.attrs["hx-swap-oob"] == "innerHTML" and "1 new item" in live.text


def test_polling_needs_the_newest_id(world, client_for):
    client = client_for(world.rep)
    assert client.get(NEW, headers=HTMX).status_code == 400
    assert client.get(NEW, {"after": "x"}, headers=HTMX).status_code == 400
    assert client.get(NEW, {"after": 1, "before": 5}, headers=HTMX).status_code == 400


def test_polling_far_behind_shows_a_gap(world, client_for):
    first = plan(world.rep, world.customer)
    for _index in range(FEED_PAGE_SIZE + 1):
        plan(world.rep, world.customer)
    response = client_for(world.rep).get(NEW, {"after": latest_event(first).pk}, headers=HTMX)
    html = response.content.decode()
    assert len(event_ids(html)) == FEED_PAGE_SIZE
    assert 'class="feed-gap"' in html


def test_the_feed_and_its_poll_need_a_signed_in_user(world, client):
    assert client.get(FEED).status_code == 302
    response = client.get(NEW, {"after": 0}, headers=HTMX)
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))


def test_an_unknown_actor_is_someone(world, client_for):
    gone = UserFactory(username="gone", team=world.rep.team)
    activity = plan(gone, CustomerFactory(owner=gone))
    ActivityEvent.objects.filter(activity=activity).update(actor=None)
    item = item_for(client_for(world.rep).get(FEED).content.decode(), latest_event(activity))
    assert "Someone" in item.text


def test_a_reviewed_plan_is_one_item_whose_thread_opens(world, client_for):
    """A plan then its review: one item led by the review, the plan under it, and the comment thread of
    the plan's event (a review has none of its own), which loads."""
    activity = plan(world.rep, world.customer)
    planned_event = ActivityEvent.objects.get(activity=activity, kind="planned")
    services.activity_mark_reviewed(actor=world.manager, activity=activity)
    review = latest_event(activity)
    client = client_for(world.manager)
    html = client.get(FEED).content.decode()
    assert event_ids(html) == [review.pk]
    item = item_for(html, review)
    box = find_one(item.html, "id", f"e{review.pk}-comments")
    url = reverse("activities:feed_comments", args=[planned_event.pk])
    assert box.attrs["hx-get"] == url
    assert client.get(url, headers=HTMX).status_code == 200
