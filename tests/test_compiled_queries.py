"""What every signed-in request reads first, without the ORM's building cost: the session
(``core.sessions``) and the user with their team and the bell's count (``core.compiled`` through
``users.backends``). They read exactly what the ORM reads."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from totonou.core.compiled import CompiledQuery
from totonou.notifications.personal import UNREAD_ATTRIBUTE, notification_record, notifications_mark_read
from totonou.users.backends import SIGNED_IN_USER, ModelBackend, signed_in_user_query
from totonou.users.models import Team, User

pytestmark = pytest.mark.django_db


def _fields(instance: object, model: type) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in model._meta.concrete_fields}


@pytest.mark.parametrize("with_team", [True, False], ids=["team", "no-team"])
def test_the_compiled_user_is_the_orms_user(with_team):
    team = Team.objects.create(name="東京営業部") if with_team else None
    user = UserFactory(username="compiled", team=team, display_name="山田", time_zone="Asia/Tokyo")
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - datetime.timedelta(days=2))
    other = UserFactory(username="someone_else")
    notification_record(recipient=user, kind="reminder", title="One")
    notification_record(recipient=user, kind="reminder", title="Two")
    read = notification_record(recipient=user, kind="reminder", title="Read")
    notifications_mark_read(user=user, ids=[read.pk])
    notification_record(recipient=other, kind="reminder", title="Not theirs")

    expected = signed_in_user_query(user.pk).get()
    with CaptureQueriesContext(connection) as captured:
        got = SIGNED_IN_USER.first(user.pk)
        assert got is not None
        assert _fields(got, User) == _fields(expected, User)
        assert isinstance(got.last_login, datetime.datetime) and timezone.is_aware(got.last_login)
        assert getattr(got, UNREAD_ATTRIBUTE) == getattr(expected, UNREAD_ATTRIBUTE) == 2
        if with_team:
            assert _fields(got.team, Team) == _fields(expected.team, Team)
        else:
            assert got.team is None
        assert got._state.db == "default" and not got._state.adding
    assert len(captured) == 1  # the team (or its absence) came with the user
    assert SIGNED_IN_USER.first(987654321) is None


def test_the_backend_reads_the_compiled_user_and_refuses_what_it_should():
    backend = ModelBackend()
    user = UserFactory(username="active_one")
    assert backend.get_user(user.pk).pk == user.pk
    assert backend.get_user(str(user.pk)).pk == user.pk  # the session keeps the id as text
    assert backend.get_user("not a number") is None
    assert backend.get_user(987654321) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_a_compiled_query_takes_its_value_exactly_once():
    twice = CompiledQuery(lambda value: User.objects.filter(pk=value, id=value))
    with pytest.raises(ValueError, match="exactly once"):
        twice.first(1)


def test_the_compiled_token_user_is_the_orms_user_with_the_tokens_id_and_last_use():
    """A compiled query that takes a text (an API token's hash, ``takes=str``)."""
    from totonou.users.backends import TOKEN_USER, token_user_query
    from totonou.users.models import ApiToken
    from totonou.users.services import api_token_create

    team = Team.objects.create(name="東京営業部")
    user = UserFactory(username="token_user", team=team)
    token, _raw = api_token_create(user=user, name="calendar")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - datetime.timedelta(hours=3))
    expected = token_user_query(token.key_hash).get()
    with CaptureQueriesContext(connection) as captured:
        got = TOKEN_USER.first(token.key_hash)
        assert got is not None
        assert _fields(got, User) == _fields(expected, User) and _fields(got.team, Team) == _fields(
            team, Team
        )
        assert got.api_token_id == expected.api_token_id == token.pk
        assert got.api_token_last_used_at == expected.api_token_last_used_at
        assert timezone.is_aware(got.api_token_last_used_at)
        assert got.reference_version == expected.reference_version
    assert len(captured) == 1
    assert TOKEN_USER.first("not a hash") is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert TOKEN_USER.first(token.key_hash) is None


