"""The team feed: every plan, result, move, cancellation and comment as it happens (``ActivityEvent``
rows, newest first), filtered with the API's ``FeedFilter``. New items come in by polling
``feed_new``, which costs one small query when there is nothing new.

Each item shows its comment count; the thread, the comment form and the @mention hints load together
only when the reader opens the item's comments (``feed_comments``), so a page renders no comment
threads or forms at all (a page of 25 items was a fifth lighter without the forms)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from totonou.activities.filters import CommentFilter, FeedFilter
from totonou.activities.models import ActivityEvent, Reaction
from totonou.activities.selectors import (
    comment_list,
    feed_event_with_thread,
    feed_latest_id,
    feed_page,
    reacted_attribute,
    reaction_count_attribute,
)
from totonou.core.bounds import in_bounds
from totonou.core.filters import filters_from_query
from totonou.core.htmx import is_htmx, render_page
from totonou.core.i18n import pick
from totonou.core.links import url_shape
from totonou.users.models import User
from totonou.users.permissions import can_review_owned_by
from totonou.users.request import signed_in_user
from totonou.web.templatetags.activity_social import FeedClock
from totonou.web.views.choices import filter_choices, member_choices, segment_choices

FEED_PAGE_SIZE = 25
# Seconds between two "anything new?" polls of an open feed (tests shorten it with the setting).
FEED_POLL_SECONDS = 15
# Query parameters that move the window over the feed rather than filter it.
WINDOW_PARAMETERS = ("after", "before")


def _moment(value: Any, clock: FeedClock) -> datetime.datetime | None:
    """A datetime from an event's JSON (ISO 8601, UTC), in the viewer's zone; None when it is missing,
    malformed or outside the input bounds (an old event may hold one that no time zone can show)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return clock.local(moment) if moment.tzinfo is not None and in_bounds(moment) else None


