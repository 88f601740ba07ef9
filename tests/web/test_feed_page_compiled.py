"""The feed's page read through ``core.compiled.CompiledList`` (``activities.selectors.feed_page``) is the
ORM's ``feed_events`` page: the same events, columns, annotations, joined rows and activities, for every
viewer and every combination of filters, in two queries whose SQL is compiled once per shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tests.web.test_feed_item import _world_with_every_kind
from totonou.activities.filters import FeedFilter
from totonou.activities.models import Activity, ActivityEvent, Reaction
from totonou.activities.selectors import _FEED_EVENTS, feed_events, feed_page
from totonou.core.compiled import CompiledList
from totonou.users.models import User
from totonou.web.views.choices import member_choices

pytestmark = pytest.mark.django_db


def _loaded(instance: Model | None) -> dict[str, Any] | None:
    """What a row read: its loaded columns (deferred ones are left out, and must be the same) and its
    annotations."""
    if instance is None:
        return None
    return {name: value for name, value in instance.__dict__.items() if not name.startswith("_")}


def _person(user: User | None) -> tuple[int, str, str] | None:
    """What a card shows of a person: the name and the calendar colour."""
    return None if user is None else (user.pk, str(user), user.calendar_color)


def _event(event: ActivityEvent) -> dict[str, Any]:
    activity = event.activity
    return {
        "event": _loaded(event),
        "deferred": sorted(event.get_deferred_fields()),
        "actor": _person(event.actor),
        "comment": _loaded(event.comment),
        "comment_author": _person(event.comment.author) if event.comment else None,
        "deal": _loaded(event.deal),
        "deal_customer": _loaded(event.deal.customer) if event.deal else None,
        "deal_owner": _person(event.deal.owner) if event.deal else None,
        "activity": _loaded(activity),
        "activity_deferred": sorted(activity.get_deferred_fields()) if activity else None,
        "related": [_loaded(getattr(activity, name)) for name in ("type", "customer", "deal")]
        if activity
        else None,
        "people": [_person(activity.owner), _person(activity.reviewed_by)] if activity else None,
    }


def _filters(world: Any) -> list[FeedFilter]:
    newest = ActivityEvent.objects.order_by("-id").values_list("id", flat=True)[3]
    return [
        FeedFilter(),
        FeedFilter(owner=world.rep.pk),
        FeedFilter(owner=world.other_rep.pk),
        FeedFilter(team=world.rep.team_id),
        FeedFilter(segment=world.key_customer.segment_id),
        FeedFilter(type="visit"),
        FeedFilter(key_only=True),
        FeedFilter(key_only=False),
        FeedFilter(unreviewed=True),
        FeedFilter(before=newest),
        FeedFilter(after=newest),
        FeedFilter(owner=world.rep.pk, type="call", key_only=True, before=newest + 100),
    ]


def test_the_compiled_page_is_the_orms_page_for_every_viewer_and_filter(world):
    _world_with_every_kind(world)
    Reaction.objects.create(activity=world.key_activity, user=world.manager, kind=Reaction.Kind.LIKE)
    Reaction.objects.create(activity=world.key_activity, user=world.other_rep, kind=Reaction.Kind.LIKE)
    everyone = {user.pk: user for user in member_choices(world.manager)}
    pages = 0
    for viewer in (world.manager, world.rep, world.other_rep):
        viewer = User.objects.get(pk=viewer.pk)
        for filters in _filters(world):
            for limit in (26, 3):
                expected = [_event(event) for event in feed_events(user=viewer, filters=filters)[:limit]]
                with CaptureQueriesContext(connection) as captured:
                    got = feed_page(user=viewer, filters=filters, limit=limit, people=everyone)
                    shown = [_event(event) for event in got]  # no query of its own for a person
                assert shown == expected, (viewer.username, filters, limit)
                has_activities = any(event.activity_id for event in got)
                assert len(captured) == (2 if has_activities else 1)
                pages += bool(expected)
    assert pages == 3 * 2 * 11  # every combination but the one that matches nothing read rows


def test_people_left_out_of_the_members_are_read_in_one_query(world):
    _world_with_every_kind(world)
    expected = [_event(event) for event in feed_events(user=world.manager, filters=FeedFilter())[:26]]
    User.objects.filter(pk=world.rep.pk).update(is_active=False)  # a rep who left: not a member choice
    members = {user.pk: user for user in member_choices(world.manager)}
    assert world.rep.pk not in members and world.manager.pk in members
    for people, queries in ((members, 3), ({}, 3), (None, 3)):
        with CaptureQueriesContext(connection) as captured:
            got = [
                _event(event)
                for event in feed_page(user=world.manager, filters=FeedFilter(), limit=26, people=people)
            ]
        assert got == expected
        assert len(captured) == queries
        assert 'FROM "users_user"' in captured.captured_queries[-1]["sql"]


def test_the_page_shows_what_the_viewer_did(world):
    _world_with_every_kind(world)
    Reaction.objects.create(activity=world.key_activity, user=world.manager, kind=Reaction.Kind.LIKE)
    viewers = ((world.manager, True, 1), (world.rep, False, 1), (world.other_rep, False, 0))
    for viewer, reacted, mentioned in viewers:
        events = feed_page(user=viewer, filters=FeedFilter(), limit=50)
        done = next(event for event in events if event.activity_id == world.key_activity.pk)
        assert done.activity.reaction_count_like == 1
        assert done.activity.reacted_like is reacted
        assert done.activity.comment_count == 2
        assert sum(event.viewer_mentioned for event in events) == mentioned


def test_one_shape_is_compiled_once_and_read_with_each_value(world):
    _world_with_every_kind(world)
    rep_events = feed_page(user=world.manager, filters=FeedFilter(owner=world.rep.pk), limit=26)
    other_events = feed_page(user=world.manager, filters=FeedFilter(owner=world.other_rep.pk), limit=26)
    owners = {event.activity.owner_id if event.activity else event.deal.owner_id for event in rep_events}
    assert owners == {world.rep.pk} and len(rep_events) == 12
    assert other_events == []  # the other rep owns nothing: the second value was read, not the first
    shapes = connections["default"].__dict__[_FEED_EVENTS._attribute]
    shape = (26, (("owner", None),))
    assert [key for key in shapes if key[0] == shape] == [(shape, int, int)]  # one SQL for both owners


def test_nobody_signed_in_reads_nothing(world):
    _world_with_every_kind(world)
    with CaptureQueriesContext(connection) as captured:
        assert feed_page(user=AnonymousUser(), filters=FeedFilter(), limit=26) == []
    assert len(captured) == 0
    inactive = UserFactory(username="gone", is_active=False)
    assert feed_page(user=inactive, filters=FeedFilter(), limit=26) == []


def test_a_compiled_list_puts_each_value_wherever_it_is_used():
    people = [UserFactory(username=f"person{index}", display_name=f"P{index}") for index in range(3)]
    twice = CompiledList(
        lambda shape, first, name: (
            User.objects.filter(pk__gte=first, username__gte=name).exclude(pk=first).order_by("pk")
        )
    )
    got = twice.list("shape", people[0].pk, "person1")
    assert [user.pk for user in got] == [people[1].pk, people[2].pk]
    assert [user.display_name for user in got] == ["P1", "P2"]
    assert [user.pk for user in twice.list("shape", people[1].pk, "person0")] == [people[2].pk]


def test_a_compiled_list_refuses_values_it_cannot_stand_in_for():
    unused = CompiledList(lambda shape, value: User.objects.all())
    with pytest.raises(ValueError, match="each of its values"):
        unused.list("shape", 1)
    takes_any = CompiledList(lambda shape, value: User.objects.filter(pk=value))
    for value in (True, 1.5, None, [1]):
        with pytest.raises(TypeError, match="numbers and texts"):
            takes_any.list("shape", value)
    assert Activity.objects.count() == 0  # nothing was written by any of it
