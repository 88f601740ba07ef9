"""``core.functions.AnyOf``: "one of these ids" bound as one parameter on both databases, and a compiled
list (``core.compiled.CompiledList``) that takes its ids that way: one SQL whatever the number of ids."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from totonou.core.compiled import CompiledList
from totonou.core.functions import AnyOf, Ids
from totonou.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def users() -> list[User]:
    return [UserFactory(username=f"any-of-{index}") for index in range(6)]


def test_any_of_finds_the_same_rows_as_pk_in(users):
    chosen = [users[4].pk, users[1].pk, users[2].pk, users[1].pk, 10**9]  # a repeat and an unknown id
    found = set(User.objects.filter(AnyOf("pk", chosen)).values_list("pk", flat=True))
    assert found == set(User.objects.filter(pk__in=chosen).values_list("pk", flat=True))
    assert found == {users[1].pk, users[2].pk, users[4].pk}
    assert not User.objects.filter(AnyOf("pk", [])).exists()
    assert set(User.objects.exclude(AnyOf("pk", chosen)).values_list("pk", flat=True)) == (
        {user.pk for user in users} - found
    ) | set(User.objects.exclude(pk__in=[user.pk for user in users]).values_list("pk", flat=True))


def test_any_of_binds_the_ids_as_one_parameter(users):
    sql, params = User.objects.filter(AnyOf("pk", [users[0].pk, users[1].pk])).query.sql_with_params()
    assert params == (Ids([users[0].pk, users[1].pk]),)
    if connection.vendor == "postgresql":
        assert '"users_user"."id" = ANY(%s)' in sql
    else:
        assert '"users_user"."id" IN (SELECT value FROM json_each(%s))' in sql


BY_IDS = CompiledList(lambda shape, ids: User.objects.filter(AnyOf("pk", ids)).order_by("pk"))


def test_a_compiled_list_takes_any_number_of_ids_in_one_sql(users):
    for chosen in ([users[0].pk], [user.pk for user in users[1:5]], [user.pk for user in users]):
        with CaptureQueriesContext(connection) as captured:
            rows = BY_IDS.list((), Ids(chosen))
        assert [row.pk for row in rows] == sorted(chosen)
        assert [row.username for row in rows] == [
            user.username for user in sorted(users, key=lambda user: user.pk) if user.pk in chosen
        ]
        assert len(captured) == 1
    shapes = connections[DEFAULT_DB_ALIAS].__dict__[BY_IDS._attribute]
    assert len(shapes) == 1  # one compiled shape for 1, 4 and 6 ids