def test_sessions_are_read_with_one_plain_query_and_expire(client):
    assert settings.SESSION_ENGINE == "totonou.core.sessions"
    user = UserFactory(username="session_user")
    client.force_login(user)
    settings_url = reverse("web:settings")
    assert client.get(settings_url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(settings_url).status_code == 200
    assert "django_session" in captured.captured_queries[0]["sql"]
    # An expired session signs nobody in, and a deleted one neither (sign-out elsewhere).
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(settings_url).status_code == 302
    client.force_login(user)
    Session.objects.filter(session_key=client.session.session_key).delete()
    assert client.get(settings_url).status_code == 302
    # Signing in again after all that works, and signing out ends the session in the database.
    client.force_login(user)
    assert client.get(settings_url).status_code == 200
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(settings_url).status_code == 302


def test_the_managed_ids_are_read_compiled_and_per_manager():
    from totonou.users.permissions import managed_user_ids

    east, west, other = (
        Team.objects.create(name="East"),
        Team.objects.create(name="West"),
        Team.objects.create(name="O"),
    )
    boss = UserFactory(username="boss", role=User.Role.MANAGER, team=east)
    second = UserFactory(username="second", role=User.Role.MANAGER, team=other)
    east.managers.add(boss), west.managers.add(boss), other.managers.add(second)
    reps = [
        UserFactory(username=f"rep{index}", team=team) for index, team in enumerate((east, west, other, None))
    ]
    for manager, expected in ((boss, {boss.pk, reps[0].pk, reps[1].pk}), (second, {second.pk, reps[2].pk})):
        reader = User.objects.get(pk=manager.pk)
        with CaptureQueriesContext(connection) as captured:
            assert managed_user_ids(reader) == expected
            assert managed_user_ids(reader) == expected  # kept on the user for the request
        assert len(captured) == 1
    rep = User.objects.get(pk=reps[0].pk)
    with CaptureQueriesContext(connection) as captured:
        assert managed_user_ids(rep) == {rep.pk}
    assert len(captured) == 0
    # The signed-in user's own query brings the same ids along (the rule in SQL, ``ManagedIds``): the
    # same sets for a manager of two teams, of one, of a team without members, and for a rep.
    empty = Team.objects.create(name="Empty")
    lonely = UserFactory(username="lonely", role=User.Role.MANAGER, team=None)
    empty.managers.add(lonely)
    for person in (boss, second, lonely, reps[0]):
        plain = managed_user_ids(User.objects.get(pk=person.pk))
        signed_in = SIGNED_IN_USER.first(person.pk)
        with CaptureQueriesContext(connection) as captured:
            assert managed_user_ids(signed_in) == plain
        assert len(captured) == 0
    assert managed_user_ids(SIGNED_IN_USER.first(lonely.pk)) == {lonely.pk}


def test_the_settings_pages_own_reads_are_the_orms():
    from totonou.users.models import ApiToken, CalendarFeed
    from totonou.users.selectors import api_token_list, api_token_rows
    from totonou.users.services import (
        api_token_create,
        api_token_revoke,
        calendar_feed_read,
        calendar_feed_rotate,
    )

    user, other = UserFactory(username="tokens"), UserFactory(username="other")
    first, _raw = api_token_create(user=user, name="first")
    api_token_create(user=user, name="second")
    api_token_create(user=other, name="not theirs")
    api_token_revoke(actor=user, token=first)
    got = api_token_rows(user=user)
    assert [_fields(token, ApiToken) for token in got] == [
        _fields(token, ApiToken) for token in api_token_list(user=user)
    ]
    assert [token.name for token in got] == ["second", "first"]  # the active one first
    assert calendar_feed_read(actor=user) == (None, "")
    calendar_feed_rotate(actor=user)
    feed, token = calendar_feed_read(actor=user)
    assert feed is not None and token
    assert _fields(feed, CalendarFeed) == _fields(CalendarFeed.objects.get(user=user), CalendarFeed)
    assert calendar_feed_read(actor=other) == (None, "")


def test_the_mention_hints_are_the_orms_with_and_without_a_team():
    from totonou.users.selectors import _mention_hint_query, mention_hint_users

    east, west = Team.objects.create(name="East"), Team.objects.create(name="West")
    boss = UserFactory(username="boss", role=User.Role.MANAGER, team=east)
    roaming = UserFactory(username="roaming", role=User.Role.MANAGER, team=None)
    east.managers.add(boss), west.managers.add(boss, roaming)
    for index in range(4):
        UserFactory(username=f"east{index}", team=east)
        UserFactory(username=f"west{index}", team=west)
    UserFactory(username="east_gone", team=east, is_active=False)
    loner = UserFactory(username="loner", team=None)
    rep, west_rep = User.objects.get(username="east0"), User.objects.get(username="west0")
    seen = {}
    for reader in (boss, roaming, loner, rep, west_rep):
        for limit in (12, 3):
            expected = list(_mention_hint_query(user=reader)[:limit])
            with CaptureQueriesContext(connection) as captured:
                got = mention_hint_users(user=reader, limit=limit)
            assert len(captured) == 1
            assert [(u.pk, u.username, u.display_name) for u in got] == [
                (u.pk, u.username, u.display_name) for u in expected
            ]
            seen[(reader.username, limit)] = [u.username for u in got]
    assert seen[("boss", 12)] == [
        "east0",
        "east1",
        "east2",
        "east3",
        "roaming",
        "west0",
        "west1",
        "west2",
        "west3",
    ]
    assert seen[("roaming", 12)] == ["boss", "west0", "west1", "west2", "west3"]
    assert seen[("east0", 3)] == ["boss", "east1", "east2"]
    assert seen[("loner", 12)] == []
    assert seen[("west0", 12)] == ["boss", "roaming", "west1", "west2", "west3"]  # the other team's id read
