"""The feed's and the calendar's member choices read a member's name, colour, role and team name only,
and the pages that show them (the team's calendar with its member list, the feed's owner filter) make no
query for a column left out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TeamFactory, UserFactory
from totonou.users.models import User
from totonou.web.views.choices import filter_choices, member_choices

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = TeamFactory(name="東京営業部")
    manager = UserFactory(username="boss", display_name="部長", role=User.Role.MANAGER, team=team)
    team.managers.add(manager)
    reps = [
        UserFactory(username="sato", display_name="佐藤", team=team, calendar_color="#1f77b4"),
        UserFactory(username="suzuki", display_name="", first_name="Ichiro", last_name="Suzuki", team=team),
    ]
    return team, manager, reps


def _members_query(captured) -> str:
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if 'ORDER BY "users_team"."name" ASC, "users_user"."display_name"' in q["sql"]
    ]
    return sql


def test_the_member_choices_read_what_the_filters_show(team):
    _team, manager, (sato, suzuki) = team
    with CaptureQueriesContext(connection) as captured:
        members = member_choices(manager)
        shown = [
            (member.pk, str(member), member.calendar_color, member.role, member.team.name)
            for member in members
        ]
    assert len(captured) == 1
    assert shown == [
        (suzuki.pk, "Ichiro Suzuki", suzuki.calendar_color, "rep", "東京営業部"),
        (sato.pk, "佐藤", "#1f77b4", "rep", "東京営業部"),
        (manager.pk, "部長", manager.calendar_color, "manager", "東京営業部"),
    ]
    sql = _members_query(captured)
    assert '"users_user"."password"' not in sql and '"users_team"."time_zone"' not in sql
    assert {"password", "email", "time_zone"} <= members[0].get_deferred_fields()


@pytest.mark.parametrize(("page", "queries"), [("activities:calendar", 4), ("activities:feed", 7)])
def test_the_team_calendar_and_the_feed_show_the_members_without_a_query_of_their_own(
    client, team, page, queries
):
    _team, manager, _reps = team
    client.force_login(manager)
    client.get(reverse(page))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(page))
    assert response.status_code == 200
    assert '"users_user"."password"' not in _members_query(captured)
    assert len(captured) == queries
    assert "Ichiro Suzuki" in response.content.decode()


def test_the_compiled_choices_are_the_orms_and_nobody_signed_in_gets_none(team):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import SegmentFactory
    from totonou.activities.selectors import activity_type_choices
    from totonou.customers.selectors import segment_list
    from totonou.users.filters import UserFilter
    from totonou.users.selectors import team_choices, user_list
    from totonou.web.views.choices import MEMBER_FIELDS, segment_choices

    _team, manager, (sato, _suzuki) = team
    TeamFactory(name="大阪営業部")
    SegmentFactory(name="食品スーパー"), SegmentFactory(name="ドラッグストア")
    UserFactory(username="left", team=_team, is_active=False)

    def rows(items):
        return [{k: v for k, v in item.__dict__.items() if not k.startswith("_")} for item in items]

    members = (
        user_list(user=manager, filters=UserFilter(is_active=True))
        .order_by("team__name", "display_name", "username")
        .only(*MEMBER_FIELDS)
    )
    for reader in (manager, sato):
        with CaptureQueriesContext(connection) as captured:
            choices = filter_choices(reader)
            segments = segment_choices(reader)
        assert len(captured) == 4
        assert rows(choices["members"]) == rows(members) and len(choices["members"]) == 3
        assert [member.team.name for member in choices["members"]] == ["東京営業部"] * 3
        assert rows(choices["teams"]) == rows(team_choices(user=reader)) and len(choices["teams"]) == 2
        assert (
            rows(choices["types"]) == rows(activity_type_choices(user=reader)) and len(choices["types"]) == 8
        )
        assert rows(segments) == rows(segment_list(user=reader)) and len(segments) == 2
        assert rows(member_choices(reader)) == rows(members)
    nobody = AnonymousUser()
    with CaptureQueriesContext(connection) as captured:
        assert filter_choices(nobody) == {"members": [], "teams": [], "types": []}
        assert segment_choices(nobody) == [] and member_choices(nobody) == []
    assert len(captured) == 0
