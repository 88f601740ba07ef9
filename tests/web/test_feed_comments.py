"""The feed's comment boxes load lazily: the page shows each item's comment count, and the thread with
the comment form and the @mention hints comes from ``activities:feed_comments`` when the box is first
opened; without JavaScript the box links to the activity page, where the thread and its form are."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import activity_type
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from totonou.activities import services
from totonou.activities.models import Activity, ActivityEvent

pytestmark = pytest.mark.django_db

FEED = reverse("activities:feed")
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/feed/?team=1"}


def thread_url(event: ActivityEvent) -> str:
    return reverse("activities:feed_comments", args=[event.pk])


def plan(world, **fields) -> Activity:
    start = local_noon()
    return services.activity_create(
        actor=world.rep,
        type=activity_type("visit"),
        customer=world.customer,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        **fields,
    )


def planned_event(activity: Activity) -> ActivityEvent:
    return ActivityEvent.objects.get(activity=activity, kind="planned")


def test_the_feed_item_loads_its_thread_when_opened_and_links_to_the_activity_without_js(world, client_for):
    activity = plan(world)
    services.comment_create(actor=world.manager, body="Call me", activity=activity)
    event = ActivityEvent.objects.filter(activity=activity).latest("id")  # the comment leads the item
    html = client_for(world.manager).get(FEED).content.decode()
    item = find_one(html, "data-event", str(event.pk))

    box = find_one(item.html, "id", f"e{event.pk}-comments")
    assert box.attrs["hx-get"] == thread_url(event)
    assert box.attrs["hx-trigger"] == "toggle once from:closest details"
    assert box.attrs["hx-swap"] == "outerHTML"
    thread = find_one(box.html, "id", f"e{event.pk}-thread")
    fallback = find_one(thread.html, "href", f"{activity.get_absolute_url()}#page-comments")
    assert "Read the comments on the activity page" in fallback.text  # the no-JS way to the thread
    assert "Call me" not in box.html  # the thread is not rendered with the page (the event line quotes it)
    assert not find_all(item.html, "class", "mention-hint")  # nor are the hints, per item
    assert "<form" not in box.html and "<textarea" not in item.html  # nor the comment form
    assert "csrfmiddlewaretoken" not in box.html
    assert f'<span class="count" id="e{event.pk}-count">1</span>' in item.html


def test_the_page_carries_no_comment_form(world, client_for):
    """Every item's box is a link until it is opened: 25 items, no comment form, no textarea."""
    for _ in range(3):
        plan(world)
    html = client_for(world.manager).get(FEED).content.decode()
    assert len(find_all(html, "class", "comment-box")) == 3
    assert 'class="comment-form"' not in html and "<textarea" not in html


def test_the_box_comes_with_its_thread_form_hints_and_count(world, client_for):
    activity = plan(world)
    mine = services.comment_create(actor=world.manager, body=f"Good @{world.rep.username}", activity=activity)
    theirs = services.comment_create(actor=world.rep, body="<b>Thanks</b>", activity=activity)
    event = planned_event(activity)

    response = client_for(world.manager).get(thread_url(event), headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    thread = find_one(html, "id", f"e{event.pk}-thread")
    comments = find_all(thread.html, "class", "comment")
    assert len(comments) == 2 and "Good @" in comments[0].text and "Thanks" in comments[1].text
    assert f'id="e{event.pk}-comment-{mine.pk}"' in html and f'id="e{event.pk}-comment-{theirs.pk}"' in html
    assert "&lt;b&gt;Thanks&lt;/b&gt;" in html
    # the author may delete their own comment, going back to the feed page the thread is on
    assert reverse("activities:comment_delete", args=[mine.pk]) in html
    assert reverse("activities:comment_delete", args=[theirs.pk]) not in html
    assert 'name="next" value="/feed/?team=1"' in html
    count = find_one(html, "id", f"e{event.pk}-count")
    assert count.attrs["hx-swap-oob"] == "true" and count.text == "2"
    # the whole box replaces the page's (outerHTML): the thread, then the form that posts into it
    box = find_one(html, "id", f"e{event.pk}-comments")
    assert html.strip().startswith('<div class="comment-box" id="e' + str(event.pk) + '-comments">')
    form = find_one(box.html, "class", "comment-form")
    comment_url = reverse("activities:comment_create", args=[activity.pk])
    assert (form.attrs["action"], form.attrs["hx-post"]) == (comment_url, comment_url)
    assert form.attrs["hx-target"] == f"#e{event.pk}-comments"
    assert f'<input type="hidden" name="box" value="e{event.pk}">' in form.html
    assert '<input type="hidden" name="in_feed" value="1">' in form.html
    assert '<input type="hidden" name="next" value="/feed/?team=1">' in form.html
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="\w{64}">', form.html)
    assert f'<label for="e{event.pk}-comment-body">' in form.html
    assert find_one(form.html, "id", f"e{event.pk}-comment-body").attrs["maxlength"] == "4000"
    hints = find_one(form.html, "class", "mention-hints")
    assert hints.attrs["role"] == "group" and "hx-swap-oob" not in hints.attrs
    assert find_all(hints.html, "value", world.rep.username)
    assert "<html" not in html


def test_an_empty_thread_says_so(world, client_for):
    event = planned_event(plan(world))
    html = client_for(world.rep).get(thread_url(event), headers=HTMX).content.decode()
    assert "No comments yet." in html
    assert find_one(html, "id", f"e{event.pk}-count").text == "0"


def test_the_thread_costs_the_same_queries_however_long(world, client_for):
    activity = plan(world)
    event = planned_event(activity)
    client = client_for(world.manager)
    client.get(FEED)  # a warm session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(thread_url(event), headers=HTMX).status_code == 200
        return len(captured.captured_queries)

    services.comment_create(actor=world.manager, body=f"One @{world.rep.username}", activity=activity)
    with_one = queries()
    for index in range(10):
        author = world.rep if index % 2 else world.manager
        body = f"More {index} @{world.other_rep.username}"
        services.comment_create(actor=author, body=body, activity=activity)
    with_eleven = queries()
    assert with_one == with_eleven, f"{with_one} queries with one comment, {with_eleven} with eleven"
    # session, user, the event with its activity, the comments with authors, their mentions, the hints
    assert with_eleven == 6, with_eleven


def test_unknown_ids_and_reviews_have_no_thread(world, client_for):
    activity = plan(world)
    services.activity_mark_reviewed(actor=world.manager, activity=activity)
    reviewed = ActivityEvent.objects.get(activity=activity, kind="reviewed")
    client = client_for(world.manager)
    assert client.get(reverse("activities:feed_comments", args=[999999]), headers=HTMX).status_code == 404
    assert client.get(thread_url(reviewed), headers=HTMX).status_code == 404
    assert client.post(thread_url(planned_event(activity)), headers=HTMX).status_code == 405


def test_without_htmx_the_thread_is_on_the_activity_page(world, client_for):
    activity = plan(world)
    response = client_for(world.rep).get(thread_url(planned_event(activity)))
    assert response.status_code == 302
    assert response["Location"] == f"{activity.get_absolute_url()}#page-comments"


def test_the_thread_needs_a_signed_in_user(world):
    event = planned_event(plan(world))
    client = Client()
    assert client.get(thread_url(event)).status_code == 302
    response = client.get(thread_url(event), headers=HTMX)
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))