def _pk_url(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many pks without a reverse (``core.links.url_shape``; the feed
    builds five URLs per item)."""
    head, tail = url_shape(name)
    return lambda pk: f"{head}{pk}{tail}"


def prepare_events(events: Iterable[ActivityEvent], *, viewer: User) -> list[ActivityEvent]:
    """Work out once, in Python, what the item template would otherwise compute per item: the times of
    a move (shown in the viewer's zone by the template), whether a comment mentions the viewer, the id
    prefix of the item's comment box, the like state, whether the viewer may review the activity, and
    the URLs of its forms and links, and the item's classes. No queries (the activity card is
    ``totonou.web.activity_card``)."""
    prepared = list(events)
    like = Reaction.Kind.LIKE.value
    may_review = viewer.role in {"manager", "admin"}
    detail_url, toggle_url, review_url, comment_url, thread_url = (
        _pk_url(f"activities:{name}")
        for name in (
            "activity_detail",
            "reaction_toggle",
            "activity_review",
            "comment_create",
            "feed_comments",
        )
    )
    deal_url = _pk_url("deals:deal_detail")
    clock = FeedClock()
    for event in prepared:
        activity = event.activity
        if activity is None:  # a deal's stage change (ADR 0019)
            _prepare_deal_event(event, deal_url, clock)
            continue
        activity.urls = {  # type: ignore[attr-defined]
            "detail": detail_url(activity.pk),
            "reaction": toggle_url(activity.pk),
            "review": review_url(activity.pk),
            "comment": comment_url(activity.pk),
        }
        event.created = _created(event, clock)  # type: ignore[attr-defined]
        event.thread_url = thread_url(event.pk)  # type: ignore[attr-defined]  # an activity may have several events
        activity.like = {  # type: ignore[attr-defined]  # the annotations of activities_with_reactions
            "count": getattr(activity, reaction_count_attribute(like), 0),
            "reacted": bool(getattr(activity, reacted_attribute(like), False)),
        }
        # the rule of ``reviewable_by`` (the managed ids are cached per request user)
        activity.can_review = may_review and can_review_owned_by(viewer, activity.owner_id)  # type: ignore[attr-defined]
        event.moved_from = _moment(event.data.get("from"), clock)  # type: ignore[attr-defined]
        event.moved_to = _moment(event.data.get("to"), clock)  # type: ignore[attr-defined]
        event.mentions_viewer = event.comment_id is not None and event.viewer_mentioned  # type: ignore[attr-defined]
        event.item_class = f"feed-item--{event.kind}"  # type: ignore[attr-defined]
        event.has_notes = event.kind != ActivityEvent.Kind.REVIEWED  # type: ignore[attr-defined]
        event.has_social = event.has_notes  # type: ignore[attr-defined]  # a review has no comment box
        event.box = f"e{event.pk}"  # type: ignore[attr-defined]  # the id prefix of its comment box
        event.earlier = []  # type: ignore[attr-defined]
    return group_events(prepared, thread_url)


def group_events(events: list[ActivityEvent], thread_url: Callable[[int], str]) -> list[ActivityEvent]:
    """One item per activity on a page: its newest event leads, and the page's older events of the same
    activity (its plan, moves, comments, review) are listed inside it (``earlier``, newest first), so a
    plan that was moved, commented on twice and reviewed is one item, not five. A deal's stage changes
    are items of their own. The item keeps a comment box when any of its events has one."""
    leaders: dict[int, ActivityEvent] = {}
    items: list[ActivityEvent] = []
    for event in events:
        activity_id = event.activity_id
        if activity_id is None:
            items.append(event)
            continue
        leader = leaders.get(activity_id)
        if leader is None:
            leaders[activity_id] = event
            items.append(event)
            continue
        leader.earlier.append(event)  # type: ignore[attr-defined]
        if not leader.has_social and event.has_social:  # type: ignore[attr-defined]
            # the leader is a review: the item's comment thread is that of an event that has one
            leader.has_social = leader.has_notes = True  # type: ignore[attr-defined]
            leader.thread_url = thread_url(event.pk)  # type: ignore[attr-defined]
    return items


def _stage_name(names: Any) -> str:
    return pick(ja=str(names.get("ja", "")), en=str(names.get("en", ""))) if isinstance(names, dict) else ""


def _created(event: ActivityEvent, clock: FeedClock) -> dict[str, str]:
    """When the event happened, in the viewer's zone: ``<time datetime>`` and its ``feed_time`` label."""
    local = clock.local(event.created_at)
    return {"iso": local.isoformat(), "label": clock.label(local)}


def _prepare_deal_event(event: ActivityEvent, deal_url: Callable[[int], str], clock: FeedClock) -> None:
    """A deal's stage change: the stage names as they were, in the reader's language, and the deal's URL."""
    data = event.data if isinstance(event.data, dict) else {}
    event.created = _created(event, clock)  # type: ignore[attr-defined]
    event.deal_url = deal_url(event.deal_id) if event.deal_id else ""  # type: ignore[attr-defined]
    event.stage_from = _stage_name(data.get("from"))  # type: ignore[attr-defined]
    event.stage_to = _stage_name(data.get("to"))  # type: ignore[attr-defined]
    event.stage_kind = data.get("stage_kind", "open")  # type: ignore[attr-defined]
    event.loss_reason_name = _stage_name(data.get("loss_reason"))  # type: ignore[attr-defined]
    event.mentions_viewer = False  # type: ignore[attr-defined]
    event.box = f"e{event.pk}"  # type: ignore[attr-defined]


def _filter_query(request: HttpRequest) -> QueryDict:
    """The page's filters as a query string, without the id window."""
    query = request.GET.copy()
    for name in WINDOW_PARAMETERS:
        query.pop(name, None)
    return query


def _feed_url(query: QueryDict) -> str:
    encoded = query.urlencode()
    return reverse("activities:feed") + (f"?{encoded}" if encoded else "")


def _poll_url(query: QueryDict, newest_id: int) -> str:
    poll = query.copy()
    poll["after"] = str(newest_id)
    return f"{reverse('activities:feed_new')}?{poll.urlencode()}"


def poll_seconds() -> int:
    return max(1, int(getattr(settings, "TOTONOU_FEED_POLL_SECONDS", FEED_POLL_SECONDS)))


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The first page (newest first) polls for new items; ``?before=<id>`` pages back to older ones
    by id, never by OFFSET, so paging stays cheap and stable while new items arrive."""
    user = signed_in_user(request)
    filters, errors = filters_from_query(FeedFilter, request.GET)
    filters = filters.model_copy(update={"after": None})
    choices = filter_choices(user)
    people = {member.pk: member for member in choices["members"]}
    rows = feed_page(user=user, filters=filters, limit=FEED_PAGE_SIZE + 1, people=people)
    events = prepare_events(rows[:FEED_PAGE_SIZE], viewer=user)
    query = _filter_query(request)
    newest_id = events[0].pk if events else 0
    context = {
        "events": events,
        "filters": filters,
        "filter_errors": errors,
        "older_id": events[-1].pk if len(rows) > FEED_PAGE_SIZE else None,
        "poll_url": _poll_url(query, newest_id) if filters.before is None else "",
        "poll_seconds": poll_seconds(),
        "next_url": _feed_url(query),
        "segments": segment_choices(user),
        **choices,
    }
    return render_page(
        request, "activities/feed.html", context, fragments={"feed-results": "activities/_feed_results.html"}
    )


@require_GET
def feed_new(request: HttpRequest) -> HttpResponse:
    """Poll: ``?after=<newest id on the page>`` plus the page's filters. ``204 No Content`` after one
    small query when nothing is newer; else only the new items (newest first), to go on top."""
    user = signed_in_user(request)
    filters, errors = filters_from_query(FeedFilter, request.GET)
    if errors or filters.after is None or filters.before is not None:
        return HttpResponseBadRequest()
    if feed_latest_id(user=user, filters=filters) == 0:
        return HttpResponse(status=204)
    people = {member.pk: member for member in member_choices(user)}
    rows = feed_page(user=user, filters=filters, limit=FEED_PAGE_SIZE + 1, people=people)
    events = prepare_events(rows[:FEED_PAGE_SIZE], viewer=user)
    if not events:  # the new ones were deleted between the two queries
        return HttpResponse(status=204)
    query = _filter_query(request)
    context = {
        "events": events,
        "has_gap": len(rows) > FEED_PAGE_SIZE,
        "poll_url": _poll_url(query, events[0].pk),
        "poll_seconds": poll_seconds(),
        "next_url": _feed_url(query),
        "is_new": True,
    }
    return render(request, "activities/_feed_new.html", context)


@require_GET
def feed_comments(request: HttpRequest, pk: int) -> HttpResponse:
    """The comment box of feed item ``pk`` (an event id): its thread and form with the @mention hints,
    loaded by htmx when its comments are first opened; with it, out of band, its current comment count.
    An event the user may not see, or one without a comment box (a review), is 404; a request without
    htmx goes to the activity page, where the thread is."""
    user = signed_in_user(request)
    event = get_object_or_404(feed_event_with_thread(user=user), pk=pk)
    activity = event.activity
    if activity is None:  # a deal's stage change has no thread (the selector leaves them out)
        raise Http404
    if not is_htmx(request):
        return redirect(f"{activity.get_absolute_url()}#page-comments")
    comments = list(comment_list(user=user, filters=CommentFilter(activity=activity.pk)))
    box = f"e{event.pk}"
    page = request.htmx.current_url_abs_path or ""  # type: ignore[attr-defined]
    context = {
        "activity": activity,
        "comments": comments,
        "box": box,
        "in_feed": True,
        "next_url": page if page.startswith(reverse("activities:feed")) else reverse("activities:feed"),
    }
    return render(request, "activities/_feed_comments.html", context)
