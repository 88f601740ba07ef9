"""Reference data kept per process (``core.reference``, ADR 0048): the feed's filter lists are read once,
read again after any write to a segment, team, activity type or member (through a service or around it),
never kept from inside a transaction, and each page gets copies of its own.

These tests commit (``transaction=True``): the lists are only kept outside a transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import SegmentFactory, make_team
from totonou.activities.models import ActivityType
from totonou.core import reference
from totonou.core.models import ReferenceVersion
from totonou.customers.models import Segment
from totonou.customers.services import segment_update
from totonou.users.models import Team, User
from totonou.users.services import user_update

pytestmark = pytest.mark.django_db(transaction=True)

#: The four lists' queries: segments, teams, types, and the members (by their team's name).
LIST_STARTS = ('SELECT "customers_segment".', 'SELECT "users_team".', 'SELECT "activities_activitytype".')


def _list_queries(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith(LIST_STARTS)
        or (
            query["sql"].startswith('SELECT "users_user".') and 'ORDER BY "users_team"."name"' in query["sql"]
        )
    ]


@pytest.fixture
def team():
    reference.forget()
    team, manager, reps = make_team("東京営業部")
    SegmentFactory(name="食品スーパー")
    ActivityType.objects.get_or_create(slug="visit", defaults={"name_ja": "訪問", "name_en": "Visit"})
    yield team, manager, reps
    reference.forget()


def _feed(client) -> tuple[str, list[str], int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("activities:feed"))
    assert response.status_code == 200
    return response.content.decode(), _list_queries(captured), len(captured)


def test_a_second_page_reads_none_of_the_lists(client, team):
    _team, manager, _reps = team
    client.force_login(manager)
    _html, first_lists, first_total = _feed(client)
    assert len(first_lists) == 4
    html, second_lists, second_total = _feed(client)
    assert second_lists == []
    assert second_total == first_total - 4
    assert "食品スーパー" in html and "東京営業部" in html


def test_a_segment_renamed_through_its_service_shows_on_the_next_page(client, team):
    _team, manager, _reps = team
    client.force_login(manager)
    _feed(client)
    segment_update(actor=manager, segment=Segment.objects.get(name="食品スーパー"), name="ドラッグストア")
    html, lists, _total = _feed(client)
    assert len(lists) == 4
    assert "ドラッグストア" in html and "食品スーパー" not in html


@pytest.mark.parametrize(
    "write",
    [
        lambda: Segment.objects.update(name="ドラッグストア"),
        lambda: Team.objects.update(name="ドラッグストア"),
        lambda: ActivityType.objects.filter(slug="visit").update(name_en="ドラッグストア"),
        lambda: User.objects.filter(role="rep").update(display_name="ドラッグストア"),
    ],
    ids=["segment", "team", "type", "member"],
)
def test_a_write_around_the_services_shows_on_the_next_page(client, team, write):
    """A bulk update (an import, the admin, SQL) raises the version through the tables' triggers."""
    _team, manager, _reps = team
    client.force_login(manager)
    _feed(client)
    before = ReferenceVersion.objects.get().value
    write()
    assert ReferenceVersion.objects.get().value > before
    html, lists, _total = _feed(client)
    assert len(lists) == 4
    assert "ドラッグストア" in html


def test_a_sign_in_does_not_raise_the_version_and_a_new_name_does(team):
    _team, _manager, (rep, _other) = team
    before = ReferenceVersion.objects.get().value
    User.objects.filter(pk=rep.pk).update(last_login=timezone.now())
    assert ReferenceVersion.objects.get().value == before
    admin = User.objects.create(username="admin", role=User.Role.ADMIN)
    after_admin = ReferenceVersion.objects.get().value
    assert after_admin > before  # a new user
    user_update(actor=admin, user=rep, display_name="佐藤 花子")
    assert ReferenceVersion.objects.get().value > after_admin


def test_nothing_is_kept_from_inside_a_transaction(team):
    reads: list[int] = []

    def read() -> list[Segment]:
        reads.append(1)
        return list(Segment.objects.all())

    version = ReferenceVersion.objects.get().value
    with transaction.atomic():
        assert [s.name for s in reference.cached_rows("segments", version, read)] == ["食品スーパー"]
        assert [s.name for s in reference.cached_rows("segments", version, read)] == ["食品スーパー"]
    assert len(reads) == 2
    reference.cached_rows("segments", version, read)
    reference.cached_rows("segments", version, read)
    assert len(reads) == 3
    # Without a version (a user read another way) nothing is kept either.
    reference.cached_rows("segments", None, read)
    assert len(reads) == 4


def test_each_caller_gets_copies_of_its_own(team):
    _team, manager, _reps = team
    version = ReferenceVersion.objects.get().value

    def read() -> list[User]:
        return list(User.objects.select_related("team").filter(pk=manager.pk))

    first = reference.cached_rows("members", version, read)[0]
    first.display_name = "changed by a page"
    first.selected = True
    first.team.name = "the team object itself is shared, its cache slot is not"
    second = reference.cached_rows("members", version, read)[0]
    assert second is not first
    assert second.display_name == manager.display_name
    assert not hasattr(second, "selected")
    Team.objects.filter(pk=second.team_id).update(name="x")  # a new team on one copy stays on that copy
    first.team = Team.objects.get(pk=second.team_id)
    assert reference.cached_rows("members", version, read)[0].team is not first.team


def test_the_version_only_grows_even_after_the_row_is_lost(team):
    """A flush or a restore empties the table: the next write starts from the clock, above any number an
    earlier state had, so a process never takes its old lists for the new state's."""
    before = ReferenceVersion.objects.get().value
    ReferenceVersion.objects.all().delete()
    SegmentFactory(name="ホームセンター")
    after = ReferenceVersion.objects.get().value
    assert after > before
    Segment.objects.filter(name="ホームセンター").update(cadence_days=7)
    assert ReferenceVersion.objects.get().value > after


@pytest.mark.parametrize("page", ["customers:customer_list", "deals:deal_list", "search:search"])
def test_the_owner_filters_read_their_lists_once(client, team, page):
    """The owner filter of the customer list, the deal list and search (and the customer list's
    segments) come from the kept lists too; a renamed member shows on the next page."""
    _team, manager, (rep, _other) = team
    client.force_login(manager)

    def lists() -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(page), {"q": "x"} if page == "search:search" else {})
        assert response.status_code == 200
        owners = [
            query["sql"]
            for query in captured.captured_queries
            if query["sql"].startswith(LIST_STARTS[0])
            or (  # every active user (not the bulk form's members a manager may give customers to)
                query["sql"].startswith('SELECT "users_user"."id", "users_user"."username"')
                and 'WHERE "users_user"."is_active" ORDER BY' in query["sql"]
            )
        ]
        return response.content.decode(), owners

    _html, first = lists()
    assert first
    html, second = lists()
    assert second == []
    assert str(rep) in html
    User.objects.filter(pk=rep.pk).update(display_name="ドラッグストア")
    html, third = lists()
    assert third and "ドラッグストア" in html
