"""Comments with @mentions, reactions (いいね) and the manager's review, from the feed and the activity
and deal pages: each with and without htmx, and who may do what (exactly: what did not happen too)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.html import find_all, find_one
from totonou.activities import services
from totonou.activities.models import Activity, ActivityEvent, Comment, Mention, Reaction

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def comment_url(activity: Activity) -> str:
    return reverse("activities:comment_create", args=[activity.pk])


def written() -> tuple[int, int, int]:
    return Comment.objects.count(), Mention.objects.count(), ActivityEvent.objects.count()


# --- Comments ---------------------------------------------------------------------------------------


def test_a_comment_with_a_mention_is_posted_and_goes_back(world, client_for):
    activity, rep = world.key_activity, world.rep
    feed = reverse("activities:feed") + "?team=1"
    response = client_for(world.manager).post(
        comment_url(activity), {"body": f"Ask about the fair @{rep.username}", "next": feed, "box": "e7"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{feed}#comment-{comment.pk}"
    assert (comment.author, comment.activity, comment.body) == (
        world.manager,
        activity,
        f"Ask about the fair @{rep.username}",
    )
    assert list(Mention.objects.values_list("user", "read_at")) == [(rep.pk, None)]
    event = ActivityEvent.objects.get()
    assert (event.kind, event.actor, event.comment) == ("commented", world.manager, comment)


def test_a_comment_goes_back_only_inside_the_site(world, client_for):
    response = client_for(world.manager).post(
        comment_url(world.key_activity), {"body": "Hi", "next": "https://evil.example/"}
    )
    comment = Comment.objects.get()
    assert response["Location"] == f"{world.key_activity.get_absolute_url()}#comment-{comment.pk}"


def test_htmx_posting_answers_the_comment_box_with_the_new_comment(world, client_for):
    activity = world.key_activity
    response = client_for(world.manager).post(
        comment_url(activity),
        {"body": f"Well done @{world.rep.username}", "box": "e12", "in_feed": "1", "next": "/feed/"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    comment = Comment.objects.get()
    box = find_one(html, "id", "e12-comments")
    assert f'id="e12-comment-{comment.pk}"' in box.html
    assert f'<strong class="mention">@{world.rep.username}</strong>' in box.html
    assert find_one(box.html, "id", "e12-comment-body").text == ""  # a fresh form
    assert find_one(html, "id", "e12-count").attrs["hx-swap-oob"] == "true"
    assert find_one(html, "id", "e12-count").text == "1"
    assert "<html" not in html


def test_an_empty_comment_shows_the_error_at_the_field_and_writes_nothing(world, client_for):
    client = client_for(world.manager)
    before = written()

    response = client.post(comment_url(world.key_activity), {"body": "   ", "next": "/feed/"})

    assert response.status_code == 400
    html = response.content.decode()
    field = find_one(html, "id", "page-comment-body")
    assert field.attrs["aria-invalid"] == "true"
    assert "page-comment-errors" in field.attrs["aria-describedby"]
    assert "Write a comment." in find_one(html, "id", "page-comment-errors").text
    assert written() == before

    response = client.post(comment_url(world.key_activity), {"body": "", "box": "e3"}, headers=HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx: the errors come back in the box
    assert "Write a comment." in find_one(response.content.decode(), "id", "e3-comment-errors").text
    assert written() == before


def test_a_comment_is_shown_as_text(world, client_for):
    services.comment_create(
        actor=world.rep, body="<script>alert(1)</script> @nobody", activity=world.key_activity
    )
    for url in (reverse("activities:feed"), world.key_activity.get_absolute_url()):
        html = client_for(world.manager).get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_a_too_long_comment_keeps_what_was_written(world, client_for):
    body = "x" * 4001
    response = client_for(world.rep).post(comment_url(world.key_activity), {"body": body})
    assert response.status_code == 400
    assert find_one(response.content.decode(), "id", "page-comment-body").text == body
    assert Comment.objects.count() == 0


def test_commenting_needs_a_visible_activity_and_a_post(world, client_for):
    client = client_for(world.rep)
    assert client.post(reverse("activities:comment_create", args=[999999]), {"body": "Hi"}).status_code == 404
    assert client.get(comment_url(world.key_activity)).status_code == 405
    assert Comment.objects.count() == 0


def test_a_rep_answers_on_a_deal(world, client_for):
    url = reverse("activities:deal_comment_create", args=[world.deal.pk])
    response = client_for(world.rep).post(url, {"body": f"Will do @{world.manager.username}"})
    comment = Comment.objects.get()
    assert response["Location"] == f"{world.deal.get_absolute_url()}#comment-{comment.pk}"
    assert (comment.deal, comment.activity) == (world.deal, None)
    assert list(Mention.objects.values_list("user", flat=True)) == [world.manager.pk]
    assert ActivityEvent.objects.count() == 0  # the feed is about activities


def test_the_activity_page_has_the_comment_form_likes_and_review(world, client_for):
    activity = world.key_activity
    services.comment_create(
        actor=world.manager, body=f"Try the new flyer @{world.rep.username}", activity=activity
    )
    html = client_for(world.manager).get(activity.get_absolute_url()).content.decode()
    box = find_one(html, "id", "page-comments")
    assert f'action="{comment_url(activity)}"' in box.html
    assert "Try the new flyer" in box.text
    assert reverse("activities:reaction_toggle", args=[activity.pk]) in box.html
    assert reverse("activities:activity_review", args=[activity.pk]) in box.html
    hints = find_one(box.html, "role", "group")
    assert (
        f'value="{world.rep.username}"' in hints.html and f'value="{world.other_rep.username}"' in hints.html
    )
    rep_html = client_for(world.rep).get(activity.get_absolute_url()).content.decode()
    assert reverse("activities:activity_review", args=[activity.pk]) not in rep_html


def test_the_deal_page_has_the_comment_form(world, client_for):
    html = client_for(world.rep).get(world.deal.get_absolute_url()).content.decode()
    assert f'action="{reverse("activities:deal_comment_create", args=[world.deal.pk])}"' in html


def test_the_author_deletes_a_comment_and_others_may_not(world, client_for):
    comment = services.comment_create(actor=world.manager, body="Hmm", activity=world.key_activity)
    url = reverse("activities:comment_delete", args=[comment.pk])

    assert client_for(world.rep).post(url).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    rep_html = client_for(world.rep).get(world.key_activity.get_absolute_url()).content.decode()
    assert url not in rep_html

    response = client_for(world.manager).post(url, headers=HTMX)
    assert (response.status_code, response.content) == (200, b"")  # htmx removes the line
    assert not Comment.objects.exists()
    assert not ActivityEvent.objects.filter(kind="commented").exists()


# --- Reactions --------------------------------------------------------------------------------------


def test_like_toggles_with_the_count_and_my_state(world, client_for):
    activity = world.key_activity
    url = reverse("activities:reaction_toggle", args=[activity.pk])
    services.reaction_toggle(actor=world.other_rep, activity=activity)
    client = client_for(world.manager)

    response = client.post(url, {"kind": "like", "next": "/feed/"}, headers=HTMX)
    button = find_one(response.content.decode(), "aria-pressed", "true")
    assert "2" in find_one(button.html, "class", "reaction__count").text
    assert Reaction.objects.filter(activity=activity, user=world.manager).exists()

    response = client.post(url, {"kind": "like", "next": "/feed/"}, headers=HTMX)
    assert find_all(response.content.decode(), "aria-pressed", "false")
    assert not Reaction.objects.filter(activity=activity, user=world.manager).exists()
    assert Reaction.objects.filter(activity=activity, user=world.other_rep).exists()

    response = client.post(url, {"next": "/feed/?team=1"})
    assert (response.status_code, response["Location"]) == (302, "/feed/?team=1")
    assert Reaction.objects.filter(activity=activity, user=world.manager).exists()


def test_an_unknown_reaction_is_refused(world, client_for):
    url = reverse("activities:reaction_toggle", args=[world.key_activity.pk])
    assert client_for(world.rep).post(url, {"kind": "dislike"}).status_code == 400
    assert not Reaction.objects.exists()


def test_the_activity_page_shows_my_like(world, client_for):
    services.reaction_toggle(actor=world.rep, activity=world.key_activity)
    html = client_for(world.rep).get(world.key_activity.get_absolute_url()).content.decode()
    assert find_all(html, "aria-pressed", "true")
    html = client_for(world.manager).get(world.key_activity.get_absolute_url()).content.decode()
    assert find_all(find_one(html, "id", "page-comments").html, "aria-pressed", "false")


# --- Review -----------------------------------------------------------------------------------------


def test_the_manager_marks_an_activity_reviewed(world, client_for):
    activity = world.key_activity
    url = reverse("activities:activity_review", args=[activity.pk])

    response = client_for(world.manager).post(url, {"next": "/feed/"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    button = find_one(html, "class", "button button--small review__button")
    assert "disabled" in button.attrs and "Reviewed" in button.text
    assert world.manager.display_name in html
    activity.refresh_from_db()
    assert activity.reviewed_by == world.manager and activity.reviewed_at is not None
    assert ActivityEvent.objects.filter(activity=activity, kind="reviewed").count() == 1

    again = client_for(world.manager).post(url)
    assert again.status_code == 302 and again["Location"] == activity.get_absolute_url()
    assert ActivityEvent.objects.filter(activity=activity, kind="reviewed").count() == 1


@pytest.mark.parametrize("who", ["rep (owner)", "other rep", "other team's manager"])
def test_anyone_else_gets_403_and_nothing_changes(world, client_for, team_b, who):
    viewer = {"rep (owner)": world.rep, "other rep": world.other_rep, "other team's manager": team_b[1]}[who]
    activity = world.key_activity
    url = reverse("activities:activity_review", args=[activity.pk])

    for headers in ({}, HTMX):
        response = client_for(viewer).post(url, headers=headers)
        assert response.status_code == 403

    activity.refresh_from_db()
    assert (activity.reviewed_by, activity.reviewed_at, activity.version) == (None, None, 1)
    assert not ActivityEvent.objects.filter(kind="reviewed").exists()
