"""The team feed: every plan, result, move, cancellation and comment as it happens (``ActivityEvent``
rows, newest first), filtered with the API's ``FeedFilter``. New items come in by polling
``feed_new``, which costs one small query when there is nothing new."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from totonou.activities.filters import FeedFilter
from totonou.activities.models import ActivityEvent, Comment
from totonou.activities.selectors import feed_latest_id, feed_list
from totonou.activities.views.choices import filter_choices
from totonou.core.filters import filters_from_query
from totonou.core.htmx import render_page
from totonou.customers.models import Segment
from totonou.users.models import User
from totonou.web.http import signed_in_user

FEED_PAGE_SIZE = 25
# Seconds between two "anything new?" polls of an open feed (tests shorten it with the setting).
FEED_POLL_SECONDS = 15
# Query parameters that move the window over the feed rather than filter it.
WINDOW_PARAMETERS = ("after", "before")


def feed_events(*, user: User, filters: FeedFilter) -> QuerySet[ActivityEvent]:
    """``feed_list`` plus each activity's comment thread (one more query), for the feed's comment boxes."""
    thread = Comment.objects.select_related("author").order_by("created_at", "id")
    return feed_list(user=user, filters=filters).prefetch_related(Prefetch("activity__comments", thread))


def _moment(value: Any) -> datetime.datetime | None:
    """A datetime from an event's JSON (ISO 8601, UTC); None when it is missing or malformed."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def prepare_events(events: Iterable[ActivityEvent], *, viewer: User) -> list[ActivityEvent]:
    """Read the details templates show from each event's JSON, once: the times of a move (shown in the
    viewer's zone by the template), whether a comment mentions the viewer, and the id prefix of the
    item's comment box. No queries."""
    prepared = list(events)
    for event in prepared:
        event.moved_from = _moment(event.data.get("from"))  # type: ignore[attr-defined]
        event.moved_to = _moment(event.data.get("to"))  # type: ignore[attr-defined]
        mentioned = event.comment is not None and any(
            row.user_id == viewer.pk for row in event.comment.mention_rows.all()
        )
        event.mentions_viewer = mentioned  # type: ignore[attr-defined]
        event.box = f"e{event.pk}"  # type: ignore[attr-defined]  # the id prefix of its comment box
    return prepared


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
    rows = list(feed_events(user=user, filters=filters)[: FEED_PAGE_SIZE + 1])
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
        "segments": Segment.objects.visible_to(user).order_by("sort_order", "name"),
        **filter_choices(user),
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
    rows = list(feed_events(user=user, filters=filters)[: FEED_PAGE_SIZE + 1])
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
