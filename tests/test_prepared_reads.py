"""On PostgreSQL the compiled reads (``core.compiled``) run as prepared statements, parsed and planned
once per connection, and nothing else does; with ``TOTONOU_PREPARED_READS`` off they bind on the client
as the rest of the app. Either way they are counted and logged with their SQL, as any query is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from totonou.users.backends import SIGNED_IN_USER
from totonou.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.skipif("connection.vendor != 'postgresql'")]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


def test_a_compiled_read_is_prepared_once_and_logged_with_its_values():
    user = UserFactory(username="prepared_reader", display_name="準備 太郎")
    other = UserFactory(username="someone")
    before = _prepared()
    with CaptureQueriesContext(connection) as captured:
        first = SIGNED_IN_USER.first(user.pk)
        second = SIGNED_IN_USER.first(other.pk)
        User.objects.filter(pk=user.pk).exists()  # an ORM query: bound on the client, not prepared
    new = [statement for statement in _prepared() if statement not in before]
    assert first is not None and second is not None
    assert (first.username, second.username) == ("prepared_reader", "someone")
    assert len(new) == 1 and '"users_user"."username"' in new[0] and "$1" in new[0]
    assert len(captured) == 3
    logged = [query["sql"] for query in captured.captured_queries]
    assert f'"users_user"."id" = {user.pk}' in logged[0] and f'"users_user"."id" = {other.pk}' in logged[1]
    assert "LIMIT 1" in logged[2]


def test_with_prepared_reads_off_nothing_is_prepared(settings):
    settings.TOTONOU_PREPARED_READS = False
    user = UserFactory(username="client_bound")
    before = _prepared()
    with CaptureQueriesContext(connection) as captured:
        got = SIGNED_IN_USER.first(user.pk)
    assert got is not None and got.username == "client_bound"
    assert _prepared() == before
    assert len(captured) == 1 and f'"users_user"."id" = {user.pk}' in captured.captured_queries[0]["sql"]
